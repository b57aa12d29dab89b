"""The lesson's numbers from the slides' own network: the X through convolution, ReLU, pooling
and the vote, worked out by the engine once and shaped for the chapters' pages (plain arrays and
numbers; no engine object reaches a template)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from ...engine import PipelineSpec, Trace, compile_pipeline, explain, run
from ...engine.explanations import ConvExplanation, PoolExplanation, VoteExplanation
from ...engine.presets import SLIDES_VOTE_INPUT, SLIDES_X, get_preset
from ...engine.slides import slides_vote_trace, vote_trace
from ...engine.steps import ConvStep, VoteStep
from ...imaging.heatmap import grey_png
from ...learn import made, net
from ...learn.trainer import NEW, Training
from ...letters.data import render_strokes
from ..catalog import find_preset
from ..replay import held_out
from ..training_board import filter_bound, filters_png

F64 = npt.NDArray[np.float64]

POOLED = 4
"""The slides' pipeline's last pooled stage (convolution, ReLU, pooling, pooling)."""
FEATURE_NAMES = ("the diagonal down", "the cross at the centre", "the diagonal up")
"""The slides' three 3x3 features of the X, in the preset's order."""


@cache
def slides_trace() -> Trace:
    """The slides' X through the slides' pipeline: convolution, ReLU, pooling twice, vote."""
    return run(get_preset("seed-xo").spec, SLIDES_X)


def slides_x() -> F64:
    """The slides' 9x9 X, ink 1 and paper -1."""
    return np.asarray(SLIDES_X[0], np.float64)


def features() -> list[F64]:
    """The three features as the seed-xo preset's first stage holds them."""
    step = slides_trace().step(1)
    assert isinstance(step, ConvStep)
    weights = np.asarray(step.weight, np.float64)
    return [weights[i, 0] for i in range(weights.shape[0])]


def stage_maps(index: int) -> list[F64]:
    """Every map of one stage of the slides' run."""
    return [m.astype(np.float64) for m in slides_trace().stage(index).data]


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
    """The slides' four steps at one place of one feature's map."""

    feature: int
    row: int
    col: int
    image: F64
    """The 9x9 X."""
    window: F64
    """The 3x3 of the X under the feature."""
    kernel: F64
    products: F64
    total: float
    value: float
    """The total divided by 9: the map's value here."""
    conv_map: F64
    """The feature's whole 7x7 map, for the page to fill in as the window moves."""

    @property
    def matches(self) -> int:
        return int((self.products > 0).sum())


def convolution_walk(feature: int, row: int, col: int) -> ConvWalk:
    trace = slides_trace()
    conv = trace.stage(1).data
    feature = min(max(feature, 0), conv.shape[0] - 1)
    row, col = clamp_place(row, col, conv.shape[1])
    e = explain(trace, 1, feature, row, col)
    assert isinstance(e, ConvExplanation)
    return ConvWalk(feature, row, col, slides_x(), e.window[0], e.kernel[0], e.products[0],
                    e.total, e.value, conv[feature])  # fmt: skip


@dataclass(frozen=True)
class PoolWalk:
    row: int
    col: int
    before: F64
    """The 7x7 map after ReLU (the first feature's)."""
    window: F64
    """The 2x2 window, NaN where it hangs over the edge."""
    winner: tuple[int, int] | None
    origin: tuple[int, int]
    value: float
    pooled: F64


def pooling_walk(row: int, col: int, feature: int = 0) -> PoolWalk:
    trace = slides_trace()
    pooled = trace.stage(3).data
    row, col = clamp_place(row, col, pooled.shape[1])
    e = explain(trace, 3, feature, row, col)
    assert isinstance(e, PoolExplanation)
    before = trace.stage(2).data[feature].astype(np.float64)
    return PoolWalk(row, col, before, e.window, e.winner, e.origin, e.value,
                    pooled[feature].astype(np.float64))  # fmt: skip


@dataclass(frozen=True)
class VoteRow:
    """One class of the vote: its template, where it is strongest, and its score."""

    label: str
    template: F64
    positions: tuple[int, ...]
    terms: F64
    total: float
    value: float


@dataclass(frozen=True)
class Vote:
    values: list[float]
    """The 12 values the slides vote on."""
    rows: list[VoteRow]
    winner: str


def the_vote(values: tuple[float, ...] | None = None) -> Vote:
    """The seed-xo preset's vote stage on 12 values: the slides' printed ones by default."""
    trace = vote_trace(values) if values else slides_vote_trace()
    last = len(trace) - 1
    step = trace.step(last)
    assert isinstance(step, VoteStep)
    rows = []
    for i, label in enumerate(step.labels):
        e = explain(trace, last, 0, 0, i)
        assert isinstance(e, VoteExplanation)
        terms = np.array([t.value for t in e.terms])
        template = step.templates[i].astype(np.float64)
        rows.append(VoteRow(label, template, e.positions, terms, e.total, e.value))
    assert trace.prediction is not None
    return Vote(list(values or SLIDES_VOTE_INPUT), rows, trace.prediction.label)


@cache
def drawn_x() -> bytes:
    """An X drawn by the letters' pen-stroke renderer (wobbly strokes, a fixed seed), as a PNG of
    dark ink on white paper."""
    ink = render_strokes("X", "wobbly", np.random.default_rng(DRAWN_X_SEED))
    return grey_png(1 - ink)


DRAWN_X_SEED = 6
"""A seed whose X, at the slides' 9x9, still reads as an X to a person."""


@cache
def letters_spec() -> PipelineSpec:
    """Chapter 12: the trained letters network (asked for when first needed: at import time
    the weights may not exist yet, before ``convlens train``)."""
    return find_preset("letters").spec


@cache
def learned_filters() -> list[F64]:
    """The trained letters network's first-layer filters (its first step, compiled once)."""
    step = compile_pipeline(letters_spec()).steps[0]
    assert isinstance(step, ConvStep)
    return [np.asarray(w[0], np.float64) for w in step.weight]


@dataclass(frozen=True)
class Moment:
    """A from-scratch training of the made X vs O set at one step."""

    step: int
    filters: str
    """Its first-layer filters as a picture, on the training's one colour scale."""
    accuracy: float
    """On X's and O's drawn by other hands."""


MOMENT_STEPS = (0, 5, 15, 40)
OTHER_HANDS = 10
"""X's and O's a side, drawn by another hand than the training's, to score it."""


@cache
def x_vs_o_training() -> tuple[Moment, ...]:
    """The learn page's X vs O set trained from scratch with the defaults (seed 1), at a few
    steps: the same training /learn runs, so the chapter's pictures are what a learner sees."""
    x, y = made.drawings("XO", 8, seed=1)
    held = held_out(y.tolist(), 2)
    training = Training(x[~held], y[~held], net.Shape(classes=2), 1, NEW,
                        x[held], y[held])  # fmt: skip
    others_x, others_y = made.drawings("XO", OTHER_HANDS, seed=101, style="smooth")
    bound = filter_bound(training.shape.kernel)
    moments = []
    for step in MOMENT_STEPS:
        training.advance(step - training.step)
        moments.append(Moment(step, filters_png(training.params["conv.weight"], bound),
                              training.accuracy(others_x, others_y)))  # fmt: skip
    return tuple(moments)
