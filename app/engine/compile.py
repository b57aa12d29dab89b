"""How each kind of stage compiles: checked against the limits, weights laid out, shapes known.

Every function takes the stage's spec and a ``Context`` (what the stage receives) and returns
its ``Step``, or raises EngineError naming the field at fault. ``kinds.KINDS`` says which
function compiles which kind.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from . import ops
from .errors import EngineError
from .limits import Limits
from .ops import Array
from .spec import ConvStage, DenseStage, PoolStage, VoteStage
from .steps import (
    ConvStep,
    DenseStep,
    FlattenStep,
    MagnitudeStep,
    PoolStep,
    ReluStep,
    Shape,
    SigmoidStep,
    SoftmaxStep,
    Step,
    TanhStep,
    VoteStep,
)

F32 = np.float32


class Context(NamedTuple):
    """What a stage is compiled against: its name and place, and what the stage before gives."""

    name: str
    path: str
    shape: Shape
    labels: tuple[str, ...]
    limits: Limits

    def common(self, stage: Any) -> dict[str, Any]:
        return {"name": self.name, "kind": stage.kind, "path": self.path, "in_shape": self.shape}


def _check_weights(values: Array, what: str, limits: Limits) -> None:
    biggest = float(np.abs(values).max()) if values.size else 0.0
    if biggest > limits.max_abs_weight:
        raise EngineError(
            what,
            f"has a weight of magnitude {biggest:g}, "
            f"more than the limit of {limits.max_abs_weight:g}",
            limits.max_abs_weight,
        )


def _need_maps(shape: Shape, kind: str) -> tuple[int, int, int]:
    if len(shape) != 3:
        raise EngineError("kind", f"{kind} needs feature maps (C, H, W), got a vector {shape}")
    return shape[0], shape[1], shape[2]


def _need_vector(shape: Shape, kind: str) -> int:
    if len(shape) != 1:
        raise EngineError("kind", f"{kind} needs a vector; add a flatten stage before it")
    return shape[0]


def compile_relu(stage: Any, ctx: Context) -> Step:
    return ReluStep(
        **ctx.common(stage), out_shape=ctx.shape, labels=ctx.labels,
        macs=int(np.prod(ctx.shape)), zeros=np.zeros(ctx.shape, F32),
    )  # fmt: skip


def compile_tanh(stage: Any, ctx: Context) -> Step:
    size = int(np.prod(ctx.shape))
    return TanhStep(**ctx.common(stage), out_shape=ctx.shape, labels=ctx.labels, macs=size)


def compile_sigmoid(stage: Any, ctx: Context) -> Step:
    size = int(np.prod(ctx.shape))
    return SigmoidStep(**ctx.common(stage), out_shape=ctx.shape, labels=ctx.labels, macs=size)


def compile_magnitude(stage: Any, ctx: Context) -> Step:
    c, h, w = _need_maps(ctx.shape, "magnitude")
    return MagnitudeStep(
        **ctx.common(stage), out_shape=(1, h, w), labels=("magnitude",), macs=c * h * w
    )


def compile_flatten(stage: Any, ctx: Context) -> Step:
    c, h, w = _need_maps(ctx.shape, "flatten")
    return FlattenStep(**ctx.common(stage), out_shape=(c * h * w,), labels=(), macs=0)


def _rows_of(values: Any, field: str, ctx: Context, kind: str) -> Array:
    """A (M, N) matrix of weights whose every row takes the N values the stage receives."""
    n = _need_vector(ctx.shape, kind)
    matrix = np.asarray(values, F32)
    if matrix.shape[1] != n:
        raise EngineError(field, f"rows need {n} values (the input size), not {matrix.shape[1]}")
    _check_weights(matrix, field, ctx.limits)
    return matrix


def compile_dense(stage: DenseStage, ctx: Context) -> Step:
    weight = _rows_of(stage.weights, "weights", ctx, "dense")
    bias = None if stage.bias is None else np.asarray(stage.bias, F32)
    if bias is not None:
        _check_weights(bias, "bias", ctx.limits)
    out_labels = tuple(stage.classes) if stage.classes else ()
    return DenseStep(
        **ctx.common(stage), out_shape=(weight.shape[0],), labels=out_labels, macs=weight.size,
        weight=weight, bias=bias,
    )  # fmt: skip


def compile_softmax(stage: Any, ctx: Context) -> Step:
    n = _need_vector(ctx.shape, "softmax")
    return SoftmaxStep(**ctx.common(stage), out_shape=ctx.shape, labels=ctx.labels, macs=n)


def compile_vote(stage: VoteStage, ctx: Context) -> Step:
    templates = _rows_of(stage.templates, "templates", ctx, "vote")
    return VoteStep(
        **ctx.common(stage), out_shape=(templates.shape[0],), labels=tuple(stage.classes),
        macs=templates.size, templates=templates, matrix=ops.vote_matrix(templates),
    )  # fmt: skip


def _kernel_weights(stage: ConvStage, channels: int, limits: Limits) -> Array:
    """The stage's kernels as one (K, C, kh, kw) array, each checked against the limits and the
    first kernel's size; a 2-D kernel applies to every input channel."""
    kernels = stage.resolved_kernels()
    if len(kernels) > limits.max_maps_per_stage:
        raise EngineError(
            "kernels",
            f"{len(kernels)} kernels, more than the limit of {limits.max_maps_per_stage} maps",
            limits.max_maps_per_stage,
        )
    grids: list[Array] = []
    for k, kernel in enumerate(kernels):
        grid = np.asarray(kernel.weights, F32)
        if grid.ndim == 2:
            grid = np.broadcast_to(grid, (channels, *grid.shape))
        elif grid.shape[0] != channels:
            raise EngineError(
                f"kernels[{k}]", f"has {grid.shape[0]} channels, the input has {channels}"
            )
        kh, kw = grid.shape[1:]
        if max(kh, kw) > limits.max_kernel_size:
            raise EngineError(
                f"kernels[{k}]",
                f"is {kh}x{kw}, larger than the limit of {limits.max_kernel_size}",
                limits.max_kernel_size,
            )
        if grids and grid.shape != grids[0].shape:
            first = kernels[0].name
            raise EngineError(
                f"kernels[{k}]",
                f"is {kh}x{kw} but kernel 1{f' ({first})' if first else ''} is "
                f"{grids[0].shape[1]}x{grids[0].shape[2]}: all kernels of one stage must have "
                "the same size",
            )
        _check_weights(grid, f"kernels[{k}]", limits)
        grids.append(grid)
    return np.ascontiguousarray(np.stack(grids))


