"""Compiled stages: each knows its shapes and labels and computes its output from its input."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import ops
from .ops import Array

Shape = tuple[int, ...]
F32 = np.float32


@dataclass(frozen=True, eq=False)
class Step:
    """One compiled stage: what it takes, what it gives, and how to compute it."""

    name: str
    kind: str
    path: str
    """Where the stage stands in the spec, e.g. ``stages[2].stages[0]``."""
    in_shape: Shape
    out_shape: Shape
    labels: tuple[str, ...]
    """One label per output map (3-D outputs) or per output value (vectors), or ()."""
    macs: int

    def forward(self, x: Array) -> Array:
        raise NotImplementedError


@dataclass(frozen=True, eq=False)
class ConvStep(Step):
    weight: Array  # (K, C, kh, kw), as written in the spec
    layout: ops.Conv2dLayout
    mean: bool

    windows: ops.WindowView | None = None
    """The im2col view for an unpadded input of ``in_shape``, worked out once (see ops)."""

    def forward(self, x: Array) -> Array:
        if self.windows is None:
            return ops.conv2d_prepared(x, self.layout)
        return ops.conv2d_windows(x, self.layout, self.windows)


@dataclass(frozen=True, eq=False)
class ReluStep(Step):
    zeros: Array  # of in_shape, kept for speed (see ops.relu_into_zeros)

    def forward(self, x: Array) -> Array:
        return ops.relu_into_zeros(x, self.zeros)


@dataclass(frozen=True, eq=False)
class TanhStep(Step):
    def forward(self, x: Array) -> Array:
        return ops.tanh(x)


@dataclass(frozen=True, eq=False)
class SigmoidStep(Step):
    def forward(self, x: Array) -> Array:
        return ops.sigmoid(x)


@dataclass(frozen=True, eq=False)
class PoolStep(Step):
    op: str
    geometry: ops.PoolGeometry
    divisors: Array | None  # (H_out, W_out) for average pooling
    slices: ops.PoolSlices | None = None
    """Each window offset's slices when no window needs padding (max pooling only)."""

    def forward(self, x: Array) -> Array:
        if self.slices is not None:
            return ops.max_pool2d_slices(x, self.slices)
        if self.divisors is None:
            return ops.max_pool2d_geometry(x, self.geometry)
        return ops.avg_pool2d_geometry(x, self.geometry, self.divisors)


@dataclass(frozen=True, eq=False)
class MagnitudeStep(Step):
    def forward(self, x: Array) -> Array:
        return ops.magnitude(x)


@dataclass(frozen=True, eq=False)
class FlattenStep(Step):
    def forward(self, x: Array) -> Array:
        return ops.flatten(x)


@dataclass(frozen=True, eq=False)
class DenseStep(Step):
    weight: Array  # (M, N)
    bias: Array | None  # (M,)

    def forward(self, x: Array) -> Array:
        return ops.dense(x, self.weight, self.bias)


@dataclass(frozen=True, eq=False)
class SoftmaxStep(Step):
    def forward(self, x: Array) -> Array:
        return ops.softmax(x)


@dataclass(frozen=True, eq=False)
class VoteStep(Step):
    templates: Array  # (M, N)
    matrix: Array  # (M, N): 1/count where a template is strongest

    def forward(self, x: Array) -> Array:
        return self.matrix @ x
