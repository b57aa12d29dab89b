"""A view of a run: what every page, fragment, picture and API answer shows of it, shaped once.

``RunView`` wraps a trace and gives, per stage, its name, kind, shape, value range, the colour
scale its pictures use (``imaging.heatmap.scale_for`` decides it), its labels, texts and kernels
(``kernels_view``); the verdict is ``prediction``. Explaining a cell is ``cells.explain``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from ..engine import KINDS, Trace
from ..engine.explanations import nums
from ..engine.steps import ConvStep
from ..imaging.heatmap import (
    DEFAULT_SCHEME,
    SHEET_GAP,
    ColourScale,
    data_url,
    scale_for,
    sheet_png,
    sheet_size,
    spans_little,
)
from ..imaging.normalise import Box
from .kernels_view import KernelsView
from .prediction import PredictionView, prediction_view

TABLE_MAX_SIDE = 16
"""Maps up to this side show their numbers as a table."""
INLINE_TABLE_CELLS = 1024
"""A stage with more values than this sends its numbers tables only when they are opened."""
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
        return scale_for(float(self.values.min()), float(self.values.max()))


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
        drawn fast (no PNG optimising) and not kept: the next pen movement replaces them."""
        scales = [self.scale] * self.map_count
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
        return scale_for(self.low, self.high)

    def map_scale(self, index: int, per_map: bool) -> ColourScale:
        """Map ``index``'s colours: its own scale, or the stage's."""
        return self.maps[index].scale if per_map else self.scale

    @property
    def tables(self) -> bool:
        """Whether each map shows its numbers (small maps only)."""
        return self.has_maps and max(self.data.shape[1:]) <= TABLE_MAX_SIDE

    @cached_property
    def washed_out(self) -> bool:
        """Whether most maps look one colour on the stage's scale (see ``spans_little``)."""
        return self.has_maps and spans_little(self.data, self.scale)

    @property
    def inline_tables(self) -> bool:
        """Whether the numbers come with the page (else each table is fetched when opened)."""
        return self.data.size <= INLINE_TABLE_CELLS


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
        return prediction_view(self.trace)
