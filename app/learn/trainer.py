"""A training, step by step: the same drawings, settings and seed give the same weights, bit for
bit, so any step can be rebuilt by replaying it, and a link to a step is exact.

Each step's batch and its augmentation come from a generator seeded by (seed, step) alone, so a
step does not depend on how the steps before it were scheduled. NumPy's matrix products must run
on one thread for the sums to add up in the same order on every machine (the worker sets that).
"""

from __future__ import annotations

import copy
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
    rotate: int = 0
    """And turned by up to this many degrees (0, what trainings stored before turning existed
    mean: a new training gets ``NEW``'s)."""
    filters: int = 8
    kernel: int = 5
    """The first layer's filters and their size: fixed when a training starts."""
    way: str = "scratch"
    """'scratch', or 'features': on the letters network's learned features, frozen (then
    filters and kernel are that network's)."""
    snapshot_every: int = 10
    """Weights are kept every this many steps (and at step 0), for rewinding."""


NEW = Settings(shift=2, rotate=10)
"""What a new training starts with unless told otherwise: moved by up to 2 pixels and turned by
up to 10 degrees, its filters take shape by step 30 for every simulated learner (bench/learn.py;
with 1 pixel and no turn, for 4 of 5)."""


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


def turned(x: net.Images, rng: np.random.Generator, most: int) -> net.Images:
    """Each picture turned about its centre by up to ``most`` degrees either way (nearest pixel;
    paper fills the corners)."""
    if most <= 0:
        return x
    side = x.shape[-1]
    centre = (side - 1) / 2
    rows, cols = np.mgrid[0:side, 0:side] - centre
    out = np.zeros_like(x)
    for i, angle in enumerate(np.deg2rad(rng.uniform(-most, most, len(x)))):
        cos, sin = np.cos(angle), np.sin(angle)
        src_r = np.rint(centre + rows * cos - cols * sin).astype(np.int64)
        src_c = np.rint(centre + rows * sin + cols * cos).astype(np.int64)
        inside = (src_r >= 0) & (src_r < side) & (src_c >= 0) & (src_c < side)
        out[i, 0][inside] = x[i, 0][src_r[inside], src_c[inside]]
    return out


def scored(step: int) -> bool:
    """Whether accuracy is measured after ``step``: every step of the first 50 (where most of
    the learning happens), then every fifth."""
    return step <= 50 or step % 5 == 0


@dataclass(frozen=True)
class Point:
    """Accuracy after a step, on the drawings trained on and on the held-out ones."""

    step: int
    train: float
    held_out: float | None


@dataclass(frozen=True)
class Snapshot:
    """Everything a training needs to go on from a step: weights, optimiser and settings."""

    params: net.Params
    adam: Adam
    settings: Settings


@dataclass
class Training:
    images: net.Images
    labels: npt.NDArray[np.int64]
    shape: net.Shape
    seed: int
    settings: Settings = field(default_factory=Settings)
    held_images: net.Images | None = None
    held_labels: npt.NDArray[np.int64] | None = None
    params: net.Params = field(init=False)
    step: int = field(init=False, default=0)
    snapshots: dict[int, Snapshot] = field(init=False, default_factory=dict)
    losses: list[float] = field(init=False, default_factory=list)
    """The loss of every step's batch, step 1 first."""
    points: list[Point] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.params = net.init_params(self.shape, np.random.default_rng([self.seed, 0]))
        self.adam = Adam(self.params, self.settings.rate)
        self._keep()

    def advance(self, steps: int = 1) -> None:
        """Run ``steps`` more steps."""
        for _ in range(steps):
            self.step += 1
            pick, x = self.batch(self.step)
            f = net.forward(self.params, self.shape, x)
            loss, grads = net.gradients(self.params, self.shape, f, self.labels[pick])
            self.adam.step(self.params, grads, self.settings.rate)
            self.losses.append(loss)
            if self.step % self.settings.snapshot_every == 0:
                self._keep()
            elif scored(self.step):
                self._score()

    def batch(self, step: int) -> tuple[npt.NDArray[np.int64], net.Images]:
        """Which training drawings step ``step`` looks at, and those drawings as it sees them
        (moved and turned a little): drawn from a generator seeded by (seed, step) alone."""
        rng = np.random.default_rng([self.seed, step])
        size = min(self.settings.batch, len(self.images))
        pick = rng.choice(len(self.images), size, replace=False)
        moved = shifted(self.images[pick], rng, self.settings.shift)
        return pick, turned(moved, rng, self.settings.rotate)

    def _keep(self) -> None:
        params = {k: v.copy() for k, v in self.params.items()}
        self.snapshots[self.step] = Snapshot(params, copy.deepcopy(self.adam), self.settings)
        self._score()

    def _score(self) -> None:
        held = None
        if self.held_images is not None and self.held_labels is not None and len(self.held_labels):
            held = self.accuracy(self.held_images, self.held_labels)
        self.points.append(Point(self.step, self.accuracy(self.images, self.labels), held))

    def rewound(self, step: int) -> Training:
        """A copy at ``step`` (at most this one's), gone on from the snapshot before it; the
        settings changes after that snapshot are the caller's to apply."""
        start = max(s for s in self.snapshots if s <= step)
        kept = self.snapshots[start]
        other = copy.copy(self)
        other.params = {k: v.copy() for k, v in kept.params.items()}
        other.adam, other.settings, other.step = copy.deepcopy(kept.adam), kept.settings, start
        other.snapshots = {s: v for s, v in self.snapshots.items() if s <= start}
        other.losses = self.losses[:start]
        other.points = [p for p in self.points if p.step <= start]
        return other

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
