"""What the page shows for a selected cell: the cell parsed from the URL, and the extras the
explanation panel needs beyond engine.explain (the receptive field, a dense score's top terms)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine import EngineError, Trace, explain
from ..engine.explain import DenseExplanation, Explanation, receptive_field
from ..engine.steps import DenseStep, FlattenStep, SoftmaxStep

TOP_TERMS = 8

Cell = tuple[int, int, int, int]


def parse_cell(text: str | None, trace: Trace) -> Cell | None:
    """'stage.map.row.column' -> numbers, checked against the trace; None when not given."""
    if not text:
        return None
    try:
        stage, channel, y, x = (int(part) for part in text.split("."))
    except ValueError:
        raise EngineError("cell", "a cell is written stage.map.row.column, e.g. 1.0.3.4") from None
    if not 1 <= stage < len(trace):
        raise EngineError("cell", f"pick a cell in stages 1 to {len(trace) - 1}")
    return stage, channel, y, x


@dataclass(frozen=True)
class Term:
    index: int
    source: str
    """Where the input came from, e.g. 'map 3, row 1, column 4' of the flattened maps."""
    value: float
    weight: float
    product: float


@dataclass(frozen=True)
class DenseDetail:
    top: list[Term]
    rest_count: int
    rest_sum: float
    softmax: str | None
    """The softmax line for this class when a softmax follows, e.g. exp(3.1 - 5.2) / 1.4 = 0.09."""


@dataclass(frozen=True)
class Selection:
    cell: Cell
    explanation: Explanation
    field: tuple[int, int, int, int] | None
    dense: DenseDetail | None


def select(trace: Trace, cell: Cell) -> Selection:
    explanation = explain(trace, *cell)
    stage, _, y, x = cell
    field = receptive_field(trace, stage, y, x) if trace.stages[stage].data.ndim == 3 else None
    dense = None
    if isinstance(explanation, DenseExplanation):
        dense = _dense_detail(trace, stage, x, explanation)
    return Selection(cell, explanation, field, dense)


def _source(trace: Trace, stage: int, i: int) -> str:
    """Name input ``i`` of a dense stage: a flattened map cell, or the previous vector's entry."""
    previous = trace.pipeline.steps[stage - 2] if stage >= 2 else None
    if isinstance(previous, FlattenStep):
        c, h, w = previous.in_shape
        ci, yi, xi = np.unravel_index(i, (c, h, w))
        return f"map {ci}, row {yi}, column {xi}"
    return f"value {i}"


def _dense_detail(trace: Trace, stage: int, i: int, e: DenseExplanation) -> DenseDetail:
    order = np.argsort(-np.abs(e.terms), kind="stable")
    top = [
        Term(int(j), _source(trace, stage, int(j)), float(e.inputs[j]), float(e.weights[j]),
             float(e.terms[j]))
        for j in order[:TOP_TERMS]
    ]  # fmt: skip
    rest = order[TOP_TERMS:]
    softmax = None
    step = trace.pipeline.steps
    if stage < len(trace) - 1 and isinstance(step[stage], SoftmaxStep):
        softmax = explain(trace, stage + 1, 0, 0, i).formula
    assert isinstance(step[stage - 1], DenseStep)
    return DenseDetail(top, len(rest), float(e.terms[rest].sum()), softmax)


def class_cell(trace: Trace, i: int) -> str:
    """The cell to select for class ``i`` of the prediction: its dense score when a softmax turns
    scores into probabilities (that is where the arithmetic is), else the final stage itself."""
    last = len(trace) - 1
    steps = trace.pipeline.steps
    if isinstance(steps[-1], SoftmaxStep) and len(steps) >= 2 and isinstance(steps[-2], DenseStep):
        return f"{last - 1}.0.0.{i}"
    return f"{last}.0.0.{i}"
