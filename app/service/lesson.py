"""The lesson: the slides' story in twelve chapters, each computed by the engine when asked.

``CHAPTERS`` lists them in the slides' order. Each chapter that computes something has one
function here returning what its page shows; every number on those pages comes from a run of the
engine on the slides' pictures (or the learner's), none is written down.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
from PIL import Image

from ..catalog import get_preset as catalog_preset
from ..engine import EngineError, Trace, compile_pipeline, explain, run
from ..engine.explain import ConvExplanation, PoolExplanation, VoteExplanation
from ..engine.presets import SLIDES_VOTE_INPUT, SLIDES_X, get_preset
from ..engine.slides import slides_vote_trace
from ..engine.spec import InputSpec, PipelineSpec, ReluStage
from ..engine.steps import ConvStep
from ..imaging.heatmap import channel_pngs
from ..letters.data import render_strokes
from .explorer import Explorer
from .view import RunView, data_url

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Chapter:
    slug: str
    title: str
    task: str
    """The one thing to do, as the chapter list says it."""


CHAPTERS = (
    Chapter("pictures", "Pictures are numbers", "Point at a pixel to read its red, green, blue."),
    Chapter(
        "fully-connected", "Why not fully connected", "Change a picture's size, count weights."
    ),
    Chapter("x-or-o", "The X/O problem", "Compare Xs pixel by pixel."),
    Chapter("features", "Features", "Find where each small feature sits in the X."),
    Chapter("convolution", "Convolution in four steps", "Move the window over the X."),
    Chapter("feature-map", "A whole feature map", "Shift the X and watch the maps follow."),
    Chapter("edges", "Edges", "See a photo's edges found by two 3x3 kernels."),
    Chapter("relu", "ReLU", "Watch the negative values become 0."),
    Chapter("pooling", "Pooling in four steps", "Move the pooling window."),
    Chapter("stacking", "Stacking", "Take a second pass: 4x4 becomes 2x2."),
    Chapter("vote", "The vote", "Follow the X and O scores term by term."),
    Chapter("learning", "Learning", "Draw a letter for the trained network."),
)
SLUGS = {chapter.slug: number for number, chapter in enumerate(CHAPTERS, 1)}


def slides_print(value: float) -> str:
    """A value as the slides print it: cut (not rounded) after two decimals, 7/9 as 0.77;
    0 bare, as their ReLU tables print it."""
    if value == 0:
        return "0"
    cut = int(abs(value) * 100 + 1e-9) / 100
    return ("-" if value < 0 and cut else "") + f"{cut:.2f}"


def chapter_number(slug: str) -> int:
    """The chapter's place, 1 to 12; LookupError for an unknown slug."""
    if slug not in SLUGS:
        raise LookupError(f"no chapter {slug!r}")
    return SLUGS[slug]


# --- the slides' X through the slides' network ----------------------------------------------


@cache
def slides_trace() -> Trace:
    """The slides' X through the slides' pipeline: convolution, ReLU, pooling twice, vote."""
    return run(get_preset("seed-xo").spec, SLIDES_X)


FEATURE_NAMES = ("the diagonal down", "the cross at the centre", "the diagonal up")
"""The slides' three 3x3 features of the X, in the preset's order."""


def features() -> list[F64]:
    """The three features as the seed-xo preset's first stage holds them."""
    step = slides_trace().step(1)
    assert isinstance(step, ConvStep)
    weights = np.asarray(step.weight, np.float64)
    return [weights[i, 0] for i in range(weights.shape[0])]


@dataclass(frozen=True)
class FeatureSpot:
    feature: F64
    name: str
    where: list[tuple[int, int]]
    """Top-left input positions where the feature matches the X exactly (all 9 agree)."""


def feature_spots() -> list[FeatureSpot]:
    conv = slides_trace().stage(1).data
    return [
        FeatureSpot(
            f, FEATURE_NAMES[i], [(int(r), int(c)) for r, c in np.argwhere(conv[i] > 0.999)]
        )
        for i, f in enumerate(features())
    ]


