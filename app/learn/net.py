"""The network a learner trains: 28x28 ink -> conv F@kxk -> ReLU -> max-pool p -> dense C ->
softmax. The defaults make filters that visibly learn: 8 filters of 5x5 started small (x0.1)
with a 4x4 pool grow from faint noise into stroke and blob detectors within tens of steps (3x3
filters with the usual start barely move; the dense layer then does all the learning).

Its passes are the engine's own (``engine.backward``, whose batched forwards are the served
ones), and ``to_spec`` writes it as a ``PipelineSpec`` the explorer runs as it runs any other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..engine import backward as bw
from ..engine.spec import (
    ConvStage,
    DenseStage,
    FlattenStage,
    InputSpec,
    Kernel,
    PipelineSpec,
    PoolStage,
    ReluStage,
    SoftmaxStage,
)
from . import learned

F32 = np.float32
SIZE = 28
Params = dict[str, npt.NDArray[np.float32]]
Images = npt.NDArray[np.float32]
"""(N, 1, 28, 28) ink in [0, 1], fitted as the server fits a drawing (``imaging.fit_ink``)."""


@dataclass(frozen=True)
class Shape:
    classes: int
    filters: int = 8
    kernel: int = 5
    pool: int = 4
    start: float = 0.1
    """The first layer's starting weights are He's times this: small, so what they become is
    what they learned."""
    learned: bool = False
    """On learned features: the letters network's convolutions, frozen (``learn.learned``);
    then filters and kernel are its first layer's."""

    @property
    def side(self) -> int:
        """The pooled maps' side: (28 - kernel + 1) / pool, rounded up."""
        return -(-(SIZE - self.kernel + 1) // self.pool)

    @property
    def flat(self) -> int:
        return learned.FLAT if self.learned else self.filters * self.side * self.side


def on_learned_features(classes: int) -> Shape:
    return Shape(classes, learned.FILTERS, learned.KERNEL, learned=True)


def init_params(shape: Shape, rng: np.random.Generator) -> Params:
    if shape.learned:
        return learned.init_params(shape.classes, rng)
    fan_in = shape.kernel * shape.kernel
    conv = rng.normal(0, np.sqrt(2.0 / fan_in) * shape.start, (shape.filters, 1, shape.kernel,
                                                                shape.kernel))  # fmt: skip
    dense = rng.normal(0, np.sqrt(2.0 / shape.flat), (shape.classes, shape.flat))
    return {
        "conv.weight": conv.astype(F32), "conv.bias": np.zeros(shape.filters, F32),
        "dense.weight": dense.astype(F32), "dense.bias": np.zeros(shape.classes, F32),
    }  # fmt: skip


Floats = npt.NDArray[np.floating]
"""float32 in training; float64 for the gradient checks."""


@dataclass(frozen=True)
class Forward:
    """The batch's pass. The ReLU is taken after the pool, on a sixteenth of the values: max
    and ReLU commute, so the values are the same, and so are the gradients."""

    x: Floats
    conv: Floats
    pooled: Floats
    """The first layer pooled, before ReLU (on learned features, what the dense layer reads)."""
    flat: Floats
    logits: Floats
    saved: bw.ConvSaved | None = None
    """What the backward reads from the forward (None on learned features)."""


def forward(p: Params, shape: Shape, x: Floats) -> Forward:
    saved = None
    if shape.learned:
        conv, flat = learned.features(p, x)
        pooled = flat
    else:
        conv, saved = bw.conv2d_saved(x, p["conv.weight"], p["conv.bias"])
        pooled = bw.max_pool2d_batch(conv, shape.pool, ceil_mode=True)
        flat = np.maximum(pooled, 0).reshape(len(x), -1)
    logits = flat @ p["dense.weight"].T + p["dense.bias"]  # float32 in training
    return Forward(x, conv, pooled, flat, logits, saved)


@dataclass(frozen=True)
class Backward:
    loss: float
    """The batch's mean cross-entropy."""
    grads: Params
    dlogits: Floats
    """Each drawing's error at the dense layer's outputs: (probability - target) / batch."""
    dconv: Floats | None
    """Each drawing's error at the first layer's outputs, where ReLU and the pool let it through
    (None on learned features: the layers below the dense one do not learn)."""


def backward(p: Params, shape: Shape, f: Forward, labels: npt.NDArray[np.int64]) -> Backward:
    """Mean cross-entropy over the batch, its gradient for every parameter and the errors the
    gradients are sums of."""
    loss, dlogits = bw.softmax_cross_entropy(f.logits, labels)
    dflat, dwd, dbd = bw.dense_backward(f.flat, p["dense.weight"], dlogits)
    if f.saved is None:
        dense = {"dense.weight": dwd.astype(p["dense.weight"].dtype),
                 "dense.bias": dbd.astype(p["dense.bias"].dtype)}  # fmt: skip
        return Backward(loss, dense, dlogits, None)
    dpooled = bw.relu_backward(f.pooled, dflat.reshape(f.pooled.shape))
    dconv = bw.max_pool2d_backward_batch(f.conv, dpooled, shape.pool, ceil_mode=True,
                                         pooled=f.pooled)  # fmt: skip
    dweight, dbias = bw.conv2d_weight_backward(f.saved, dconv)
    grads = {"conv.weight": dweight, "conv.bias": dbias, "dense.weight": dwd,
             "dense.bias": dbd}  # fmt: skip
    typed = {k: v.astype(p[k].dtype, copy=False) for k, v in grads.items()}
    return Backward(loss, typed, dlogits, dconv)


def gradients(
    p: Params, shape: Shape, f: Forward, labels: npt.NDArray[np.int64]
) -> tuple[float, Params]:
    """Mean cross-entropy over the batch and its gradient for every parameter."""
    found = backward(p, shape, f, labels)
    return found.loss, found.grads


def to_spec(p: Params, shape: Shape, labels: list[str]) -> PipelineSpec:
    """The network as an engine pipeline, the ink-centred 28x28 input first."""
    if shape.learned:
        return learned.to_spec(p, labels)
    kernels = [Kernel(name=f"filter {i + 1}", weights=w[0].tolist())
               for i, w in enumerate(p["conv.weight"])]  # fmt: skip
    return PipelineSpec(
        input=InputSpec(mode="gray", size=(SIZE, SIZE), values="ink_unit", fit="ink"),
        stages=[
            ConvStage(kernels=kernels, bias=p["conv.bias"].tolist()),
            ReluStage(),
            PoolStage(op="max", kernel_size=shape.pool, ceil_mode=True),
            FlattenStage(),
            DenseStage(
                weights=p["dense.weight"].tolist(), bias=p["dense.bias"].tolist(), classes=labels
            ),
            SoftmaxStage(),
        ],
    )
