"""The arithmetic behind one output cell, one function per kind of stage.

Each ``explain_<kind>(step, source, head, where)`` recomputes a single cell from the stage's input
(``source``, float64) and parameters, so the numbers shown are the numbers computed. Each
explanation carries ``formula``: one line in the slides' style, e.g.
``(1 + 1 - 1 + 1 + 1 + 1 - 1 + 1 + 1) / 9 = 0.56``. ``cell.explain`` picks the function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import NamedTuple, TypedDict

import numpy as np
import numpy.typing as npt

from .steps import ConvStep, DenseStep, PoolStep, Step, VoteStep

F64 = npt.NDArray[np.float64]

MAX_FORMULA_TERMS = 24
TOP_TERMS = 8
"""A dense score's explanation lists this many of its largest terms."""


class Box(NamedTuple):
    """A rectangle of a map or the input: rows top to bottom, columns left to right, bottom and
    right exclusive."""

    top: int
    left: int
    bottom: int
    right: int


class At(NamedTuple):
    """A place in a map or a window: row and column."""

    row: int
    col: int


class Head(TypedDict):
    stage: str
    kind: str
    cell: tuple[int, int, int]
    value: float


class Where(NamedTuple):
    """What an explanation needs to know beyond its stage's input: the input pixels the cell
    sees, and what each input of a vector stage is called."""

    field: Box
    name_input: Callable[[int], str]


@dataclass(frozen=True)
class Explanation:
    """One cell's arithmetic. These fields are every kind's; a kind's own fields (each kind's
    subclass) are what the page and the API show of it, as they are named here."""

    stage: str
    kind: str
    cell: tuple[int, int, int]
    value: float
    """The stored output at this cell."""
    formula: str

    def details(self) -> dict[str, object]:
        """The kind's own fields, by name."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _COMMON}


_COMMON = {"stage", "kind", "cell", "value", "formula"}


@dataclass(frozen=True)
class Term:
    """One input of a weighted sum or an average."""

    index: int
    source: str
    """Where the input came from, e.g. 'map 3, row 1, column 4' of the flattened maps."""
    value: float
    weight: float | None
    """The weight it is multiplied by (a vote averages its terms: no weight)."""
    product: float


@dataclass(frozen=True)
class ConvExplanation(Explanation):
    window: F64  # (C, kh, kw) input values under the kernel; padding reads as 0
    kernel: F64  # (C, kh, kw) weights as written in the spec
    products: F64  # (C, kh, kw)
    total: float
    divisor: int  # C*kh*kw with mean, else 1
    bias: float
    origin: At  # input row and column of the window's top-left (may be padding)
    receptive_field: Box


@dataclass(frozen=True)
class PointwiseExplanation(Explanation):
    """An activation (ReLU, tanh, sigmoid): one input value in, one out."""

    input_value: float


@dataclass(frozen=True)
class PoolExplanation(Explanation):
    op: str
    window: F64  # (kh, kw); NaN where the window lies outside the input
    winner: At | None  # in the window, for max pooling
    total: float
    divisor: int | None  # the cells averaged, for average pooling
    origin: At
    receptive_field: Box


@dataclass(frozen=True)
class MagnitudeExplanation(Explanation):
    components: F64  # (C,)
    total: float  # sum of squares


@dataclass(frozen=True)
class FlattenExplanation(Explanation):
    origin: At  # row and column in the previous stage's map (the formula names the map)


@dataclass(frozen=True)
class DenseExplanation(Explanation):
    terms: tuple[Term, ...]  # the TOP_TERMS largest by size, largest first
    rest_count: int  # the other terms
    rest_sum: float
    total: float
    bias: float


@dataclass(frozen=True)
class VoteExplanation(Explanation):
    terms: tuple[Term, ...]  # the inputs at the template's strongest positions
    positions: tuple[int, ...]  # where the template is strongest (0-based)
    total: float
    divisor: int  # how many were averaged


@dataclass(frozen=True)
class SoftmaxExplanation(Explanation):
    total: float  # the sum of exp(logit - max), the divisor


def num(value: float) -> str:
    """A number the way the slides write it: whole numbers bare, others to two decimals."""
    if abs(value - round(value)) < 5e-7:
        return str(round(value))
    return f"{value:.2f}"


def nums(values: npt.ArrayLike) -> list[str]:
    """``num`` of every value at once (a flat list), for tables of many numbers."""
    arr = np.asarray(values, np.float64).ravel()
    whole = np.abs(arr - np.round(arr)) < 5e-7
    return [
        str(int(r)) if w else f"{v:.2f}"
        for v, r, w in zip(arr.tolist(), np.round(arr).tolist(), whole.tolist(), strict=True)
    ]


def slides_print(value: float) -> str:
    """A value as the slides print it: cut (not rounded) after two decimals, 7/9 as 0.77;
    0 bare, as their ReLU tables print it."""
    if value == 0:
        return "0"
    cut = int(abs(value) * 100 + 1e-9) / 100
    return ("-" if value < 0 and cut else "") + f"{cut:.2f}"


def cut_differs(values: npt.ArrayLike) -> bool:
    """Whether any of ``values`` reads differently rounded to two decimals (this app) and cut
    after two decimals (the slides: 7/9 as 0.77, not 0.78)."""
    data = np.asarray(values, np.float64)
    cut = np.trunc(data * 100 + np.sign(data) * 1e-9) / 100
    return bool(np.any(np.abs(np.round(data, 2) - cut) > 1e-6))


def precise(value: float) -> str:
    """Up to four decimals, trailing zeros dropped: 0.912, 0.5175."""
    return f"{value:.4f}".rstrip("0").rstrip(".") if not float(value).is_integer() else num(value)


def sum_terms(values: F64) -> str:
    """'1 + 1 - 1 + ...' for a list of terms; long lists are cut with a count."""
    flat = [float(v) for v in values.ravel()]
    shown = flat if len(flat) <= MAX_FORMULA_TERMS else flat[: MAX_FORMULA_TERMS - 1]
    text = num(shown[0])
    for v in shown[1:]:
        text += f" - {num(-v)}" if v < 0 else f" + {num(v)}"
    if len(shown) < len(flat):
        text += f" + … ({len(flat)} terms)"
    return text


def explain_relu(step: Step, source: F64, head: Head, where: Where) -> Explanation:
    v = _same_cell(source, head)
    formula = f"max(0, {num(v)}) = {num(head['value'])}"
    return PointwiseExplanation(**head, formula=formula, input_value=v)


def explain_tanh(step: Step, source: F64, head: Head, where: Where) -> Explanation:
    v = _same_cell(source, head)
    formula = f"tanh({num(v)}) = {num(head['value'])}"
    return PointwiseExplanation(**head, formula=formula, input_value=v)


def explain_sigmoid(step: Step, source: F64, head: Head, where: Where) -> Explanation:
    v = _same_cell(source, head)
    formula = f"1 / (1 + exp({num(-v)})) = {num(head['value'])}"
    return PointwiseExplanation(**head, formula=formula, input_value=v)


def _same_cell(source: F64, head: Head) -> float:
    """The input value at the output cell's own place (a pointwise stage keeps the shape)."""
    c, y, x = head["cell"]
    return float(source[c, y, x] if source.ndim == 3 else source[x])


