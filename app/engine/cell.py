"""One cell of a trace: the input pixels it sees, and its arithmetic, each asked of its stage's
kind (``kinds.KINDS``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .errors import EngineError
from .explanations import Box, Explanation, Head, Where
from .kinds import KINDS
from .steps import FlattenStep
from .trace import Trace


def receptive_field(trace: Trace, index: int, y: int, x: int) -> Box:
    """The input pixels that feed cell (y, x) of stage ``index``, as (top, left, bottom, right)."""
    r0, r1, c0, c1 = y, y, x, x
    _, h, w = trace.stages[0].data.shape
    for i in range(index, 0, -1):
        step = trace.step(i)
        win = KINDS[step.kind].window(step)
        if win is None:
            return Box(0, 0, h, w)
        kh, kw, sh, sw, ph, pw = win
        r0, r1 = r0 * sh - ph, r1 * sh - ph + kh - 1
        c0, c1 = c0 * sw - pw, c1 * sw - pw + kw - 1
    return Box(max(r0, 0), max(c0, 0), min(r1 + 1, h), min(c1 + 1, w))


def _namer(trace: Trace, index: int) -> Callable[[int], str]:
    if index >= 2 and isinstance(trace.step(index - 1), FlattenStep):
        shape = trace.step(index - 1).in_shape

        def map_cell(i: int) -> str:
            c, y, x = (int(v) for v in np.unravel_index(i, shape))
            return f"map {c}, row {y}, column {x}"

        return map_cell
    return lambda i: f"value {i}"


def explain(trace: Trace, stage: int | str, channel: int, y: int, x: int) -> Explanation:
    """Explain one output cell of ``stage`` (index or name; not the input stage).

    Vector stages (flatten, dense, softmax, vote) address element i as (0, 0, i).
    """
    out = trace.stage(stage)
    if out.index == 0:
        raise EngineError("stage", "the input stage is not computed; pick a later stage")
    step = trace.step(out.index)
    data = out.data
    cell = (channel, y, x)
    if data.ndim == 1:
        if channel != 0 or y != 0 or not 0 <= x < data.shape[0]:
            raise EngineError(
                "cell", f"{out.name} is a vector: pick (0, 0, i), 0 <= i < {len(data)}"
            )
        value = float(data[x])
    else:
        c, h, w = data.shape
        if not (0 <= channel < c and 0 <= y < h and 0 <= x < w):
            raise EngineError("cell", f"{out.name} has {c} maps of {h}x{w}; {cell} is outside")
        value = float(data[channel, y, x])
    source = trace.stages[out.index - 1].data.astype(np.float64)
    head = Head(stage=out.name, kind=out.kind, cell=cell, value=value)
    where = Where(receptive_field(trace, out.index, y, x), _namer(trace, out.index))
    return KINDS[step.kind].explain(step, source, head, where)