def compile_conv(stage: ConvStage, ctx: Context) -> Step:
    c, h, w = _need_maps(ctx.shape, "conv")
    weight = _kernel_weights(stage, c, ctx.limits)
    bias = None if stage.bias is None else np.asarray(stage.bias, F32)
    if bias is not None:
        _check_weights(bias, "bias", ctx.limits)
    stride = stage.stride if isinstance(stage.stride, int) else tuple(stage.stride)
    padding = stage.padding if isinstance(stage.padding, int | str) else tuple(stage.padding)
    layout = ops.prepare_conv2d(weight, bias, stride, padding, mean=stage.mean)  # type: ignore[arg-type]
    top, bottom, left, right = layout.pads
    kh, kw = weight.shape[2:]
    if kh > h + top + bottom or kw > w + left + right:
        raise EngineError(
            "kernels",
            f"{kh}x{kw} kernels are larger than the padded input "
            f"{h + top + bottom}x{w + left + right}",
            (h + top + bottom, w + left + right),
        )
    ho = ops.conv2d_out_size(h, kh, layout.sh, top + bottom)
    wo = ops.conv2d_out_size(w, kw, layout.sw, left + right)
    return ConvStep(
        **ctx.common(stage), out_shape=(len(weight), ho, wo),
        labels=tuple(k.name for k in stage.resolved_kernels()), macs=weight.size * ho * wo,
        weight=weight, layout=layout, mean=stage.mean, windows=ops.window_view((c, h, w), layout),
    )  # fmt: skip


def compile_pool(stage: PoolStage, ctx: Context) -> Step:
    c, h, w = _need_maps(ctx.shape, "pool")
    size = stage.kernel_size if isinstance(stage.kernel_size, int) else tuple(stage.kernel_size)
    stride = (
        stage.stride
        if stage.stride is None or isinstance(stage.stride, int)
        else tuple(stage.stride)
    )
    padding = stage.padding if isinstance(stage.padding, int) else tuple(stage.padding)
    g = ops.pool_geometry(h, w, size, stride, padding, stage.ceil_mode)  # type: ignore[arg-type]
    limit = ctx.limits.max_kernel_size
    if max(g.kh, g.kw) > limit:
        raise EngineError(
            "kernel_size", f"window {g.kh}x{g.kw} is larger than the limit of {limit}", limit
        )
    divisors = None if stage.op == "max" else ops.avg_pool_divisors(h, w, g, True)
    return PoolStep(
        **ctx.common(stage), out_shape=(c, g.ho, g.wo), labels=ctx.labels,
        macs=c * g.ho * g.wo * g.kh * g.kw, op=stage.op, geometry=g, divisors=divisors,
        slices=ops.pool_slices(h, w, g) if stage.op == "max" else None,
    )  # fmt: skip
