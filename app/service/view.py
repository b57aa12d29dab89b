"""A view of a run: what every page, fragment, picture and API answer shows of it, shaped once.

``RunView`` wraps a trace and gives, per stage, its name, kind, shape, value range, the colour
scale its pictures use (chosen by ``colour_scale``, the one place that decides it), its labels,
texts and kernels. Templates and the API read only this; explaining a cell is ``cells.explain``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt

from ..engine import KINDS, Trace
from ..engine.explain import nums, precise
from ..engine.presets import SLIDES_VOTE_INPUT, get_preset
from ..engine.slides import slides_vote
from ..engine.steps import ConvStep, DenseStep, SoftmaxStep
from ..imaging.heatmap import (
    DEFAULT_SCHEME,
    SCHEMES,
    SHEET_GAP,
    kernel_sheet_png,
    scale_for,
    sheet_png,
    sheet_size,
)  # fmt: skip
from ..imaging.normalise import Box

TABLE_MAX_SIDE = 16
"""Maps up to this side show their numbers as a table."""
INLINE_TABLE_CELLS = 1024
"""A stage with more values than this sends its numbers tables only when they are opened."""
TOP_CLASSES = 5
LIVE_PER_ROW = 8
"""Maps to a row in the live view, which must fit a phone."""
LIVE_MAP_PX = 38
"""How tall each map is in the live view."""

INPUT_TEXT = {
    "ink": "The picture as the network sees it: scaled to the pipeline's size, with ink as high "
    "values and paper as low ones.",
    "light": "The picture as the network sees it: scaled to the pipeline's size, with light as "
    "high values and dark as low ones.",
    "fit_ink": "The drawing as the network sees it: cropped to the ink, its longer side scaled "
    "to 20 pixels and centred by its centre of mass in a 28x28 square, ink high and paper low. "
    "So a letter drawn small, large or off to one side reaches the network in the same place.",
}

Values = npt.NDArray[np.float32]


def data_url(png: bytes) -> str:
    """A PNG to carry inside a page or an answer."""
    return "data:image/png;base64," + base64.b64encode(png).decode()


@dataclass(frozen=True)
class ColourScale:
    """How values become colours: ``palette`` from ``low`` (first colour) to ``high`` (last)."""

    palette: str
    """'diverging' (centred on 0, for signed values) or 'sequential' (0 upwards)."""
    low: float
    high: float

    def colormap(self, scheme: str = DEFAULT_SCHEME) -> str:
        """The published colour map (its cmap name) this scale uses in ``scheme``."""
        return SCHEMES[scheme].colormap(self.palette)


def colour_scale(lo: float, hi: float) -> ColourScale:
    """The scale for values in [lo, hi]; the PNG, the legend and the API all use this one."""
    return ColourScale(*scale_for(lo, hi))


@dataclass(frozen=True)
class MapView:
    index: int
    label: str
    values: Values
    """(H, W), as the engine computed them."""

    @property
    def rows(self) -> int:
        return int(self.values.shape[0])

    @property
    def cols(self) -> int:
        return int(self.values.shape[1])

    @property
    def offset(self) -> int:
        """Where this map starts (x, in pixels) on its stage's sheet picture."""
        return self.index * (self.cols + SHEET_GAP)

    @cached_property
    def numbers(self) -> tuple[tuple[str, ...], ...]:
        """The values as the tables show them, row by row (worked out once per map)."""
        flat = nums(self.values)
        return tuple(tuple(flat[r * self.cols : (r + 1) * self.cols]) for r in range(self.rows))

    @cached_property
    def scale(self) -> ColourScale:
        """This map's own scale (the 'each map on its own scale' choice)."""
        return colour_scale(float(self.values.min()), float(self.values.max()))


KERNEL_TILES_PER_ROW = 8