def clamp_place(row: int, col: int, side: int) -> tuple[int, int]:
    return min(max(row, 0), side - 1), min(max(col, 0), side - 1)


@dataclass(frozen=True)
class ConvWalk:
    feature: int
    row: int
    col: int
    image: F64
    """The 9x9 X."""
    explanation: ConvExplanation
    conv_map: F64
    """The feature's whole 7x7 map, for the page to fill in as the window moves."""

    @property
    def matches(self) -> int:
        return int((self.explanation.products[0] > 0).sum())


def convolution_walk(feature: int, row: int, col: int) -> ConvWalk:
    """The slides' four steps at one place: the window, the products, their sum, the division."""
    trace = slides_trace()
    conv = trace.stage(1).data
    feature = min(max(feature, 0), conv.shape[0] - 1)
    row, col = clamp_place(row, col, conv.shape[1])
    found = explain(trace, 1, feature, row, col)
    assert isinstance(found, ConvExplanation)
    return ConvWalk(feature, row, col, SLIDES_X[0].astype(np.float64), found, conv[feature])


@dataclass(frozen=True)
class PoolWalk:
    row: int
    col: int
    before: F64
    """The 7x7 map after ReLU (the first feature's)."""
    explanation: PoolExplanation
    pooled: F64


def pooling_walk(row: int, col: int, feature: int = 0) -> PoolWalk:
    trace = slides_trace()
    pooled = trace.stage(3).data
    row, col = clamp_place(row, col, pooled.shape[1])
    found = explain(trace, 3, feature, row, col)
    assert isinstance(found, PoolExplanation)
    before = trace.stage(2).data[feature].astype(np.float64)
    return PoolWalk(row, col, before, found, pooled[feature].astype(np.float64))


def stage_maps(index: int) -> list[F64]:
    """Every map of one stage of the slides' run."""
    return [m.astype(np.float64) for m in slides_trace().stage(index).data]


@dataclass(frozen=True)
class Vote:
    values: list[float]
    """The 12 values the slides vote on."""
    explanations: list[VoteExplanation]
    """Per class: its template, the positions it is strongest at, the terms and the score."""
    winner: str


def the_vote() -> Vote:
    """The slides' vote on the 12 values they print, by the seed-xo preset's vote stage."""
    trace = slides_vote_trace()
    last = len(trace) - 1
    found = [explain(trace, last, 0, 0, i) for i in range(len(trace.stage(last).labels))]
    assert all(isinstance(e, VoteExplanation) for e in found) and trace.prediction
    return Vote(list(SLIDES_VOTE_INPUT), found, trace.prediction.label)  # type: ignore[arg-type]


# --- chapters with pictures: runs through the explorer, so each can be opened there -------------

PIXELS_SPEC = PipelineSpec(input=InputSpec(mode="rgb", size=(16, 16)), stages=[ReluStage()])
"""Chapter 1: a picture as 16x16 pixels of red, green and blue (ReLU leaves 0 to 1 alone)."""


@cache
def letters_spec() -> PipelineSpec:
    """Chapter 12: the trained letters network (asked for when first needed: at import time
    the weights may not exist yet, before ``convlens train``)."""
    return catalog_preset("letters").spec


def pixels_run(explorer: Explorer, run_id: str | None) -> RunView:
    """The learner's picture when given (a run made by chapter 1's upload), else the photo."""
    if run_id:
        view = explorer.view(run_id)
        if view.trace.stage(0).data.shape[0] != 3:
            raise EngineError("run", "this run's picture is not in colour; upload one here")
        return view
    return explorer.run_example("photo", PIXELS_SPEC)


def example_run(explorer: Explorer, example: str, preset: str) -> RunView:
    return explorer.run_example(example, get_preset(preset).spec)


