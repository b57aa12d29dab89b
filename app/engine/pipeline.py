"""Compile a spec into steps, check it against the limits, and run it into a Trace.

``compile_pipeline`` does every check and every weight layout once; ``Pipeline.run`` then only
does arithmetic. A Trace keeps every stage's output, its first entry being the input itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .compile import Context
from .errors import EngineError, in_words
from .kinds import KINDS
from .limits import Limits
from .ops import Array
from .spec import PipelineSpec, RepeatStage
from .steps import Shape, Step
from .trace import Trace

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

    @property
    def nbytes(self) -> int:
        """The arrays the compiled steps keep (weights, their layouts, scratch zeros)."""
        return sum(_array_bytes(vars(step)) for step in self.steps)

    def check_input(self, image: Any) -> Array:
        """The image as float32 (C, H, W), or EngineError if it does not fit this pipeline."""
        arr = np.asarray(image, dtype=F32)
        if arr.ndim == 2 and len(self.input_shape) == 3 and self.input_shape[0] == 1:
            arr = arr[None]
        if arr.size == 0:
            raise EngineError("image", "the image is empty")
        if arr.shape != self.input_shape:
            raise EngineError("image", f"expected shape {self.input_shape}, got {arr.shape}")
        if not np.isfinite(arr.sum()) and not np.isfinite(arr).all():  # one pass when finite
            raise EngineError("image", "contains NaN or infinite values")
        return arr

    def run(self, image: Any) -> Trace:
        x = self.check_input(image)
        outputs = [x]
        for step in self.steps:
            x = step.forward(x)
            outputs.append(x)
        return Trace(self, tuple(outputs))


def _array_bytes(value: Any) -> int:
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, dict):
        return sum(_array_bytes(v) for v in value.values())
    if isinstance(value, tuple):
        return sum(_array_bytes(v) for v in value)
    return 0


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
            step = KINDS[stage.kind].compile(stage, Context(name, path, shape, labels, limits))
        except EngineError as exc:
            where = stage_words(len(steps) + 1, stage, exc.field)
            raise EngineError(f"{path}.{exc.field}", exc.message, exc.limit, where) from None
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


def stage_words(number: int, stage: Any, field: str) -> str:
    """Where in stage ``number`` (as the pages number them) ``field`` is, in words: 'Stage 2
    (conv), kernel 3 (edge)'."""
    where = f"Stage {number} ({stage.kind})"
    if field in ("", "kind", "kernels", "kernel_size"):  # the message names the kernels or window
        return where
    kernel = re.fullmatch(r"kernels\[(\d+)\](.*)", field)
    if kernel and stage.kind == "conv":
        k = int(kernel.group(1))
        named = stage.resolved_kernels()
        name = f" ({named[k].name})" if k < len(named) and named[k].name else ""
        rest = in_words(kernel.group(2).lstrip(".")) if kernel.group(2) else ""
        return f"{where}, kernel {k + 1}{name}" + (f", {rest}" if rest else "")
    return f"{where}, {in_words(field)}"


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
