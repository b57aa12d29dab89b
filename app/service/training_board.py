"""What the learn page shows of a training at one step: its first-layer filters beside step 0's
on one colour scale for the whole training, loss and accuracy curves as SVG, one probe drawing's
feature maps, a confusion matrix and the drawings it gets wrong. Pictures travel as small PNGs
(one pixel a value, enlarged by the browser), never as arrays."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache

import numpy as np
import numpy.typing as npt

from ..imaging.card import card_png
from ..imaging.heatmap import ColourScale, data_url, grey_png, sheet_png, sheet_size
from ..learn import net
from ..learn.trainer import Training
from ..store import TrainingRecord
from .pacing import waiting
from .replay import from_scratch
from .trainings import Trainings, TrainingView

FILTERS_A_ROW = 4
WRONG_SHOWN = 8
CURVE_POINTS = 200
"""A curve is drawn through at most this many points (steps are averaged in bins past it)."""
WIDTH, HEIGHT = 320, 120
"""The curves' drawing area, in SVG units."""
FILTERS_WIDTH, MAPS_WIDTH = 184, 300
"""About how wide the filters and the probe's maps are shown, in CSS pixels."""


def shown(sheet: tuple[int, int], width: int) -> tuple[int, int]:
    """A sheet's size on screen: enlarged by a whole number, to about ``width``."""
    zoom = max(1, width // sheet[0])
    return sheet[0] * zoom, sheet[1] * zoom


def filters_shown(shape: net.Shape) -> tuple[int, int]:
    """The first layer's filters' picture, its size on screen."""
    k, columns = shape.kernel, min(FILTERS_A_ROW, shape.filters)
    return shown(sheet_size(shape.filters, k, k, columns), FILTERS_WIDTH)


def filter_bound(kernel: int) -> float:
    """One colour scale for every step of a training: learned 5x5 filters reach about ±0.3
    (smaller kernels have fewer inputs and larger weights); larger values take the end colour."""
    return 1.5 / kernel


@dataclass(frozen=True)
class Thumb:
    index: int
    label: int
    held_out: bool
    read: int
    """The class the network reads it as, at this step."""


@dataclass(frozen=True)
class Curves:
    steps: int
    """The x axis runs from step 0 to this."""
    loss_top: float
    loss: str
    """SVG polyline points, WIDTH x HEIGHT, 0 at the bottom."""
    train: str
    held_out: str


@dataclass(frozen=True)
class Beside:
    """A from-scratch training of the same drawings at the same step, beside one on learned
    features: its filters forming, and its accuracy curves."""

    filters: str
    start_filters: str
    size: tuple[int, int]
    bound: float
    accuracy: float
    held_out_accuracy: float | None
    curves: Curves


@dataclass(frozen=True)
class Board:
    view: TrainingView
    last: int
    """The furthest step the training has reached (the board may show an earlier one)."""
    running: bool
    speed: int
    stopped: str
    shape: net.Shape
    filters: str
    filters_size: tuple[int, int]
    start_filters: str
    bound: float
    ramp: str
    """The filters' colour scale, -bound to +bound, as a picture for the legend."""
    curves: Curves
    probe: int
    probe_maps: str
    maps_size: tuple[int, int]
    probe_top: float
    confusion: list[list[int]]
    """Rows: what was drawn; columns: what it read."""
    wrong: list[Thumb]
    wrong_count: int
    drawings: list[Thumb]
    shared: bool
    waiting: bool = False
    """It runs, but nothing has moved it on for a while: no worker has taken it yet."""
    beside: Beside | None = None


def board(
    view: TrainingView, record: TrainingRecord, training: Training, held: np.ndarray, probe: int
) -> Board:
    x = record.drawings[:, None]
    shape = training.shape
    bound = filter_bound(shape.kernel)
    forward = net.forward(training.params, shape, x)
    read = forward.logits.argmax(axis=1)
    labels = np.array(record.labels)
    thumbs = [Thumb(i, int(labels[i]), bool(held[i]), int(read[i])) for i in range(len(labels))]
    wrong = [t for t in thumbs if t.read != t.label]
    probe = probe if 0 <= probe < len(labels) else 0
    maps = np.maximum(forward.conv[probe], 0)  # the probe's first-layer maps after ReLU
    top = float(maps.max()) or 1.0
    side = maps.shape[-1]
    confusion = np.zeros((len(record.classes),) * 2, np.int64)
    np.add.at(confusion, (labels, read), 1)
    return Board(
        view, record.step, record.running, record.speed, record.stopped, shape,
        filters_png(training.params["conv.weight"], bound), filters_shown(shape),
        filters_png(training.snapshots[0].params["conv.weight"], bound), bound,
        ramp_png(bound), curves(training), probe,
        data_url(sheet_png(maps, [ColourScale("sequential", 0.0, top)] * len(maps), FILTERS_A_ROW)),
        shown(sheet_size(len(maps), side, side, min(FILTERS_A_ROW, len(maps))), MAPS_WIDTH), top,
        confusion.tolist(), wrong[:WRONG_SHOWN], len(wrong), thumbs, record.shared,
    )  # fmt: skip


@cache
def ramp_png(bound: float) -> str:
    """The filters' colour scale, -bound to +bound, for the legend (the same every update)."""
    return filters_png(np.linspace(-bound, bound, 64, dtype=np.float32).reshape(1, 1, 1, 64), bound)


def filters_png(weight: npt.NDArray[np.float32], bound: float) -> str:
    k = len(weight)
    scales = [ColourScale("diverging", -bound, bound)] * k
    return data_url(sheet_png(weight[:, 0], scales, FILTERS_A_ROW))


def ink_png(ink: npt.NDArray[np.float32]) -> bytes:
    """A fitted drawing as it was drawn: dark ink on white paper, a PNG."""
    return grey_png(1 - np.clip(ink, 0, 1))


def curves(training: Training) -> Curves:
    steps = max(training.step, 50)
    losses = np.array(training.losses, np.float64)
    top = float(max(losses.max(), 1.0)) if len(losses) else 1.0
    loss_steps = np.arange(1, len(losses) + 1, dtype=np.float64)
    if len(losses) > CURVE_POINTS:  # the mean of each bin, at the bin's middle step
        bins = np.array_split(np.arange(len(losses)), CURVE_POINTS)
        loss_steps = np.array([loss_steps[b].mean() for b in bins])
        losses = np.array([losses[b].mean() for b in bins])
    points = training.points
    held = [(p.step, p.held_out) for p in points if p.held_out is not None]
    return Curves(
        steps, round(top, 2), line(loss_steps, losses / top, steps),
        line(np.array([p.step for p in points], np.float64),
             np.array([p.train for p in points]), steps),
        line(np.array([s for s, _ in held], np.float64), np.array([a for _, a in held]), steps),
    )  # fmt: skip


def line(steps: npt.NDArray[np.float64], values: npt.NDArray[np.float64], last: int) -> str:
    """SVG polyline points for values in [0, 1] against steps 0 to ``last``."""
    if len(steps) > CURVE_POINTS:
        keep = np.linspace(0, len(steps) - 1, CURVE_POINTS).round().astype(int)
        steps, values = steps[keep], values[keep]
    xs = steps / last * WIDTH
    ys = HEIGHT - np.clip(values, 0, 1) * HEIGHT
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))


