"""A training, step by step: the same drawings, settings and seed give the same weights, bit for
bit, so any step can be rebuilt by replaying it, and a link to a step is exact.

Each step's batch and its augmentation come from a generator seeded by (seed, step) alone, so a
step does not depend on how the steps before it were scheduled. NumPy's matrix products must run
on one thread for the sums to add up in the same order on every machine (the worker sets that).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ..engine.optim import Adam
from . import net

F32 = np.float32


@dataclass(frozen=True)
class Settings:
    """What a learner may change; the learning rate and the batch size apply from the next step."""

    rate: float = 0.01
    batch: int = 16
    shift: int = 1
    """Each drawing of a batch is moved by up to this many pixels, a fresh amount every step."""
    snapshot_every: int = 10
    """Weights are kept every this many steps (and at step 0), for rewinding."""


def shifted(x: net.Images, rng: np.random.Generator, most: int) -> net.Images:
    """Each picture moved by up to ``most`` pixels each way (paper, 0, fills in)."""
    if most <= 0:
        return x
    out = np.zeros_like(x)
    height, width = x.shape[2:]
    for i, (dy, dx) in enumerate(rng.integers(-most, most + 1, (len(x), 2))):
        rows, cols = height - abs(dy), width - abs(dx)
        top, left = max(0, dy), max(0, dx)
        out[i, :, top : top + rows, left : left + cols] = x[
            i, :, max(0, -dy) : max(0, -dy) + rows, max(0, -dx) : max(0, -dx) + cols
        ]
    return out


@dataclass
class Training:
    images: net.Images
    labels: npt.NDArray[np.int64]
    shape: net.Shape
    seed: int
    settings: Settings = field(default_factory=Settings)
    params: net.Params = field(init=False)
    step: int = field(init=False, default=0)
    snapshots: dict[int, net.Params] = field(init=False, default_factory=dict)
    losses: list[float] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.params = net.init_params(self.shape, np.random.default_rng([self.seed, 0]))
        self.adam = Adam(self.params, self.settings.rate)
        self.snapshots[0] = {k: v.copy() for k, v in self.params.items()}

    def advance(self, steps: int = 1) -> None:
        """Run ``steps`` more steps."""
        for _ in range(steps):
            self.step += 1
            rng = np.random.default_rng([self.seed, self.step])
            size = min(self.settings.batch, len(self.images))
            pick = rng.choice(len(self.images), size, replace=False)
            x = shifted(self.images[pick], rng, self.settings.shift)
            f = net.forward(self.params, self.shape, x)
            loss, grads = net.gradients(self.params, self.shape, f, self.labels[pick])
            self.adam.step(self.params, grads, self.settings.rate)
            self.losses.append(loss)
            if self.step % self.settings.snapshot_every == 0:
                self.snapshots[self.step] = {k: v.copy() for k, v in self.params.items()}

    def predict(self, x: net.Images) -> npt.NDArray[np.int64]:
        return np.asarray(net.forward(self.params, self.shape, x).logits.argmax(axis=1))

    def accuracy(self, x: net.Images, y: npt.NDArray[np.int64]) -> float:
        return float((self.predict(x) == y).mean())


def structure(filters: npt.NDArray[np.float32]) -> float:
    """How much the first layer's filters look like something: the median, over filters, of the
    correlation of each weight with its right and lower neighbours (noise is near 0, strokes and
    blobs near 1)."""
    found = []
    for w in filters[:, 0].astype(np.float64):
        pairs = np.concatenate([
            np.stack([w[:, :-1].ravel(), w[:, 1:].ravel()]),
            np.stack([w[:-1, :].ravel(), w[1:, :].ravel()]),
        ], axis=1)  # fmt: skip
        found.append(np.corrcoef(pairs)[0, 1])
    return float(np.median(found))


def likeness(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float:
    """The correlation of two sets of filters, weight by weight."""
    return float(np.corrcoef(a.ravel().astype(np.float64), b.ravel().astype(np.float64))[0, 1])