def explain_magnitude(step: Step, source: F64, head: Head, where: Where) -> Explanation:
    _, y, x = head["cell"]
    comps = source[:, y, x]
    squares = " + ".join(f"{num(v)}²" for v in comps)
    formula = f"√({squares}) = {num(head['value'])}"
    return MagnitudeExplanation(
        **head, formula=formula, components=comps, total=float(comps @ comps)
    )


def explain_flatten(step: Step, source: F64, head: Head, where: Where) -> Explanation:
    x = head["cell"][2]
    ci, yi, xi = (int(i) for i in np.unravel_index(x, source.shape))
    formula = f"element {x} = map {ci}, row {yi}, column {xi} = {num(head['value'])}"
    return FlattenExplanation(**head, formula=formula, origin=At(yi, xi))


def explain_softmax(step: Step, source: F64, head: Head, where: Where) -> Explanation:
    x = head["cell"][2]
    shift = float(source.max())
    exps = np.exp(source - shift)
    total = float(exps.sum())
    formula = f"exp({num(source[x])} - {num(shift)}) / {num(total)} = {num(head['value'])}"
    return SoftmaxExplanation(**head, formula=formula, total=total)


def _padded_window(source: F64, top: int, left: int, kh: int, kw: int, fill: float) -> F64:
    """source[:, top:top+kh, left:left+kw] with ``fill`` where that lies outside the source."""
    c, h, w = source.shape
    window = np.full((c, kh, kw), fill)
    r0, r1 = max(top, 0), min(top + kh, h)
    c0, c1 = max(left, 0), min(left + kw, w)
    if r0 < r1 and c0 < c1:
        window[:, r0 - top : r1 - top, c0 - left : c1 - left] = source[:, r0:r1, c0:c1]
    return window