@dataclass(frozen=True, eq=False)
class KernelsView:
    """A convolution's kernels as one picture: a row per kernel, a tile per input map."""

    count: int
    channels: int
    kh: int
    kw: int
    weights: Values
    """(K, C, kh, kw) as written in the spec."""
    inputs: tuple[str, ...] = ()
    """The names of the input maps (the previous stage's maps), one per channel."""
    _drawn: dict[str, bytes] = field(default_factory=dict, repr=False)

    @property
    def sheet_size(self) -> tuple[int, int]:
        """(width, height) of the kernels picture: a row of ``channels`` tiles per kernel."""
        return sheet_size(self.count * self.channels, self.kh, self.kw, self.channels)

    def png(self, scheme: str = DEFAULT_SCHEME) -> bytes:
        """The kernels picture in ``scheme``'s colours (see ``kernel_sheet_png``), drawn once."""
        drawn = self._drawn.get(scheme)
        if drawn is None:
            drawn = self._drawn[scheme] = kernel_sheet_png(self.weights, scheme)
        return drawn

    def data_url(self, scheme: str = DEFAULT_SCHEME) -> str:
        """The kernels picture inside the page: a few hundred bytes, not worth a request."""
        return data_url(self.png(scheme))

    @property
    def per_row(self) -> int:
        """Input tiles on one line of a kernel's picture; more input maps wrap onto more lines."""
        return min(self.channels, KERNEL_TILES_PER_ROW)

    @property
    def tile_box(self) -> tuple[int, int]:
        """(width, height) of one kernel's picture in weights: its tiles in lines of per_row."""
        lines = -(-self.channels // self.per_row)
        return self.per_row * (self.kw + 1) - 1, lines * (self.kh + 1) - 1

    @property
    def tile_lines(self) -> list[tuple[int, int, int]]:
        """Each line of a kernel's picture as (y in the picture, x in the sheet's row, width)."""
        step = self.kw + 1
        return [
            (line * (self.kh + 1), first * step,
             min(self.per_row, self.channels - first) * step - 1)
            for line, first in enumerate(range(0, self.channels, self.per_row))
        ]  # fmt: skip

    @property
    def tile_zoom(self) -> int:
        """Screen pixels per weight in a kernel's own tile: big enough to read its signs."""
        return max(6, min(18, 260 // (self.per_row * (self.kw + 1))))

    def numbers(self, kernel: int) -> tuple[tuple[tuple[str, ...], ...], ...]:
        """Kernel ``kernel``'s weights as the page prints them: a table per input map."""
        return tuple(tuple(tuple(nums(row)) for row in plane) for plane in self.weights[kernel])


@dataclass(frozen=True)
class StageView:
    index: int
    name: str
    kind: str
    shape: tuple[int, ...]
    low: float
    high: float
    """The smallest and largest value the stage holds."""
    labels: tuple[str, ...]
    about: str
    """What this kind of stage does."""
    how: str | None
    """How this stage computes (sizes, stride, padding, division), when there is more to say."""
    data: Values
    kernels: KernelsView | None
    content: Box | None = None
    """Stage 0 only: where the picture lies when the rest of the input was filled in."""

    @property
    def added(self) -> str | None:
        """Stage 0: what was added around the picture and why, when anything was."""
        if self.content is None:
            return None
        top, left, bottom, right = self.content
        height, width = self.shape[-2:]
        sides = "above and below it" if left == 0 and right == width else (
            "left and right of it" if top == 0 and bottom == height else "around it"
        )  # fmt: skip
        return (
            f"The picture fills the middle {right - left}x{bottom - top} of the {width}x{height} "
            f"input (outlined), as its shape differs. The striped bands {sides} repeat its edge "
            "pixels, so they add no edge of their own, as a plain bar would."
        )

    @property
    def has_maps(self) -> bool:
        return self.data.ndim == 3

    @cached_property
    def maps(self) -> tuple[MapView, ...]:
        """The feature maps (a vector stage has none)."""
        if not self.has_maps:
            return ()
        names = self.labels or tuple(f"map {m}" for m in range(len(self.data)))
        return tuple(MapView(m, names[m], plane) for m, plane in enumerate(self.data))

    @cached_property
    def numbers(self) -> tuple[str, ...]:
        """A vector stage's values as the page shows them (worked out once)."""
        return tuple(nums(self.data)) if not self.has_maps else ()

    @property
    def map_count(self) -> int:
        return int(self.data.shape[0]) if self.has_maps else 1

    def live_picture(self, scheme: str = DEFAULT_SCHEME) -> str:
        """The maps for the live view as a data URL, LIVE_PER_ROW to a row on the stage's scale,
        drawn fast (no PNG optimising) and not kept: the drawing changes with the next pen
        movement."""
        scale = (self.scale.palette, self.scale.low, self.scale.high)
        scales = [scale] * self.map_count
        return data_url(sheet_png(self.data, scales, LIVE_PER_ROW, optimize=False, scheme=scheme))

    @property
    def live_size(self) -> tuple[int, int]:
        """(width, height) of ``live_picture`` on screen, each map LIVE_MAP_PX pixels tall."""
        count, height, width = self.data.shape
        zoom = LIVE_MAP_PX / height
        sheet_w, sheet_h = sheet_size(count, height, width, LIVE_PER_ROW)
        return round(sheet_w * zoom), round(sheet_h * zoom)

    @property
    def sheet_width(self) -> int:
        """The width of the stage's sheet: every map side by side, SHEET_GAP pixels apart."""
        return sheet_size(self.map_count, 1, int(self.data.shape[-1]))[0]

    @cached_property
    def scale(self) -> ColourScale:
        """The stage's shared colour scale."""
        return colour_scale(self.low, self.high)

    def map_scale(self, index: int, per_map: bool) -> ColourScale:
        """Map ``index``'s colours: its own scale, or the stage's."""
        return self.maps[index].scale if per_map else self.scale

    @property
    def tables(self) -> bool:
        """Whether each map shows its numbers (small maps only)."""
        return self.has_maps and max(self.data.shape[1:]) <= TABLE_MAX_SIDE

    @property
    def inline_tables(self) -> bool:
        """Whether the numbers come with the page (else each table is fetched when opened)."""
        return self.data.size <= INLINE_TABLE_CELLS


@dataclass(frozen=True)
class Ranked:
    label: str
    score: float
    cell: str
    """The cell whose explanation says how this score was made."""


@dataclass(frozen=True)
class PredictionView:
    label: str
    kind: str
    """The final stage's kind: 'vote' (the slides' averages) or 'softmax' (probabilities)."""
    classes: int
    ranked: tuple[Ranked, ...]
    """The top classes, best first."""
    slides: tuple[tuple[tuple[str, str], ...], dict[str, float]] | None
    """For a pipeline that votes like the slides: the slides' own vector's (label, formula)
    lines and scores (X 0.912, O 0.5175)."""
    slides_vector: tuple[float, ...]
    why: tuple[str, ...] = ()
    """Sentences that say why the scores are what they are, when there is something to say."""

    def shown(self, score: float) -> str:
        """A score as the page prints it: a probability under 0.01 reads '<0.01', not 0."""
        return "<0.01" if self.kind == "softmax" and score < 0.01 else precise(score)


CLOSE = 0.1
"""Two best scores nearer than this make a close call worth a sentence."""
LOOKALIKES = frozenset(frozenset(pair) for pair in ("0O", "1I", "2Z", "5S", "8B", "6G", "9Q", "1L"))
"""A digit and a capital that handwriting can make the same shape."""


def why_sentences(kind: str, ranked: tuple[Ranked, ...], slides: bool) -> tuple[str, ...]:
    """Why the verdict came out as it did, in a sentence each (only what applies)."""
    said = []
    if slides:
        said.append(
            "The slides' 0.91 and 0.51 are worked out from an example vector the slides print "
            "(below), not from this picture's pooled maps, so these numbers need not match them."
        )
    pair = frozenset(r.label for r in ranked[:2])
    if kind == "softmax" and pair in LOOKALIKES:
        first, second = ranked[0].label, ranked[1].label
        said.append(
            f"{first} and {second} look alike: written by hand they can be the very same shape, "
            "so the network gives both a share. If you meant a digit, choose Digits (learned) "
            "under What are you drawing; for a letter, Capitals (learned)."
        )
    elif len(ranked) > 1 and ranked[0].score - ranked[1].score < CLOSE:
        first, second = ranked[0].label, ranked[1].label
        if kind == "vote":
            said.append(
                f"A close vote between {first} and {second}: the features are hand-made, upright "
                "diagonals and a centre cross, and a turned or unusual picture lines up with them "
                "poorly. The learned Letters and digits network was trained on turned, shifted and "
                "varied strokes and is not fooled as easily: try it on the same picture."
            )
        else:
            said.append(
                f"A close call between {first} and {second}: the network finds this picture "
                "almost as much like one as the other."
            )
    return tuple(said)


def _stage_view(trace: Trace, index: int, content: Box | None) -> StageView:
    out = trace.stages[index]
    lo, hi = out.value_range
    kernels = None
    if index == 0:
        spec = trace.pipeline.spec.input
        key = "fit_ink" if spec.fit == "ink" else "light" if spec.values == "brightness" else "ink"
        about, how = INPUT_TEXT[key], None
    else:
        step = trace.step(index)
        kind = KINDS[step.kind]
        about, how = kind.about, kind.how(step) if kind.how else None
        if isinstance(step, ConvStep):
            k, c, kh, kw = step.weight.shape
            kernels = KernelsView(k, c, kh, kw, step.weight, trace.stages[index - 1].labels)
    return StageView(
        index, out.name, out.kind, out.shape, lo, hi, out.labels, about, how, out.data, kernels,
        content if index == 0 else None,
    )  # fmt: skip


def class_cell(trace: Trace, i: int) -> str:
    """The cell to select for class ``i`` of the prediction: its dense score when a softmax turns
    scores into probabilities (that is where the arithmetic is), else the final stage itself."""
    last = len(trace) - 1
    if (
        last >= 2
        and isinstance(trace.step(last), SoftmaxStep)
        and isinstance(trace.step(last - 1), DenseStep)
    ):
        return f"{last - 1}.0.0.{i}"
    return f"{last}.0.0.{i}"


class RunView:
    """One run as everything shows it. Stage views are made when first asked for, then kept."""

    def __init__(self, run_id: str, trace: Trace, content: Box | None = None) -> None:
        self.id = run_id
        self.trace = trace
        self.content = content
        """Where the picture lies in the input when the rest was filled in (see StageView)."""
        self._stages: list[StageView | None] = [None] * len(trace)

    def __len__(self) -> int:
        return len(self._stages)

    @property
    def nbytes(self) -> int:
        """What keeping this view costs: every stage's numbers (the views only point at them)."""
        return sum(out.data.nbytes for out in self.trace)

    @property
    def last(self) -> int:
        return len(self._stages) - 1

    def stage(self, index: int) -> StageView:
        """Stage ``index``'s view; IndexError when there is none (the service says NotFound)."""
        if not 0 <= index < len(self._stages):
            raise IndexError(index)
        view = self._stages[index]
        if view is None:
            view = self._stages[index] = _stage_view(self.trace, index, self.content)
        return view

    @property
    def stages(self) -> tuple[StageView, ...]:
        return tuple(self.stage(i) for i in range(len(self)))

    def upto(self, step: int) -> tuple[StageView, ...]:
        """Stages 0 to ``step``: what the page at that step shows."""
        return tuple(self.stage(i) for i in range(min(step, self.last) + 1))

    @cached_property
    def prediction(self) -> PredictionView | None:
        trace = self.trace
        if trace.prediction is None:
            return None
        scores = list(trace.prediction.scores.items())
        order = sorted(range(len(scores)), key=lambda i: -scores[i][1])[:TOP_CLASSES]
        ranked = tuple(Ranked(scores[i][0], scores[i][1], class_cell(trace, i)) for i in order)
        slides = None
        if trace.pipeline.spec.stages[-1] == get_preset("seed-xo").spec.stages[-1]:
            formulas, prediction = slides_vote()
            slides = (formulas, prediction.scores)
        kind = self.stage(self.last).kind
        return PredictionView(
            trace.prediction.label, kind, len(scores), ranked, slides, tuple(SLIDES_VOTE_INPUT),
            why_sentences(kind, ranked, slides is not None),
        )  # fmt: skip
