"""The lesson's thirteen chapters, in the slides' order, each with the function that works out what
its page shows. Every number on those pages comes from a run of the engine on the slides'
pictures (or the learner's), none is written down."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ...engine.presets import get_preset
from ..retention import NotFound
from ..run_view import RunView
from ..runs import Runs
from . import edges as sobel
from . import moved, pixels, slides
from .vector import parse_vector

F64 = npt.NDArray[np.float64]
Data = dict[str, object]


@dataclass(frozen=True)
class Place:
    """Where a chapter stands, from its URL: a window's place, a feature, a picture's sizes, or
    the learner's picture (a run)."""

    row: int | None = None
    col: int | None = None
    feature: int = 0
    width: int = 28
    height: int = 28
    channels: int = 3
    kernel: int = 3
    run: str | None = None
    dx: int = 0
    dy: int = 0
    turn: int = 0
    """Chapter 6's X: shifted right (dx) and down (dy), turned (degrees)."""
    vector: str | None = None
    """Chapter 11's 12 values, comma-separated."""
    again: bool = False
    """Chapter 10: the second pass taken."""
    flip: str | None = None
    """Chapter 3: the pixels of the X flipped, 'row.col,row.col'."""
    picture: str | None = None
    gx: str | None = None
    """Chapter 7: the example shown, and its Gx kernel's 9 numbers."""

    @property
    def at(self) -> tuple[int, int]:
        return self.row or 0, self.col or 0


@dataclass(frozen=True)
class Chapter:
    slug: str
    title: str
    task: str
    """The one thing to do, as the chapter list says it."""
    data: Callable[[Runs, Place], Data]
    """What its page shows at a place (the names its template reads)."""


def example_run(runs: Runs, example: str, preset: str = "seed-xo") -> RunView:
    return runs.run_example(example, get_preset(preset).spec)


# 1, 2. Pictures are numbers; why not fully connected


def pictures(runs: Runs, place: Place) -> Data:
    return pixels.pictures(runs, place.run)


@dataclass(frozen=True)
class Weights:
    """One fully connected neuron against one shared convolution filter."""

    width: int
    height: int
    channels: int
    kernel: int

    @property
    def dense(self) -> int:
        return self.width * self.height * self.channels

    @property
    def filter(self) -> int:
        return self.kernel * self.kernel * self.channels

    @property
    def positions(self) -> int:
        """Where a kernel fits wholly inside the picture (no padding, stride 1)."""
        return max(self.width - self.kernel + 1, 0) * max(self.height - self.kernel + 1, 0)


def fully_connected(runs: Runs, place: Place) -> Data:
    return {"weights": Weights(place.width, place.height, place.channels, place.kernel)}


# 3. The X/O problem


@dataclass(frozen=True)
class Rendition:
    title: str
    pixels: F64
    differ: npt.NDArray[np.bool_]
    """Where this X differs from the slides' X."""
    run_id: str

    @property
    def count(self) -> int:
        return int(self.differ.sum())


def x_or_o(runs: Runs, place: Place) -> Data:
    """The slides' X and others that are still an X, each compared pixel by pixel with it, and
    the learner's own: the slides' X with the pixels they flipped."""
    base, spec = slides.slides_x(), get_preset("seed-xo").spec
    views = [(title, example_run(runs, name)) for name, title in (
        ("x", "The slides' X"), ("x-shifted", "Shifted one pixel right"),
        ("x-rotated", "Turned 25 degrees"),
    )]  # fmt: skip
    views.append(("Drawn with a pen", runs.run_image(slides.drawn_x(), spec)))
    flips = moved.parse_flips(place.flip)
    views.append(("Your X", runs.run_image(moved.x_png(moved.flipped_x(flips)), spec)))
    made = []
    for title, view in views:
        pixels = view.stage(0).data[0].astype(np.float64)
        made.append(Rendition(title, pixels, np.abs(pixels - base) > 1e-6, view.id))
    *others, yours = made
    loads = {r.title: moved.mask_text(r.differ) for r in others[1:]}
    return {"renditions": others, "yours": yours, "toggles": moved.toggles(flips), "loads": loads,
            "read": views[-1][1].trace.prediction}  # fmt: skip


