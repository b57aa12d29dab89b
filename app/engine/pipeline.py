"""Compile a spec into steps, check it against the limits, and run it into a Trace.

``compile_pipeline`` does every check and every weight layout once; ``Pipeline.run`` then only
does arithmetic. A Trace keeps every stage's output, its first entry being the input itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import ops
from .errors import EngineError
from .limits import Limits
from .ops import Array
from .spec import (
    ConvStage,
    DenseStage,
    FlattenStage,
    MagnitudeStage,
    PipelineSpec,
    PoolStage,
    ReluStage,
    RepeatStage,
    SoftmaxStage,
    VoteStage,
)
from .steps import (
    ConvStep,
    DenseStep,
    FlattenStep,
    MagnitudeStep,
    PoolStep,
    ReluStep,
    Shape,
    SoftmaxStep,
    Step,
    VoteStep,
)
from .trace import StageOutput, Trace

F32 = np.float32


@dataclass(frozen=True, eq=False)
class Pipeline:
    spec: PipelineSpec
    limits: Limits
    input_shape: Shape
    input_labels: tuple[str, ...]
    steps: tuple[Step, ...]

    @property
    def macs(self) -> int:
        return sum(step.macs for step in self.steps)

    def check_input(self, image: Any) -> Array:
        """The image as float32 (C, H, W), or EngineError if it does not fit this pipeline."""
        arr = np.asarray(image, dtype=F32)
        if arr.ndim == 2 and len(self.input_shape) == 3 and self.input_shape[0] == 1:
            arr = arr[None]
        if arr.size == 0:
            raise EngineError("image", "the image is empty")
        if arr.shape != self.input_shape:
            raise EngineError("image", f"expected shape {self.input_shape}, got {arr.shape}")
        if not np.isfinite(arr).all():
            raise EngineError("image", "contains NaN or infinite values")
        return arr

    def run(self, image: Any) -> Trace:
        x = self.check_input(image)
        outputs = [StageOutput(0, "input", "input", x, self.input_labels)]
        for i, step in enumerate(self.steps, start=1):
            x = step.forward(x)
            outputs.append(StageOutput(i, step.name, step.kind, x, step.labels))
        return Trace(self, tuple(outputs))


def run(spec: PipelineSpec, image: Any, limits: Limits | None = None) -> Trace:
    """Run ``spec`` on a normalised image (C, H, W), or (H, W) for grey: every stage kept."""
    return compile_pipeline(spec, limits).run(image)


def compile_pipeline(spec: PipelineSpec, limits: Limits | None = None) -> Pipeline:
    """Check ``spec`` against ``limits`` and lay out its weights; EngineError on any problem."""
    limits = limits or Limits()
    h, w = spec.input.size
    if max(h, w) > limits.max_input_side:
        raise EngineError(
            "input.size",
            f"{h}x{w} is larger than the limit of {limits.max_input_side} per side",
            limits.max_input_side,
        )
    input_shape: Shape = (spec.input.channels, h, w)
    input_labels = _input_labels(spec)
    shape, labels = input_shape, input_labels
    steps: list[Step] = []
    counts: dict[str, int] = {}
    for path, stage in _expand(spec, limits):
        if len(steps) == limits.max_stages:
            raise EngineError("stages", f"more than {limits.max_stages} stages", limits.max_stages)
        name = stage.name or _auto_name(stage.kind, counts)
        try:
            step = _compile_stage(stage, name, path, shape, labels, limits)
        except EngineError as exc:
            raise EngineError(f"{path}.{exc.field}", exc.message, exc.limit) from None
        steps.append(step)
        shape, labels = step.out_shape, step.labels
    names = [s.name for s in steps]
    duplicate = next((n for n in names if names.count(n) > 1 or n == "input"), None)
    if duplicate is not None:
        raise EngineError("stages", f"two stages are named {duplicate!r}; names must be unique")
    pipeline = Pipeline(spec, limits, input_shape, input_labels, tuple(steps))
    if pipeline.macs > limits.max_macs:
        raise EngineError(
            "stages",
            f"needs {pipeline.macs:,} multiply-adds, more than the budget of {limits.max_macs:,}",
            limits.max_macs,
        )
    return pipeline


def _input_labels(spec: PipelineSpec) -> tuple[str, ...]:
    return ("R", "G", "B") if spec.input.mode == "rgb" else ("gray",)


def _expand(spec: PipelineSpec, limits: Limits) -> Iterator[tuple[str, Any]]:
    """(path, stage) for every stage, repeat blocks unrolled; repeated names get '.1', '.2'..."""
    for i, stage in enumerate(spec.stages):
        if not isinstance(stage, RepeatStage):
            yield f"stages[{i}]", stage
            continue
        if stage.times > limits.max_repeat:
            raise EngineError(
                f"stages[{i}].times",
                f"repeats {stage.times} times, more than the limit of {limits.max_repeat}",
                limits.max_repeat,
            )
        for t in range(1, stage.times + 1):
            for j, inner in enumerate(stage.stages):
                renamed = inner
                if inner.name and stage.times > 1:
                    renamed = inner.model_copy(update={"name": f"{inner.name}.{t}"})
                yield f"stages[{i}].stages[{j}]", renamed


def _auto_name(kind: str, counts: dict[str, int]) -> str:
    counts[kind] = counts.get(kind, 0) + 1
    if kind in ("flatten", "softmax", "vote") and counts[kind] == 1:
        return kind
    return f"{kind}{counts[kind]}"


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


def _compile_stage(
    stage: Any, name: str, path: str, shape: Shape, labels: tuple[str, ...], limits: Limits
) -> Step:
    common = {"name": name, "kind": stage.kind, "path": path, "in_shape": shape}
    if isinstance(stage, ConvStage):
        return _compile_conv(stage, common, shape, limits)
    if isinstance(stage, PoolStage):
        return _compile_pool(stage, common, shape, labels, limits)
    if isinstance(stage, ReluStage):
        return ReluStep(
            **common, out_shape=shape, labels=labels, macs=int(np.prod(shape)),
            zeros=np.zeros(shape, F32),
        )  # fmt: skip
    if isinstance(stage, MagnitudeStage):
        c, h, w = _need_maps(shape, "magnitude")
        return MagnitudeStep(**common, out_shape=(1, h, w), labels=("magnitude",), macs=c * h * w)
    if isinstance(stage, FlattenStage):
        c, h, w = _need_maps(shape, "flatten")
        return FlattenStep(**common, out_shape=(c * h * w,), labels=(), macs=0)
    if isinstance(stage, DenseStage):
        n = _need_vector(shape, "dense")
        weight = np.asarray(stage.weights, F32)
        if weight.shape[1] != n:
            raise EngineError(
                "weights", f"rows need {n} values (the input size), not {weight.shape[1]}"
            )
        _check_weights(weight, "weights", limits)
        bias = None if stage.bias is None else np.asarray(stage.bias, F32)
        if bias is not None:
            _check_weights(bias, "bias", limits)
        out_labels = tuple(stage.classes) if stage.classes else ()
        return DenseStep(
            **common, out_shape=(weight.shape[0],), labels=out_labels, macs=weight.size,
            weight=weight, bias=bias,
        )  # fmt: skip
    if isinstance(stage, SoftmaxStage):
        n = _need_vector(shape, "softmax")
        return SoftmaxStep(**common, out_shape=shape, labels=labels, macs=n)
    if isinstance(stage, VoteStage):
        n = _need_vector(shape, "vote")
        templates = np.asarray(stage.templates, F32)
        if templates.shape[1] != n:
            raise EngineError(
                "templates", f"need {n} values each (the input size), not {templates.shape[1]}"
            )
        _check_weights(templates, "templates", limits)
        return VoteStep(
            **common, out_shape=(templates.shape[0],), labels=tuple(stage.classes),
            macs=templates.size, templates=templates, matrix=ops.vote_matrix(templates),
        )  # fmt: skip
    raise EngineError("kind", f"unknown stage kind {stage.kind!r}")  # pragma: no cover


def _compile_conv(stage: ConvStage, common: dict[str, Any], shape: Shape, limits: Limits) -> Step:
    c, h, w = _need_maps(shape, "conv")
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
            grid = np.broadcast_to(grid, (c, *grid.shape))
        elif grid.shape[0] != c:
            raise EngineError(f"kernels[{k}]", f"has {grid.shape[0]} channels, the input has {c}")
        kh, kw = grid.shape[1:]
        if max(kh, kw) > limits.max_kernel_size:
            raise EngineError(
                f"kernels[{k}]",
                f"is {kh}x{kw}, larger than the limit of {limits.max_kernel_size}",
                limits.max_kernel_size,
            )
        if grids and grid.shape != grids[0].shape:
            raise EngineError(f"kernels[{k}]", "all kernels of one stage must have the same size")
        _check_weights(grid, f"kernels[{k}]", limits)
        grids.append(grid)
    weight = np.ascontiguousarray(np.stack(grids))
    bias = None if stage.bias is None else np.asarray(stage.bias, F32)
    if bias is not None:
        _check_weights(bias, "bias", limits)
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
        **common, out_shape=(len(kernels), ho, wo), labels=tuple(k.name for k in kernels),
        macs=weight.size * ho * wo, weight=weight, layout=layout, mean=stage.mean,
    )  # fmt: skip


def _compile_pool(
    stage: PoolStage, common: dict[str, Any], shape: Shape, labels: tuple[str, ...], limits: Limits
) -> Step:
    c, h, w = _need_maps(shape, "pool")
    size = stage.kernel_size if isinstance(stage.kernel_size, int) else tuple(stage.kernel_size)
    stride = (
        stage.stride
        if stage.stride is None or isinstance(stage.stride, int)
        else tuple(stage.stride)
    )
    padding = stage.padding if isinstance(stage.padding, int) else tuple(stage.padding)
    g = ops.pool_geometry(h, w, size, stride, padding, stage.ceil_mode)  # type: ignore[arg-type]
    if max(g.kh, g.kw) > limits.max_kernel_size:
        raise EngineError(
            "kernel_size",
            f"window {g.kh}x{g.kw} is larger than the limit of {limits.max_kernel_size}",
            limits.max_kernel_size,
        )
    divisors = None if stage.op == "max" else ops.avg_pool_divisors(h, w, g, True)
    return PoolStep(
        **common, out_shape=(c, g.ho, g.wo), labels=labels, macs=c * g.ho * g.wo * g.kh * g.kw,
        op=stage.op, geometry=g, divisors=divisors,
    )  # fmt: skip
