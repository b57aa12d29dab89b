"""One cell's arithmetic, as the page's explain panel and the API's /explain both show it.

``explain(view, stage, map, row, col)`` asks the engine for the cell's explanation and carries it
as it is (a kind's fields reach the page and the API by their engine names, nothing copied), with
what a person needs beyond it: where the cell is, its label, the input pixels it sees, and the
softmax line that follows a class score.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..engine import EngineError, Explanation, receptive_field
from ..engine import explain as engine_explain
from ..engine.explanations import (
    Box,
    ConvExplanation,
    PointwiseExplanation,
    PoolExplanation,
    cut_differs,
    num,
    precise,
    slides_print,
)
from ..engine.presets import get_preset
from ..engine.steps import SoftmaxStep
from .run_view import RunView, StageView

Cell = tuple[int, int, int, int]
"""(stage, map, row, column); a vector stage's value i is (stage, 0, 0, i)."""


def parse_cell(text: str | None, view: RunView) -> Cell | None:
    """'stage.map.row.column' -> numbers, checked against the run; None when not given."""
    if not text:
        return None
    try:
        stage, channel, y, x = (int(part) for part in text.split("."))
    except ValueError:
        raise EngineError("cell", "a cell is written stage.map.row.column, e.g. 1.0.3.4") from None
    if not 1 <= stage <= view.last:
        raise EngineError("cell", f"pick a cell in stages 1 to {view.last}")
    return stage, channel, y, x


def cell_key(cell: Cell | None) -> str | None:
    """The cell as the page's URL writes it, 'stage.map.row.column'."""
    return ".".join(str(v) for v in cell) if cell else None


@dataclass(frozen=True)
class CellView:
    """A cell's arithmetic: where it is, the engine's explanation of it (``details`` are its
    kind's own fields), and what the service adds."""

    stage: int
    map: int
    row: int
    col: int
    explanation: Explanation
    label: str | None = None
    """The class or map label of the cell, when it has one."""
    receptive_field: Box | None = None
    """The input pixels a cell of a map sees."""
    softmax: str | None = None
    """For a class's dense score when a softmax follows: the line that turns it into a
    probability, e.g. exp(3.1 - 5.2) / 1.4 = 0.09."""
    read: Box | None = None
    """The window of the previous stage's maps this cell was worked out from (rows and columns,
    end excluded, clipped to the maps)."""
    read_map: int | None = None
    """Which of the previous stage's maps that window is on (None: every one, as a convolution
    reads all its input maps)."""
    slides_note: str | None = None
    """On the slides' own pipeline, where they print the value cut and this page rounds it:
    the line that says so."""

    @property
    def kind(self) -> str:
        return self.explanation.kind

    @property
    def value(self) -> float:
        return self.explanation.value

    @property
    def text(self) -> str:
        """The slides-style one-line formula, e.g. (-1 + 1 + ... + 1) / 9 = 0.78."""
        return self.explanation.formula

    @property
    def stage_name(self) -> str:
        return self.explanation.stage

    @property
    def details(self) -> dict[str, object]:
        """The kind's own fields (the receptive field is the view's, said once)."""
        found = self.explanation.details()
        found.pop("receptive_field", None)
        return found

    @property
    def heading(self) -> str:
        if self.receptive_field is not None:  # a cell of a map
            where = f"map {self.map}, row {self.row}, column {self.col}"
        else:
            where = f"value {self.col}" + (f" ({self.label})" if self.label else "")
        return f"{self.stage_name}, {where}"


def explain(view: RunView, stage: int, channel: int, y: int, x: int) -> CellView:
    """Cell (channel, y, x) of ``stage``: EngineError (a 422) for a cell that does not exist."""
    trace = view.trace
    e = engine_explain(trace, stage, channel, y, x)
    out = view.stage(stage)
    field, label, softmax = None, None, None
    if out.has_maps:
        field = receptive_field(trace, stage, y, x)
        label = out.labels[channel] if out.labels else None
    elif out.labels:
        label = out.labels[x]
    if e.kind == "dense" and stage < view.last and isinstance(trace.step(stage + 1), SoftmaxStep):
        softmax = engine_explain(trace, stage + 1, 0, 0, x).formula
    read, read_map = window_read(view, (stage, channel, y, x), e)
    return CellView(stage, channel, y, x, e, label, field, softmax, read, read_map,
                    slides_note(view, e.value))  # fmt: skip


def window_read(view: RunView, cell: Cell, e: Explanation) -> tuple[Box | None, int | None]:
    """What of stage ``stage - 1`` a cell read: a convolution's window on every input map, a
    pooling window on its own map, one cell for a cell-by-cell stage; (None, None) for the rest
    (a dense layer reads everything)."""
    stage, channel, y, x = cell
    previous = view.stage(stage - 1)
    if not previous.has_maps:
        return None, None
    if isinstance(e, ConvExplanation | PoolExplanation):
        (y0, x0), (kh, kw) = e.origin, e.window.shape[-2:]
        rows, cols = previous.data.shape[1:]
        box = Box(max(0, y0), max(0, x0), min(rows, y0 + kh), min(cols, x0 + kw))
        return box, None if isinstance(e, ConvExplanation) else channel
    if isinstance(e, PointwiseExplanation):
        return Box(y, x, y + 1, x + 1), channel
    return None, None


def slides_pipeline(view: RunView) -> bool:
    """Whether the run is of the slides' own pipeline (they print values cut, not rounded)."""
    return bool(view.trace.pipeline.spec == get_preset("seed-xo").spec)


def cut_note(view: RunView) -> Callable[[StageView], bool]:
    """Which of the run's stages get the numbers tables' note that the slides cut instead."""
    slides = slides_pipeline(view)
    return lambda out: slides and cut_differs(out.data)


def slides_note(view: RunView, value: float) -> str | None:
    """Where the slides would print ``value`` otherwise (they cut after two decimals, 7/9 as
    0.77; this page rounds, 0.78): a line saying so, for a run of the slides' own pipeline."""
    printed, rounded = slides_print(value), num(value)
    if float(printed) == round(value, 2) or not slides_pipeline(view):
        return None
    return (f"The slides print {printed}: they cut {precise(value)} after two decimals, where "
            f"this page rounds it to {rounded}.")  # fmt: skip
