"""Training the letters network with the engine's own backward passes, and the files it writes.

``train`` is deterministic for a seed: the data, the initial weights and the batch order all come
from it (the data is made in fixed chunks, each with its own child seed, so the number of worker
processes does not change a single sample).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from ..engine.optim import Adam
from . import data, real
from .model import ARCHITECTURE, FLAT, init_params, predict, train_step
from .weights import CARD, CLASSES, MODEL_DIR, WEIGHTS, Params

CHUNK = 50  # samples per class made by one task

Dataset = tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 0
    epochs: int = 20
    per_class: int = 2000
    real_copies: int = 4
    """How many times each of the 4,000 real training digits is used (the first as scanned)."""
    test_per_class: int = 150
    batch: int = 64
    lr: float = 3e-3
    weight_decay: float = 1e-3
    dropout: float = 0.3
    """The share of the dense layer's inputs zeroed in each training batch."""
    shift: int = 1
    """Each training picture is moved by up to this many pixels each way, anew in every batch."""
    workers: int = 2


@dataclass
class Result:
    params: Params
    losses: list[float] = field(default_factory=list)
    """The loss of every batch, in order."""
    accuracy: dict[str, float] = field(default_factory=dict)
    """Held-out accuracy per test set, and 'all'."""
    seconds: float = 0.0


def _chunks(recipe: data.Recipe) -> list[data.Recipe]:
    count = math.ceil(recipe.per_class / CHUNK)
    seeds = np.random.SeedSequence(recipe.seed).generate_state(count)
    sizes = [min(CHUNK, recipe.per_class - i * CHUNK) for i in range(count)]
    return [replace(recipe, seed=int(s), per_class=n) for s, n in zip(seeds, sizes, strict=True)]


def build(recipe: data.Recipe, workers: int = 1) -> Dataset:
    """Make a data set in chunks (in parallel when workers > 1); the same for any worker count."""
    chunks = _chunks(recipe)
    if workers > 1 and len(chunks) > 1:
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(data.make, chunks))
    else:
        parts = [data.make(c) for c in chunks]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def real_training(seed: int, copies: int) -> Dataset:
    """The real training digits, each ``copies`` times (see ``real.variant``)."""
    images, labels = real.training_digits()
    rng = np.random.default_rng([seed, 13])
    x = np.stack([real.variant(im, rng, c) for im in images for c in range(copies)])
    return x[:, None].astype(np.float32), np.repeat(labels, copies)


def jitter(
    x: npt.NDArray[np.float32], rng: np.random.Generator, pixels: int
) -> npt.NDArray[np.float32]:
    """Every picture of a batch moved by a random whole number of pixels, up to ``pixels`` each
    way (paper fills in), so no epoch shows the network the very same pictures again."""
    if not pixels:
        return x
    n, _, h, w = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (pixels, pixels), (pixels, pixels)))
    dy, dx = rng.integers(0, 2 * pixels + 1, (2, n))
    return np.stack([padded[i, :, dy[i] : dy[i] + h, dx[i] : dx[i] + w] for i in range(n)])


def dropout_mask(rng: np.random.Generator, n: int, rate: float) -> npt.NDArray[np.float32] | None:
    """Inverted dropout on the dense layer's inputs: zero a ``rate`` share, scale the rest up."""
    if not rate:
        return None
    return ((rng.random((n, FLAT)) >= rate) / (1 - rate)).astype(np.float32)


def accuracy(params: Params, sets: dict[str, Dataset]) -> dict[str, float]:
    """Synthetic held-out accuracy per test set and 'all' of them; the real held-out digits over
    all 36 classes and over the ten digits alone."""
    result = {name: float((predict(params, x) == y).mean()) for name, (x, y) in sets.items()}
    total = sum(len(y) for _, y in sets.values())
    result["all"] = sum(result[n] * len(y) for n, (_, y) in sets.items()) / total
    x, y = real.held_out()
    result["real digits, 36 classes"] = float((predict(params, x) == y).mean())
    result["real digits, digits only"] = float((predict(params, x, real.DIGIT_CLASSES) == y).mean())
    return result


