"""'Build your own' pipelines: the home page's tweak fields turned into a PipelineSpec, and the
kernel editor's grid."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, field_validator

from ..engine import EngineError, PipelineSpec, compile_pipeline, get_preset, parse_spec
from ..engine.banks import BANKS as KERNEL_BANKS
from ..engine.banks import KERNELS

KERNEL_SIDES = range(3, 8)
INPUT_SIDES = (9, 28, 64, 128)
KERNEL_NAMES = tuple(KERNELS)
ACTIVATIONS = {"relu": "ReLU", "tanh": "tanh", "sigmoid": "sigmoid"}
"""The activation a block may use: stage kind -> its name on the page."""


class Tweaks(BaseModel):
    """The tweak fields, as typed. Each block is convolution -> activation -> pooling."""

    size: int = 28
    colour: bool = False
    values: Literal["ink_signed", "ink_unit", "brightness"] = "ink_signed"
    blocks: int = Field(1, ge=1, le=3)
    kernels: list[str] = Field(default_factory=list)
    own_kernel: bool = False
    ksize: int = Field(3, ge=min(KERNEL_SIDES), le=max(KERNEL_SIDES))
    k: list[str] = Field(default_factory=list)
    activation: Literal["relu", "tanh", "sigmoid"] = "relu"
    padding: Literal["valid", "same"] = "valid"
    mean: bool = False
    pool_op: Literal["max", "avg"] = "max"
    pool_size: int = Field(2, ge=1, le=4)
    pool_stride: int = Field(2, ge=1, le=4)
    edge: bool = False
    """Pool the edge too: a window that hangs over the map's edge still gives a value (the
    slides' 7x7 -> 4x4)."""
    pool_again: bool = False
    """One more pooling, the same, after the last block (the slides pool twice)."""
    vote: bool = False
    """End with the slides' X/O vote over the flattened pooled maps (when there are 12)."""

    @field_validator("size")
    @classmethod
    def _known_size(cls, value: int) -> int:
        if value not in INPUT_SIDES:
            raise ValueError(f"pick one of {', '.join(map(str, INPUT_SIDES))}")
        return value


def tweaks_from_fields(
    get: Callable[[str], str | None], getlist: Callable[[str], list[str]]
) -> Tweaks:
    """Read the tweak fields (``get`` one value, ``getlist`` all of a name, as a form gives
    them); EngineError naming the field when one is out of range."""
    fields = (
        "size", "values", "blocks", "ksize", "activation", "padding", "pool_op", "pool_size",
        "pool_stride",
    )  # fmt: skip
    data: dict[str, object] = {name: get(name) for name in fields if get(name) not in (None, "")}
    for flag in ("colour", "own_kernel", "mean", "edge", "pool_again", "vote"):
        data[flag] = get(flag) in ("on", "true", "1")
    data["kernels"] = getlist("kernels")
    data["k"] = getlist("k")
    try:
        return Tweaks.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(p) for p in first["loc"])
        raise EngineError(field, str(first["msg"]).lower()) from None


def spec_from_fields(
    get: Callable[[str], str | None], getlist: Callable[[str], list[str]]
) -> PipelineSpec:
    """The 'Build your own' pipeline from its form fields."""
    return build_spec(tweaks_from_fields(get, getlist))


def parse_kernel(cells: list[str], side: int) -> list[list[float]]:
    """The typed kernel, row by row; an empty cell is 0. EngineError for anything not a number."""
    if len(cells) != side * side:
        raise EngineError("kernel", f"a {side}x{side} kernel needs {side * side} numbers")
    rows: list[list[float]] = []
    for r in range(side):
        row = []
        for c in range(side):
            text = cells[r * side + c].strip().replace("\u2212", "-")
            try:
                value = float(text) if text else 0.0
            except ValueError:
                raise EngineError(
                    "kernel", f"row {r + 1}, column {c + 1}: {text[:20]!r} is not a number"
                ) from None
            if not math.isfinite(value):
                raise EngineError("kernel", f"row {r + 1}, column {c + 1} must be a finite number")
            row.append(value)
        rows.append(row)
    return rows


def build_spec(t: Tweaks) -> PipelineSpec:
    """The pipeline the tweaks describe (checked by the engine's own spec rules)."""
    unknown = [n for n in t.kernels if n not in KERNELS]
    if unknown:
        raise EngineError("kernels", f"unknown kernel {unknown[0]!r}")
    kernels: list[object] = list(t.kernels)
    if t.own_kernel:
        kernels.append({"name": "my kernel", "weights": parse_kernel(t.k, t.ksize)})
    if not kernels:
        raise EngineError("kernels", "pick at least one kernel, or use your own")
    pool = {"kind": "pool", "op": t.pool_op, "kernel_size": t.pool_size, "stride": t.pool_stride,
            "ceil_mode": t.edge}  # fmt: skip
    block = [
        {"kind": "conv", "kernels": kernels, "padding": t.padding, "mean": t.mean},
        {"kind": t.activation},
        pool,
    ]
    stages = block if t.blocks == 1 else [{"kind": "repeat", "times": t.blocks, "stages": block}]
    if t.pool_again:
        stages = [*stages, dict(pool)]
    mode = "rgb" if t.colour else "gray"
    spec = {"input": {"mode": mode, "size": [t.size, t.size], "values": t.values}, "stages": stages}
    if t.vote:
        spec["stages"] = [*stages, {"kind": "flatten"}, *_slides_vote(parse_spec(spec))]
    return parse_spec(spec)


def _slides_vote(blocks: PipelineSpec) -> list[dict[str, object]]:
    """The slides' vote stage, when the blocks end with as many values as its templates take;
    else EngineError saying what would fit."""
    vote = get_preset("seed-xo").spec.stages[-1]
    need = len(vote.templates[0])  # type: ignore[union-attr]
    made = compile_pipeline(blocks).steps[-1].out_shape
    if math.prod(made) != need:
        shape = "x".join(map(str, made[1:]))
        maps = f"{made[0]} map{'s' if made[0] != 1 else ''}"
        raise EngineError(
            "vote",
            f"takes {need} values (3 maps of 2x2, as in the slides), but these blocks end with "
            f"{maps} of {shape} = {math.prod(made)}. “Start from the slides” sets the slides' own "
            "pipeline: the three X/O kernels on a 9x9 input, pooled twice with the edge kept",
            where="The slides' X/O vote",
        )
    return [vote.model_dump(exclude_none=True)]


SLIDES = Tweaks(
    size=9, values="ink_signed", kernels=list(KERNEL_BANKS["xo-features"]), mean=True, edge=True,
    pool_again=True, vote=True,
)  # fmt: skip
"""The slides' own pipeline as the builder writes it: what "Start from the slides" loads."""


def form_fields(t: Tweaks) -> dict[str, object]:
    """The tweak fields as the form holds them: a value per field, a list for checkbox groups,
    True or False for a single checkbox (the page's "Start from the slides" sets these)."""
    fields = t.model_dump(exclude={"k", "ksize"})
    return {name: (str(v) if isinstance(v, int) and not isinstance(v, bool) else v)
            for name, v in fields.items()}  # fmt: skip


def kernel_grid(side: int, start: str = "") -> list[list[float]]:
    """The kernel editor's grid: ``side`` x ``side``, a named kernel centred in it, else zeros."""
    grid = [[0.0] * side for _ in range(side)]
    named = KERNELS.get(start)
    if named is not None:
        offset = (side - len(named)) // 2
        for r, row in enumerate(named):
            for c, value in enumerate(row):
                if 0 <= r + offset < side and 0 <= c + offset < side:
                    grid[r + offset][c + offset] = value
    return grid
