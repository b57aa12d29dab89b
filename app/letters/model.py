"""The learned letters network: its parameters, its batched forward and backward passes for
training, and its translation into an engine PipelineSpec for serving.

28x28x1 -> conv 16@3x3 -> ReLU -> max-pool 2 -> conv 48@3x3 -> ReLU -> max-pool 2 -> dense 36 ->
softmax. Training and serving share the engine's ops (the batched forms in engine.backward compute
what engine.ops computes, image by image), so the served network is the trained one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from ..engine import backward as bw
from .weights import CLASSES, Params

F32 = np.float32
CONV1, CONV2 = 16, 48
FLAT = CONV2 * 5 * 5  # 28 -> 26 -> 13 -> 11 -> 5
ARCHITECTURE = (
    f"28x28x1 -> conv {CONV1}@3x3 -> ReLU -> max-pool 2 -> conv {CONV2}@3x3 -> ReLU -> max-pool 2 "
    f"-> dense {len(CLASSES)} -> softmax"
)


def init_params(rng: np.random.Generator) -> Params:
    """He-initialised weights, zero biases."""

    def he(shape: tuple[int, ...], fan_in: int) -> npt.NDArray[np.float32]:
        return (rng.normal(0, np.sqrt(2.0 / fan_in), shape)).astype(F32)

    return {
        "conv1.weight": he((CONV1, 1, 3, 3), 9),
        "conv1.bias": np.zeros(CONV1, F32),
        "conv2.weight": he((CONV2, CONV1, 3, 3), CONV1 * 9),
        "conv2.bias": np.zeros(CONV2, F32),
        "dense.weight": he((len(CLASSES), FLAT), FLAT),
        "dense.bias": np.zeros(len(CLASSES), F32),
    }


@dataclass
class Forward:
    """Every intermediate the backward pass needs. Each ReLU is taken after its pool, on a
    quarter of the values: max and ReLU commute, so the values are the same, and so are the
    gradients (a window whose maximum is not positive passes none back either way)."""

    x: npt.NDArray[np.float32]
    s1: bw.ConvSaved
    c1: npt.NDArray[np.float32]
    p1: npt.NDArray[np.float32]
    """Pooled, before ReLU."""
    s2: bw.ConvSaved
    c2: npt.NDArray[np.float32]
    p2: npt.NDArray[np.float32]
    flat: npt.NDArray[np.float32]
    logits: npt.NDArray[np.float32]
    keep: npt.NDArray[np.float32] | None = None
    """Dropout's mask on the dense layer's inputs (0 or 1 / keep rate), when training with it."""


def forward(
    p: Params, x: npt.NDArray[np.float32], keep: npt.NDArray[np.float32] | None = None
) -> Forward:
    """The network on a batch; ``keep`` (N, FLAT) scales the dense layer's inputs (dropout)."""
    c1, s1 = bw.conv2d_saved(x, p["conv1.weight"], p["conv1.bias"])
    p1 = bw.max_pool2d_batch(c1, 2)
    c2, s2 = bw.conv2d_saved(np.maximum(p1, 0), p["conv2.weight"], p["conv2.bias"])
    p2 = bw.max_pool2d_batch(c2, 2)
    flat = np.maximum(p2, 0).reshape(len(x), -1)
    if keep is not None:
        flat = flat * keep
    logits = (flat @ p["dense.weight"].T + p["dense.bias"]).astype(F32, copy=False)
    return Forward(x, s1, c1, p1, s2, c2, p2, flat, logits, keep)


def gradients(p: Params, f: Forward, labels: npt.NDArray[np.int64]) -> tuple[float, Params]:
    """Mean cross-entropy loss over the batch and its gradient for every parameter."""
    loss, dlogits = bw.softmax_cross_entropy(f.logits, labels)
    dflat, dwd, dbd = bw.dense_backward(f.flat, p["dense.weight"], dlogits)
    if f.keep is not None:
        dflat = dflat * f.keep
    dp2 = bw.relu_backward(f.p2, dflat.reshape(f.p2.shape))
    g2 = bw.conv2d_backward_saved(f.s2, bw.max_pool2d_backward_batch(f.c2, dp2, 2, pooled=f.p2))
    dp1 = bw.relu_backward(f.p1, g2.x)
    dc1 = bw.max_pool2d_backward_batch(f.c1, dp1, 2, pooled=f.p1)
    dw1, db1 = bw.conv2d_weight_backward(f.s1, dc1)
    grads = {
        "conv1.weight": dw1, "conv1.bias": db1,
        "conv2.weight": g2.weight, "conv2.bias": g2.bias,
        "dense.weight": dwd, "dense.bias": dbd,
    }  # fmt: skip
    return loss, {k: v.astype(F32, copy=False) for k, v in grads.items()}


PART = 32
"""Pictures a training step's passes take at a time. A bigger batch is split and its gradients
added up by each part's share (the same gradients, to float rounding): a part's windows and
their gradients stay in the processor's cache, and batch 64 takes two parts' time rather than
more (bench/train_step.py: 1.08x PyTorch's time whole, 1.02x in parts)."""


class Step(NamedTuple):
    loss: float
    """The mean cross-entropy over the batch."""
    grads: Params
    logits: npt.NDArray[np.float32]


def train_step(
    p: Params,
    x: npt.NDArray[np.float32],
    labels: npt.NDArray[np.int64],
    keep: npt.NDArray[np.float32] | None = None,
) -> Step:
    """Both passes over a batch, PART pictures at a time: the loss, its gradient for every
    parameter and the logits (``keep`` as ``forward`` takes it)."""
    if len(x) <= PART:
        f = forward(p, x, keep)
        return Step(*gradients(p, f, labels), f.logits)
    loss, grads, logits = 0.0, {k: np.zeros_like(v) for k, v in p.items()}, []
    for start in range(0, len(x), PART):
        part = slice(start, start + PART)
        f = forward(p, x[part], None if keep is None else keep[part])
        part_loss, part_grads = gradients(p, f, labels[part])
        share = len(f.logits) / len(x)
        loss += part_loss * share
        for name, grad in part_grads.items():
            grads[name] += grad * F32(share)
        logits.append(f.logits)
    return Step(loss, grads, np.concatenate(logits))


def predict(
    p: Params,
    x: npt.NDArray[np.float32],
    allowed: npt.NDArray[np.int64] | None = None,
    batch: int = 512,
) -> npt.NDArray[np.int64]:
    """The most likely class of each picture, among the ``allowed`` class indices if given."""
    keep = np.arange(len(CLASSES)) if allowed is None else allowed
    return np.concatenate([
        keep[forward(p, x[i : i + batch]).logits[:, keep].argmax(axis=1)]
        for i in range(0, len(x), batch)
    ])  # fmt: skip