def explain_conv(step: Step, source: F64, head: Head, where: Where) -> Explanation:
    assert isinstance(step, ConvStep)
    k, y, x = head["cell"]
    lay = step.layout
    top, left = y * lay.sh - lay.pads[0], x * lay.sw - lay.pads[2]
    window = _padded_window(source, top, left, lay.kh, lay.kw, 0.0)
    kernel = step.weight[k].astype(np.float64)
    products = window * kernel
    total = float(products.sum())
    divisor = kernel.size if step.mean else 1
    bias = 0.0 if lay.bias is None else float(lay.bias[k, 0])
    formula = f"({sum_terms(products)}) / {divisor}" if divisor > 1 else sum_terms(products)
    if bias:
        formula += f" + {num(bias)}" if bias > 0 else f" - {num(-bias)}"
    formula += f" = {num(head['value'])}"
    return ConvExplanation(
        **head, formula=formula, window=window, kernel=kernel, products=products, total=total,
        divisor=divisor, bias=bias, origin=At(top, left), receptive_field=where.field,
    )  # fmt: skip


def explain_pool(step: Step, source: F64, head: Head, where: Where) -> Explanation:
    assert isinstance(step, PoolStep)
    c, y, x = head["cell"]
    g = step.geometry
    top, left = y * g.sh - g.ph, x * g.sw - g.pw
    window = _padded_window(source[c : c + 1], top, left, g.kh, g.kw, np.nan)[0]
    inside = window[~np.isnan(window)]
    if step.op == "max":
        flat = int(np.nanargmax(window))  # the first maximum in row-major order wins
        winner: At | None = At(flat // g.kw, flat % g.kw)
        total, divisor = float(inside.sum()), None
        formula = f"max({', '.join(num(v) for v in inside)}) = {num(head['value'])}"
    else:
        assert step.divisors is not None
        winner, total, divisor = None, float(inside.sum()), int(step.divisors[y, x])
        formula = f"({sum_terms(inside)}) / {divisor} = {num(head['value'])}"
    return PoolExplanation(
        **head, formula=formula, op=step.op, window=window, winner=winner, total=total,
        divisor=divisor, origin=At(top, left), receptive_field=where.field,
    )  # fmt: skip


def explain_dense(step: Step, source: F64, head: Head, where: Where) -> Explanation:
    assert isinstance(step, DenseStep)
    i = head["cell"][2]
    weights = step.weight[i].astype(np.float64)
    terms = weights * source
    bias = 0.0 if step.bias is None else float(step.bias[i])
    formula = f"{sum_terms(terms)}"
    if bias:
        formula += f" + {num(bias)}" if bias > 0 else f" - {num(-bias)}"
    formula += f" = {num(head['value'])}"
    order = np.argsort(-np.abs(terms), kind="stable")
    top = tuple(
        Term(int(j), where.name_input(int(j)), float(source[j]), float(weights[j]), float(terms[j]))
        for j in order[:TOP_TERMS]
    )  # fmt: skip
    rest = order[TOP_TERMS:]
    return DenseExplanation(
        **head, formula=formula, terms=top, rest_count=len(rest),
        rest_sum=float(terms[rest].sum()), total=float(terms.sum()), bias=bias,
    )  # fmt: skip


def explain_vote(step: Step, source: F64, head: Head, where: Where) -> Explanation:
    assert isinstance(step, VoteStep)
    i = head["cell"][2]
    template = step.templates[i].astype(np.float64)
    positions = tuple(int(p) for p in np.flatnonzero(template == template.max()))
    values = source[list(positions)]
    total = float(values.sum())
    formula = f"({sum_terms(values)}) / {len(positions)} = {num(total)} / {len(positions)} = "
    formula += precise(head["value"])
    terms = tuple(Term(p, where.name_input(p), float(source[p]), None, float(source[p]))
                  for p in positions)  # fmt: skip
    return VoteExplanation(
        **head, formula=formula, terms=terms, positions=positions, total=total,
        divisor=len(positions),
    )  # fmt: skip
