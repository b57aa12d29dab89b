"""Check the engine's ops against torch.nn.functional on random cases (run by hand).

PyTorch is not a dependency; run this where it is installed:
    python bench/torch_parity.py [cases]
It prints the largest difference seen for each op and exits non-zero if any exceeds 1e-4.
"""

from __future__ import annotations

import sys

import numpy as np
import torch
import torch.nn.functional as F

from app.engine import backward as bw
from app.engine import ops


def activations(x: np.ndarray, probe: np.ndarray, worst: dict[str, float]) -> None:
    """tanh and sigmoid forwards, and their backward passes against autograd."""
    upstream = np.resize(probe, x.shape).astype(np.float32)
    for name, ours_fn, back_fn, theirs_fn in (
        ("tanh", ops.tanh, bw.tanh_backward, torch.tanh),
        ("sigmoid", ops.sigmoid, bw.sigmoid_backward, torch.sigmoid),
    ):
        t = torch.from_numpy(x.copy()).requires_grad_(True)
        out = theirs_fn(t)
        out.backward(torch.from_numpy(upstream))
        ours = ours_fn(x)
        worst[name] = max(worst[name], float(np.abs(ours - out.detach().numpy()).max()))
        grad = back_fn(ours, upstream)
        assert t.grad is not None
        worst[name + "_backward"] = max(
            worst[name + "_backward"], float(np.abs(grad - t.grad.numpy()).max())
        )


def main(cases: int = 2000) -> int:
    rng = np.random.default_rng(0)
    worst = {
        "conv2d": 0.0, "max_pool2d": 0.0, "avg_pool2d": 0.0, "softmax": 0.0, "tanh": 0.0,
        "sigmoid": 0.0, "tanh_backward": 0.0, "sigmoid_backward": 0.0,
    }  # fmt: skip
    for _ in range(cases):
        c, k = rng.integers(1, 4, size=2)
        kh, kw = rng.integers(1, 6, size=2)
        sh, sw = rng.integers(1, 4, size=2)
        ph, pw = rng.integers(0, 3, size=2)
        h = int(rng.integers(max(1, kh - 2 * ph), 14))
        w = int(rng.integers(max(1, kw - 2 * pw), 14))
        x = rng.normal(size=(c, h, w)).astype(np.float32)
        weight = rng.normal(size=(k, c, kh, kw)).astype(np.float32)
        bias = rng.normal(size=(k,)).astype(np.float32)
        ours = ops.conv2d(x, weight, bias, (int(sh), int(sw)), (int(ph), int(pw)))
        theirs = F.conv2d(
            torch.from_numpy(x)[None],
            torch.from_numpy(weight),
            torch.from_numpy(bias),
            (int(sh), int(sw)),
            (int(ph), int(pw)),
        )[0].numpy()
        worst["conv2d"] = max(worst["conv2d"], float(np.abs(ours - theirs).max()))
        activations(x * 8, weight, worst)

        ph, pw = int(rng.integers(0, kh // 2 + 1)), int(rng.integers(0, kw // 2 + 1))
        if kh > h + 2 * ph or kw > w + 2 * pw:
            continue
        ceil = bool(rng.integers(0, 2))
        args = ((int(kh), int(kw)), (int(sh), int(sw)), (ph, pw), ceil)
        t = torch.from_numpy(x)[None]
        for name, ours_fn, theirs_fn in (
            ("max_pool2d", ops.max_pool2d, F.max_pool2d),
            ("avg_pool2d", ops.avg_pool2d, F.avg_pool2d),
        ):
            theirs = theirs_fn(t, *args[:3], ceil_mode=ceil)[0].numpy()
            diff = np.abs(ours_fn(x, *args) - theirs).max()
            worst[name] = max(worst[name], float(diff))
        v = rng.normal(size=(int(k) * 5,)).astype(np.float32) * 50
        diff = np.abs(ops.softmax(v) - F.softmax(torch.from_numpy(v), 0).numpy()).max()
        worst["softmax"] = max(worst["softmax"], float(diff))
    for name, diff in worst.items():
        print(f"{name:16s} largest difference from torch {diff:.2e}")
    return 0 if max(worst.values()) < 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