def open_board(trainings: Trainings, tid: str, step: int | None, probe: int) -> Board:
    """The board of training ``tid`` at ``step`` (its furthest when None)."""
    record = trainings.record(tid)
    training, held, view = trainings.state(record, record.step if step is None else step)
    late = waiting(trainings.settings, record, trainings.clock())
    shown_board = replace(board(view, record, training, held, probe), waiting=late)
    if not training.shape.learned:
        return shown_board
    twin, _, twin_view = trainings.state(from_scratch(record), view.step)
    return replace(shown_board, beside=beside(twin, twin_view))


def beside(twin: Training, view: TrainingView) -> Beside:
    bound = filter_bound(twin.shape.kernel)
    return Beside(
        filters_png(twin.params["conv.weight"], bound),
        filters_png(twin.snapshots[0].params["conv.weight"], bound), filters_shown(twin.shape),
        bound, view.accuracy, view.held_out_accuracy, curves(twin),
    )  # fmt: skip


def card(trainings: Trainings, tid: str, step: int) -> bytes:
    """A training's 1200x630 preview at ``step``: its first drawing, four of its filters, and
    how much of the held-out set it reads right."""
    record = trainings.record(tid)
    training, _, view = trainings.state(record, step)
    bound = filter_bound(training.shape.kernel)
    filters = [(w[0], -bound, bound) for w in training.params["conv.weight"][:4]]
    right = view.held_out_accuracy if view.held_out_accuracy is not None else view.accuracy
    title = f"Teach a network: {' vs '.join(record.classes)}"
    return card_png(title, (record.drawings[0], 0.0, 1.0), filters,
                    f"4 of its filters at step {step}", f"{right:.0%}", "held out",
                    f"one of its {len(record.labels)} drawings")  # fmt: skip