def pixel_difference(a: F64, b: F64) -> int:
    return int((np.abs(a - b) > 1e-6).sum())


# --- what each chapter's page shows ---------------------------------------------------------


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


@dataclass(frozen=True)
class Weights:
    """Chapter 2's count: one fully connected neuron against one shared convolution filter."""

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


def renditions(explorer: Explorer) -> list[Rendition]:
    """The slides' X and others that are still an X, each compared pixel by pixel with it."""
    base = SLIDES_X[0].astype(np.float64)
    views = [(title, example_run(explorer, name, "seed-xo")) for name, title in (
        ("x", "The slides' X"), ("x-shifted", "Shifted one pixel right"),
        ("x-rotated", "Turned 25 degrees"),
    )]  # fmt: skip
    views.append(("Drawn with a pen", explorer.run_image(drawn_x(), get_preset("seed-xo").spec)))
    made = []
    for title, view in views:
        pixels = view.trace.stage(0).data[0].astype(np.float64)
        made.append(Rendition(title, pixels, np.abs(pixels - base) > 1e-6, view.id))
    return made


@cache
def drawn_x() -> bytes:
    """An X drawn by the letters' pen-stroke renderer (wobbly strokes, a fixed seed), as a PNG of
    dark ink on white paper."""
    ink = render_strokes("X", "wobbly", np.random.default_rng(DRAWN_X_SEED))
    out = io.BytesIO()
    Image.fromarray(np.round((1 - ink) * 255).astype(np.uint8), "L").save(out, "PNG")
    return out.getvalue()


DRAWN_X_SEED = 6
"""A seed whose X, at the slides' 9x9, still reads as an X to a person."""


def chapter_data(explorer: Explorer, slug: str, place: Place) -> dict[str, object]:
    """What chapter ``slug``'s page shows at ``place`` (names the templates read)."""
    at = (place.row or 0, place.col or 0)
    if slug == "pictures":
        view = pixels_run(explorer, place.run)
        rgb = view.trace.stage(0).data
        whole, channels = channel_pngs(rgb)
        return {"pixels": view, "rgb": rgb, "whole": data_url(whole),
                "channels": [data_url(png) for png in channels]}  # fmt: skip
    if slug == "fully-connected":
        return {"weights": Weights(place.width, place.height, place.channels, place.kernel)}
    if slug == "x-or-o":
        return {"renditions": renditions(explorer)}
    if slug == "features":
        return {"spots": feature_spots(), "image": SLIDES_X[0]}
    if slug == "convolution":
        row, col = (1, 1) if place.row is None else at
        return {"walk": convolution_walk(place.feature, row, col)}
    if slug == "feature-map":
        pair = [example_run(explorer, name, "seed-xo") for name in ("x", "x-shifted")]
        return {"pair": pair, "pooled_gap": pooled_gap(pair[0], pair[1])}
    if slug == "edges":
        return {"edges": example_run(explorer, "photo", "sobel-edges")}
    if slug == "relu":
        return {"before": stage_maps(1)[0], "after": stage_maps(2)[0]}
    if slug == "pooling":
        return {"walk": pooling_walk(*at)}
    if slug == "stacking":
        return {"first": stage_maps(3), "second": stage_maps(4)}
    if slug == "vote":
        return {"vote": the_vote()}
    return {"learned": learned_filters(), "features": features()}


def pooled_gap(a: RunView, b: RunView) -> float:
    """The largest difference between two runs' last pooled maps."""
    pooled = 4  # seed-xo: convolution, ReLU, pooling, pooling
    return float(np.abs(a.trace.stage(pooled).data - b.trace.stage(pooled).data).max())


@cache
def learned_filters() -> list[F64]:
    """The trained letters network's first-layer filters (its first step, compiled once)."""
    step = compile_pipeline(letters_spec()).steps[0]
    assert isinstance(step, ConvStep)
    return [np.asarray(w[0], np.float64) for w in step.weight]
