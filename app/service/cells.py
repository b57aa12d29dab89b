"""One cell's arithmetic, as the page's explain panel and the API's /explain both show it.

``explain(view, stage, map, row, col)`` asks the engine for the cell's explanation and adds what
a person needs beyond it: a heading, the receptive field on the input, a dense score's largest
terms with where each input came from, and the softmax line that follows a class score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..engine import EngineError, Trace, receptive_field
from ..engine import explain as engine_explain
from ..engine.explain import (
    ConvExplanation,
    DenseExplanation,
    Explanation,
    FlattenExplanation,
    MagnitudeExplanation,
    PointwiseExplanation,
    PoolExplanation,
    SoftmaxExplanation,
    VoteExplanation,
)
from ..engine.steps import FlattenStep, SoftmaxStep
from .run_view import RunView

TOP_TERMS = 8

F64 = npt.NDArray[np.float64]
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
class Term:
    index: int
    source: str
    """Where the input came from, e.g. 'map 3, row 1, column 4' of the flattened maps."""
    value: float
    weight: float | None
    """The weight it is multiplied by (a vote averages its terms: no weight)."""
    product: float


@dataclass(frozen=True)
class CellView:
    """A cell's arithmetic. The head is always there; the rest by kind (None where it does not
    apply): convolution has window, kernel, products, divisor, bias and origin; pooling window,
    winner (max) or divisor (average) and origin; dense and vote their terms; activations the
    input value; magnitude its components; softmax its sum."""

    stage: int
    map: int
    row: int
    col: int
    stage_name: str
    kind: str
    value: float
    text: str
    """The slides-style one-line formula, e.g. (-1 + 1 + ... + 1) / 9 = 0.78."""
    label: str | None = None
    """The class or map label of the cell, when it has one."""
    receptive_field: tuple[int, int, int, int] | None = None
    """(top, left, bottom, right) on the input, bottom and right exclusive (maps only)."""
    window: F64 | None = None
    kernel: F64 | None = None
    products: F64 | None = None
    bias: float | None = None
    divisor: int | None = None
    origin: tuple[int, int] | None = None
    op: str | None = None
    winner: tuple[int, int] | None = None
    terms: tuple[Term, ...] | None = None
    """The largest terms (dense), or every averaged term (vote)."""
    rest_count: int | None = None
    rest_sum: float | None = None
    input_value: float | None = None
    components: F64 | None = None
    positions: tuple[int, ...] | None = None
    total: float | None = None
    softmax: str | None = None
    """For a class's dense score when a softmax follows: the line that turns it into a
    probability, e.g. exp(3.1 - 5.2) / 1.4 = 0.09."""

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
    head = {
        "stage": stage, "map": channel, "row": y, "col": x, "stage_name": e.stage,
        "kind": e.kind, "value": e.value, "text": e.formula,
    }  # fmt: skip
    if out.has_maps:
        head["receptive_field"] = receptive_field(trace, stage, y, x)
        head["label"] = out.labels[channel] if out.labels else None
    elif out.labels:
        head["label"] = out.labels[x]
    return CellView(**head, **_details(trace, stage, x, e))  # type: ignore[arg-type]


def _details(trace: Trace, stage: int, i: int, e: Explanation) -> dict[str, object]:
    if isinstance(e, ConvExplanation):
        return {"window": e.window, "kernel": e.kernel, "products": e.products, "bias": e.bias,
                "divisor": e.divisor, "origin": e.origin, "total": e.total}  # fmt: skip
    if isinstance(e, PoolExplanation):
        return {"window": e.window, "winner": e.winner, "op": e.op, "origin": e.origin,
                "divisor": e.divisor if e.op == "avg" else None, "total": e.total}  # fmt: skip
    if isinstance(e, PointwiseExplanation):
        return {"input_value": e.input_value}
    if isinstance(e, MagnitudeExplanation):
        return {"components": e.components, "total": e.total}
    if isinstance(e, FlattenExplanation):
        return {"origin": e.source[1:]}
    if isinstance(e, SoftmaxExplanation):
        return {"total": e.total}
    if isinstance(e, DenseExplanation):
        return _dense(trace, stage, i, e)
    if isinstance(e, VoteExplanation):
        terms = tuple(
            Term(p, _source(trace, stage, p), float(e.inputs[p]), None, float(e.inputs[p]))
            for p in e.positions
        )
        return {"terms": terms, "positions": e.positions, "total": e.total,
                "divisor": len(e.positions)}  # fmt: skip
    return {}  # pragma: no cover - every kind is handled above


def _source(trace: Trace, stage: int, i: int) -> str:
    """Name input ``i`` of a vector stage: a flattened map cell, or the previous vector's entry."""
    if stage >= 2 and isinstance(trace.step(stage - 1), FlattenStep):
        c, h, w = trace.step(stage - 1).in_shape
        ci, yi, xi = np.unravel_index(i, (c, h, w))
        return f"map {ci}, row {yi}, column {xi}"
    return f"value {i}"


def _dense(trace: Trace, stage: int, i: int, e: DenseExplanation) -> dict[str, object]:
    order = np.argsort(-np.abs(e.terms), kind="stable")
    top = tuple(
        Term(int(j), _source(trace, stage, int(j)), float(e.inputs[j]), float(e.weights[j]),
             float(e.terms[j]))
        for j in order[:TOP_TERMS]
    )  # fmt: skip
    rest = order[TOP_TERMS:]
    softmax = None
    if stage < len(trace) - 1 and isinstance(trace.step(stage + 1), SoftmaxStep):
        softmax = engine_explain(trace, stage + 1, 0, 0, i).formula
    return {"terms": top, "rest_count": len(rest), "rest_sum": float(e.terms[rest].sum()),
            "bias": e.bias, "total": e.total, "softmax": softmax}  # fmt: skip
