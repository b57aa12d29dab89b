"""One step of a training in slow motion: for one first-layer weight and for the dense weight the
step moved most, the gradient as the sum of its input-times-error terms over the batch (the
largest listed with the drawing and place they come from), then Adam's update, down to the new
weight the training really has after that step."""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from ..learn import net
from ..learn.trainer import Training
from ..store import TrainingRecord
from .replay import Replays

SHOWN_TERMS = 6


@dataclass(frozen=True)
class Term:
    drawing: int
    """The drawing's index in the training's set."""
    label: int
    source: str
    """Where the input comes from, in words."""
    value: float
    """The input: a pixel's ink, or a pooled feature."""
    error: float
    """The error it is multiplied by."""

    @property
    def product(self) -> float:
        return self.value * self.error


@dataclass(frozen=True)
class Update:
    """One weight through one step: gradient, then Adam's step."""

    name: str
    before: float
    gradient: float
    terms: list[Term]
    """The largest terms of the gradient, biggest first."""
    nonzero: int
    total: int
    rate: float
    m_before: float
    v_before: float
    m: float
    v: float
    t: int
    scale: float
    """Adam's bias correction, sqrt(1 - 0.999^t) / (1 - 0.9^t)."""
    after: float

    @property
    def plain(self) -> float:
        """Where plain gradient descent would have put the weight: w - rate x g."""
        return self.before - self.rate * self.gradient


@dataclass(frozen=True)
class SlowMotion:
    step: int
    """The step shown: from the weights of step - 1 to those of step."""
    batch: list[int]
    """The drawings it looked at (indices in the training's set)."""
    loss: float
    filters: np.ndarray
    """The first layer's weights before the step, (filters, k, k)."""
    changed: np.ndarray
    """How much the step moved each of them."""
    weight: tuple[int, int, int] | None
    conv: Update | None
    """None on learned features, whose first layer is frozen."""
    dense: Update


def slow_motion(
    replays: Replays, record: TrainingRecord, step: int, weight: tuple[int, int, int] | None
) -> SlowMotion:
    """Step ``step`` (1 to the furthest) for first-layer weight (filter, row, column); the one
    the step moved most when ``weight`` is None."""
    before, held = replays.at(record, step - 1)
    work = copy.copy(before)  # the cached copy stays as it is
    work.params = {k: v.copy() for k, v in before.params.items()}
    work.adam = copy.deepcopy(before.adam)
    pick, x = work.batch(step)
    labels = work.labels[pick]
    f = net.forward(work.params, work.shape, x)
    back = net.backward(work.params, work.shape, f, labels)
    work.adam.step(work.params, back.grads, work.settings.rate)
    changed = (work.params["conv.weight"] - before.params["conv.weight"])[:, 0]
    drawings = np.flatnonzero(~held)[pick]
    conv = None
    if back.dconv is not None:  # a first layer that learns
        if weight is None:
            found = np.unravel_index(int(np.abs(changed).argmax()), changed.shape)
            weight = (int(found[0]), int(found[1]), int(found[2]))
        conv_terms, nonzero = _conv_terms(x, back.dconv, weight, drawings, labels, work.shape)
        conv = _update(before, work, back.grads, ("conv.weight", (weight[0], 0, *weight[1:])),
                       f"filter {weight[0] + 1}, row {weight[1] + 1}, column {weight[2] + 1}",
                       conv_terms, (nonzero, back.dconv[:, 0].size))  # fmt: skip
    dense_grads = back.grads["dense.weight"]
    dense_at = tuple(int(i) for i in np.unravel_index(np.abs(dense_grads).argmax(),
                                                      dense_grads.shape))  # fmt: skip
    dense_terms = _dense_terms(f.flat, back.dlogits, dense_at, drawings, labels, work.shape)
    dense_name = f"from {dense_terms[0].source} to {record.classes[int(dense_at[0])]}'s score"
    dense = _update(before, work, back.grads, ("dense.weight", dense_at), dense_name,
                    dense_terms, (len(pick), len(pick)))  # fmt: skip
    return SlowMotion(step, drawings.tolist(), back.loss, before.params["conv.weight"][:, 0],
                      changed, weight, conv, dense)  # fmt: skip


def _conv_terms(
    x: np.ndarray, dconv: np.ndarray, weight: tuple[int, int, int], drawings: np.ndarray,
    labels: np.ndarray, shape: net.Shape,
) -> tuple[list[Term], int]:  # fmt: skip
    """Every term of a first-layer weight's gradient: for each drawing of the batch and each
    place of filter f's map, the ink under the weight times the error at that place."""
    f, r, c = weight
    side = net.SIZE - shape.kernel + 1
    ink = x[:, 0, r : r + side, c : c + side]
    error = dconv[:, f]
    products = ink * error
    order = np.argsort(-np.abs(products), axis=None, kind="stable")[:SHOWN_TERMS]
    terms = []
    for b, i, j in zip(*np.unravel_index(order, products.shape), strict=True):
        if products[b, i, j] == 0:
            break
        terms.append(Term(int(drawings[b]), int(labels[b]),
                          f"pixel ({i + r + 1}, {j + c + 1}), with the filter at map place "
                          f"({i + 1}, {j + 1})",
                          float(ink[b, i, j]), float(error[b, i, j])))  # fmt: skip
    return terms, int(np.count_nonzero(products))


def _dense_terms(
    flat: np.ndarray, dlogits: np.ndarray, at: tuple[int, ...], drawings: np.ndarray,
    labels: np.ndarray, shape: net.Shape,
) -> list[Term]:  # fmt: skip
    """A dense weight's gradient terms: each drawing's pooled feature times its error for the
    weight's class, (probability - target) / batch."""
    k, j = at
    side, layer = (5, "the second layer's ") if shape.learned else (shape.side, "")
    where = f"{layer}filter {j // side**2 + 1}'s pooled map, place ({j % side**2 // side + 1}, " \
            f"{j % side + 1})"  # fmt: skip
    products = flat[:, j] * dlogits[:, k]
    order = np.argsort(-np.abs(products), kind="stable")[:SHOWN_TERMS]
    return [Term(int(drawings[b]), int(labels[b]), where, float(flat[b, j]),
                 float(dlogits[b, k])) for b in order]  # fmt: skip


def _update(
    before: Training, after: Training, grads: net.Params, weight: tuple[str, tuple[int, ...]],
    name: str, terms: list[Term], counts: tuple[int, int],
) -> Update:  # fmt: skip
    """The numbers of one weight's step: its gradient, what Adam kept before and after, and the
    weight before and after; ``counts`` are (terms that are not 0, terms)."""
    key, at = weight
    t, b1, b2 = after.adam.t, after.adam.b1, after.adam.b2
    return Update(
        name, float(before.params[key][at]), float(grads[key][at]), terms, *counts,
        after.settings.rate, float(before.adam.m[key][at]), float(before.adam.v[key][at]),
        float(after.adam.m[key][at]), float(after.adam.v[key][at]), t,
        float(np.sqrt(1 - b2**t) / (1 - b1**t)), float(after.params[key][at]),
    )  # fmt: skip