# 4-6. Features, convolution, a whole feature map


def features(runs: Runs, place: Place) -> Data:
    walk = slides.convolution_walk(place.feature, *place.at)
    return {"spots": slides.feature_spots(), "image": slides.slides_x(), "walk": walk}


def convolution(runs: Runs, place: Place) -> Data:
    row, col = (1, 1) if place.row is None else place.at
    return {"walk": slides.convolution_walk(place.feature, row, col)}


def feature_map(runs: Runs, place: Place) -> Data:
    return moved.feature_map(runs, place.dx, place.dy, place.turn)


# 7-12. Edges, ReLU, pooling, stacking, the vote, learning


def edges(runs: Runs, place: Place) -> Data:
    return sobel.edges(runs, place.picture, place.gx, place.run)


def relu(runs: Runs, place: Place) -> Data:
    f = place.feature
    return {"before": slides.stage_maps(1)[f], "after": slides.stage_maps(2)[f], "feature": f}


def pooling(runs: Runs, place: Place) -> Data:
    return {"walk": slides.pooling_walk(*place.at)}


def stacking(runs: Runs, place: Place) -> Data:
    second = slides.stage_maps(slides.POOLED)
    return {"first": slides.stage_maps(3), "second": second, "again": place.again}


def vote(runs: Runs, place: Place) -> Data:
    """The vote on the slides' 12 values, or on the learner's (``place.vector``), with the
    vectors the slides' X and O really give to start from."""
    given = parse_vector(place.vector) if place.vector else None
    pooled = {name: example_run(runs, name).stage(slides.POOLED).data.ravel() for name in "xo"}
    starts = {title: ",".join(f"{float(v):.4g}" for v in pooled[name])
              for name, title in (("x", "the slides' X"), ("o", "the O"))}  # fmt: skip
    return {"vote": slides.the_vote(given), "starts": starts, "edited": given is not None}


def learning(runs: Runs, place: Place) -> Data:
    return {"learned": slides.learned_filters(), "features": slides.features()}


def train_your_own(runs: Runs, place: Place) -> Data:  # 13
    return {"moments": slides.x_vs_o_training()}


CHAPTERS = (
    Chapter("pictures", "Pictures are numbers", "Point at a pixel to read its red, green, blue.",
            pictures),
    Chapter("fully-connected", "Why not fully connected",
            "Change a picture's size, count weights.", fully_connected),
    Chapter("x-or-o", "The X/O problem", "Compare Xs pixel by pixel.", x_or_o),
    Chapter("features", "Features", "Find where each small feature sits in the X.", features),
    Chapter("convolution", "Convolution in four steps", "Move the window over the X.",
            convolution),
    Chapter("feature-map", "A whole feature map", "Shift the X and watch the maps follow.",
            feature_map),
    Chapter("edges", "Edges", "See a photo's edges found by two 3x3 kernels.", edges),
    Chapter("relu", "ReLU", "Watch the negative values become 0.", relu),
    Chapter("pooling", "Pooling in four steps", "Move the pooling window.", pooling),
    Chapter("stacking", "Stacking", "Take a second pass: 4x4 becomes 2x2.", stacking),
    Chapter("vote", "The vote", "Follow the X and O scores term by term.", vote),
    Chapter("learning", "Learning", "Draw a letter for the trained network.", learning),
    Chapter("train-your-own", "Train your own", "Train a network on X vs O and watch it learn.",
            train_your_own),
)  # fmt: skip
UPLOADS: dict[str, Callable[[Runs, bytes], RunView]] = {
    "pictures": pixels.upload,
    "edges": sobel.upload,
}
"""The chapters that take the learner's own picture: each runs it and names the run in its link."""
NUMBERS = {chapter.slug: number for number, chapter in enumerate(CHAPTERS, 1)}


def chapter_number(slug: str) -> int:
    """The chapter's place, 1 to 13; NotFound (a 404) for an unknown slug."""
    if slug not in NUMBERS:
        raise NotFound("the lesson has no chapter by that name (see /lesson)")
    return NUMBERS[slug]