def train(config: TrainConfig, progress: bool = True, log: Callable[[str], None] = print) -> Result:
    started = time.perf_counter()
    log(f"making {config.per_class} samples per class for training ...")
    x, y = build(data.training_recipe(config.seed, config.per_class), config.workers)
    if config.real_copies:
        log(f"adding the 4,000 real training digits, {config.real_copies} times each ...")
        rx, ry = real_training(config.seed, config.real_copies)
        x, y = np.concatenate([x, rx]), np.concatenate([y, ry])
    tests = {
        name: build(recipe, config.workers)
        for name, recipe in data.held_out_recipes(config.seed, config.test_per_class).items()
    }
    rng = np.random.default_rng(config.seed)
    result = Result(init_params(rng))
    adam = Adam(result.params, config.lr, weight_decay=config.weight_decay)
    steps = config.epochs * math.ceil(len(x) / config.batch)
    step = 0
    for epoch in range(config.epochs):
        order = rng.permutation(len(x))
        bar = tqdm(range(0, len(x), config.batch), disable=not progress, leave=False,
                   desc=f"epoch {epoch + 1}/{config.epochs}", unit="batch")  # fmt: skip
        right = seen = 0
        for start in bar:
            idx = order[start : start + config.batch]
            batch = jitter(x[idx], rng, config.shift)
            keep = dropout_mask(rng, len(idx), config.dropout)
            done = train_step(result.params, batch, y[idx], keep)
            lr = config.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * step / steps)))
            adam.step(result.params, done.grads, lr)
            step += 1
            result.losses.append(done.loss)
            right += int((done.logits.argmax(axis=1) == y[idx]).sum())
            seen += len(idx)
            bar.set_postfix(loss=f"{done.loss:.3f}", acc=f"{right / seen:.1%}")
        held = accuracy(result.params, tests)
        recent = float(np.mean(result.losses[-50:]))
        log(f"epoch {epoch + 1}/{config.epochs}: loss {recent:.3f}, train accuracy "
            f"{right / seen:.1%}, held-out accuracy {held['all']:.1%}, real digits "
            f"{held['real digits, 36 classes']:.1%} ({held['real digits, digits only']:.1%} "
            "as digits only)")  # fmt: skip
    result.accuracy = accuracy(result.params, tests)
    result.seconds = time.perf_counter() - started
    return result


def save(result: Result, config: TrainConfig, folder: Path = MODEL_DIR) -> tuple[Path, Path]:
    """Write the weights (.npz, float32) and the model card (JSON) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    weights = folder / WEIGHTS
    arrays: dict[str, Any] = {k: v.astype(np.float32) for k, v in result.params.items()}
    np.savez_compressed(weights, **arrays)
    card = {
        "name": "letters",
        "classes": list(CLASSES),
        "architecture": ARCHITECTURE,
        "preprocessing": "ink high and paper low; crop to the ink; scale the longer side to 20 px "
        "keeping the aspect ratio; centre by centre of mass in 28x28 (imaging.fit_ink)",
        "data": {
            "sources": sources(config),
            "train": asdict(data.training_recipe(config.seed, config.per_class)),
            "held_out": {
                name: asdict(r)
                for name, r in data.held_out_recipes(config.seed, config.test_per_class).items()
            },
            "augmentation": "rotation +-15 degrees, scale, aspect, shift, shear, stroke thickness, "
            "elastic distortion, noise; 40% of the made samples look scanned (thicker, a trip "
            "through a low resolution, blur, softer contrast); real digits after their first copy "
            "bent, turned and sometimes softened; in every batch each picture moved by up to "
            f"{config.shift} px and {config.dropout:.0%} of the dense layer's inputs dropped",
        },
        "training": asdict(config),
        "held_out_accuracy": result.accuracy,
        "training_seconds": round(result.seconds, 1),
        "date": datetime.now(UTC).date().isoformat(),
    }
    card_path = folder / CARD
    card_path.write_text(json.dumps(card, indent=2) + "\n")
    return weights, card_path


def sources(config: TrainConfig) -> list[dict[str, object]]:
    """Every source of training data, its licence and its share of the training samples."""
    made = config.per_class * len(CLASSES)
    real_count = real.TRAINING_COUNT * config.real_copies
    total = made + real_count
    recipe = data.training_recipe(config.seed, config.per_class)
    families = sorted({font.split("/")[1] for font in recipe.fonts})
    return [
        {"name": f"characters rendered from fonts ({', '.join(families)})",
         "licence": {f: data.FONT_LICENCES.get(f, "see its Debian package") for f in families},
         "share": round(made * recipe.font_share / total, 4)},
        {"name": "pen strokes drawn here (app/letters/strokes.py)",
         "licence": "this project's", "share": round(made * (1 - recipe.font_share) / total, 4)},
        {"name": f"real handwritten digits: 4,000 of {real.SOURCE_NAME}, {config.real_copies} "
         "copies each; 1,000 more held out for testing, never trained on",
         "licence": real.SOURCE_LICENCE, "share": round(real_count / total, 4)},
    ]  # fmt: skip
