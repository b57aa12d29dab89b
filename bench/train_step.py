"""One training step against PyTorch's, by hand (never a timed test): python bench/train_step.py

Issue 29's target: a training step (forward, loss and every gradient) of the letters network
at batch 32 and 64, and of the watch-it-learn default network (batch 16, its default, and 30),
at or under
PyTorch's time on one thread. Both sides run the same network on the same batch, interleaved
round by round; medians and the ratio ours / PyTorch are printed, and the gradients are checked
to agree. The process keeps freed memory as the app's do (``engine.memory``); ``--as-allocated``
leaves glibc's defaults. PyTorch is not a dependency: run this where it is installed
(``pip install torch``).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # numpy's BLAS on one thread, like torch below
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.engine.memory import keep_freed_memory
from app.learn import net
from app.letters import model

ROUNDS = 15
REPEAT = 10


def letters_ours(p: dict, x: np.ndarray, y: np.ndarray) -> Callable[[], dict]:
    return lambda: model.train_step(p, x, y).grads  # as `convlens train` steps (in parts)


def letters_theirs(p: dict, x: np.ndarray, y: np.ndarray) -> Callable[[], dict]:
    t = {k: torch.from_numpy(v.copy()).requires_grad_(True) for k, v in p.items()}
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)

    def step() -> dict:
        for v in t.values():
            v.grad = None
        h = F.max_pool2d(F.relu(F.conv2d(tx, t["conv1.weight"], t["conv1.bias"])), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, t["conv2.weight"], t["conv2.bias"])), 2)
        logits = h.flatten(1) @ t["dense.weight"].T + t["dense.bias"]
        F.cross_entropy(logits, ty).backward()
        return {k: v.grad.numpy() for k, v in t.items()}

    return step


def learn_ours(p: dict, shape: net.Shape, x: np.ndarray, y: np.ndarray) -> Callable[[], dict]:
    return lambda: net.gradients(p, shape, net.forward(p, shape, x), y)[1]


def learn_theirs(p: dict, shape: net.Shape, x: np.ndarray, y: np.ndarray) -> Callable[[], dict]:
    t = {k: torch.from_numpy(v.copy()).requires_grad_(True) for k, v in p.items()}
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)

    def step() -> dict:
        for v in t.values():
            v.grad = None
        h = F.relu(F.conv2d(tx, t["conv.weight"], t["conv.bias"]))
        h = F.max_pool2d(h, shape.pool, ceil_mode=True)
        logits = h.flatten(1) @ t["dense.weight"].T + t["dense.bias"]
        F.cross_entropy(logits, ty).backward()
        return {k: v.grad.numpy() for k, v in t.items()}

    return step


def race(name: str, ours: Callable[[], dict], theirs: Callable[[], dict]) -> None:
    a, b = ours(), theirs()
    worst = max(float(np.abs(a[k] - b[k]).max() / (np.abs(b[k]).max() + 1e-12)) for k in a)
    times: dict[str, list[float]] = {"ours": [], "torch": []}
    for _ in range(ROUNDS):
        for side, fn in (("ours", ours), ("torch", theirs)):
            start = time.perf_counter()
            for _ in range(REPEAT):
                fn()
            times[side].append((time.perf_counter() - start) / REPEAT)
    o, t = (statistics.median(times[k]) for k in ("ours", "torch"))
    print(f"{name}: ours {o * 1e3:.2f} ms, PyTorch {t * 1e3:.2f} ms: {o / t:.2f}x "
          f"(gradients agree to {worst:.1e} of their largest)")  # fmt: skip


def main() -> None:
    torch.set_num_threads(1)
    kept = "--as-allocated" not in sys.argv and keep_freed_memory()  # as the app's processes do
    print(f"freed memory kept in the process (engine.memory): {kept}")
    rng = np.random.default_rng(0)
    p = model.init_params(rng)
    for batch in (32, 64):
        x = rng.random((batch, 1, 28, 28), dtype=np.float32)
        y = rng.integers(0, 36, batch)
        race(f"letters network, batch {batch}", letters_ours(p, x, y), letters_theirs(p, x, y))
    shape = net.Shape(classes=3)
    q = net.init_params(shape, rng)
    for batch in (16, 30):  # the default batch, and most of a class's
        x = rng.random((batch, 1, 28, 28), dtype=np.float32)
        y = rng.integers(0, 3, batch)
        race(f"watch-it-learn network, batch {batch}", learn_ours(q, shape, x, y),
             learn_theirs(q, shape, x, y))  # fmt: skip


if __name__ == "__main__":
    main()
