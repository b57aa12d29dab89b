"""The declarative pipeline spec: pydantic models that round-trip through JSON.

A spec names the input (grey or colour, the size to normalise to, what the values mean) and the
stages in order. ``canonical_json`` writes the one canonical form of a spec: banks and named
kernels written out as weights, every default filled in, keys sorted, no spaces. Two specs that
describe the same pipeline give the same bytes, so the bytes can be hashed into an id.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal, Union, get_args

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .banks import BANKS, KERNELS
from .errors import EngineError, in_words

Finite = Annotated[float, Field(allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.\- ]+$")]
Label = Annotated[str, Field(min_length=1, max_length=20)]
Side = Annotated[int, Field(ge=1)]
Step = Annotated[int, Field(ge=1)]
Pad = Annotated[int, Field(ge=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_rectangular(values: Any, what: str) -> tuple[int, ...]:
    """Shape of a nested list, or ValueError if it is ragged or empty."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except ValueError:
        raise ValueError(f"{what} is ragged: every row must have the same length") from None
    if arr.dtype == object or 0 in arr.shape:
        raise ValueError(f"{what} is ragged or empty")
    return tuple(arr.shape)


class Kernel(_Model):
    """One kernel: (kh, kw) rows applied to every input channel, or (C, kh, kw) per channel."""

    name: Name
    weights: list[list[Finite]] | list[list[list[Finite]]]

    @field_validator("weights")
    @classmethod
    def _rectangular(cls, value: Any) -> Any:
        _check_rectangular(value, "kernel")
        return value


KernelRef = Annotated[str, Field(min_length=1, max_length=40)]


def _known_reference(value: str) -> str:
    if value not in KERNELS and value not in BANKS:
        known = ", ".join([*BANKS, *KERNELS])
        raise ValueError(f"unknown kernel or bank {value!r} (known: {known})")
    return value


class ConvStage(_Model):
    """Slide each kernel over the input: line up, multiply, add (and divide, with ``mean``)."""

    kind: Literal["conv"] = "conv"
    name: Name | None = None
    kernels: KernelRef | list[KernelRef | Kernel] = Field(
        description="a bank or kernel name, or a list of kernel names and explicit kernels"
    )
    bias: list[Finite] | None = None
    stride: Step | tuple[Step, Step] = 1
    padding: Pad | tuple[Pad, Pad] | Literal["valid", "same"] = 0
    mean: bool = Field(False, description="divide each sum by the number of pixels in the kernel")

    @field_validator("kernels")
    @classmethod
    def _known(cls, value: Any) -> Any:
        if isinstance(value, str):
            return _known_reference(value)
        if not value:
            raise ValueError("at least one kernel is needed")
        for item in value:
            if isinstance(item, str):
                _known_reference(item)
        return value

    def resolved_kernels(self) -> list[Kernel]:
        """The kernels written out: bank and kernel names replaced by their weights."""
        refs = [self.kernels] if isinstance(self.kernels, str) else self.kernels
        out: list[Kernel] = []
        for ref in refs:
            if isinstance(ref, Kernel):
                out.append(ref)
            elif ref in BANKS:
                out.extend(
                    Kernel(name=n, weights=[list(r) for r in KERNELS[n]]) for n in BANKS[ref]
                )
            else:
                out.append(Kernel(name=ref, weights=[list(r) for r in KERNELS[ref]]))
        return out


class ReluStage(_Model):
    kind: Literal["relu"] = "relu"
    name: Name | None = None


class PoolStage(_Model):
    kind: Literal["pool"] = "pool"
    name: Name | None = None
    op: Literal["max", "avg"] = "max"
    kernel_size: Side | tuple[Side, Side] = 2
    stride: Step | tuple[Step, Step] | None = None
    padding: Pad | tuple[Pad, Pad] = 0
    ceil_mode: bool = False


class MagnitudeStage(_Model):
    """sqrt of the sum of squares across channels: Sobel Gx, Gy -> gradient magnitude."""

    kind: Literal["magnitude"] = "magnitude"
    name: Name | None = None


class FlattenStage(_Model):
    kind: Literal["flatten"] = "flatten"
    name: Name | None = None


class DenseStage(_Model):
    kind: Literal["dense"] = "dense"
    name: Name | None = None
    weights: list[list[Finite]] = Field(description="(out, in)")
    bias: list[Finite] | None = None
    classes: list[Label] | None = Field(None, description="one label per output, if it predicts")

    @model_validator(mode="after")
    def _shapes(self) -> DenseStage:
        out, _ = _check_rectangular(self.weights, "weights")
        if self.bias is not None and len(self.bias) != out:
            raise ValueError(f"bias needs {out} values, one per output row")
        if self.classes is not None and len(self.classes) != out:
            raise ValueError(f"classes needs {out} labels, one per output row")
        return self


class SoftmaxStage(_Model):
    kind: Literal["softmax"] = "softmax"
    name: Name | None = None


class VoteStage(_Model):
    """The slides' vote: a class scores the mean of the inputs where its template is strongest."""

    kind: Literal["vote"] = "vote"
    name: Name | None = None
    classes: list[Label] = Field(min_length=1)
    templates: list[list[Finite]]

    @model_validator(mode="after")
    def _shapes(self) -> VoteStage:
        rows, _ = _check_rectangular(self.templates, "templates")
        if rows != len(self.classes):
            raise ValueError(f"{len(self.classes)} classes need {len(self.classes)} templates")
        return self


class TanhStage(_Model):
    """tanh of every value: squashes it into (-1, 1), keeping its sign."""

    kind: Literal["tanh"] = "tanh"
    name: Name | None = None


class SigmoidStage(_Model):
    """The logistic sigmoid of every value: squashes it into (0, 1)."""

    kind: Literal["sigmoid"] = "sigmoid"
    name: Name | None = None


LayerStage = Annotated[
    ConvStage
    | ReluStage
    | TanhStage
    | SigmoidStage
    | PoolStage
    | MagnitudeStage
    | FlattenStage
    | DenseStage
    | SoftmaxStage
    | VoteStage,
    Field(discriminator="kind"),
]
"""The one union of stage specs: every kind a pipeline can run. A new kind is added here (and in
``kinds.KINDS``, which says how it compiles, explains and is described)."""

LAYER_STAGES: list[type[BaseModel]] = list(get_args(get_args(LayerStage)[0]))
LAYER_KINDS: list[str] = [str(m.model_fields["kind"].default) for m in LAYER_STAGES]


class RepeatStage(_Model):
    """A block of stages run ``times`` times in a row (the slides' 'stacking up the layers')."""

    kind: Literal["repeat"] = "repeat"
    times: Annotated[int, Field(ge=1)]
    stages: list[LayerStage] = Field(min_length=1)


Stage = Annotated[LayerStage | RepeatStage, Field(discriminator="kind")]


class InputSpec(_Model):
    """What the first stage holds: the picture normalised to ``size``.

    values: ``ink_signed`` puts ink at +1 and paper at -1 (the slides), ``ink_unit`` ink at 1 and
    paper at 0, ``brightness`` light at 1 and dark at 0 (photos). Ink is dark strokes on light
    paper; a light-on-dark picture is inverted first.

    fit: ``picture`` scales the whole picture to fit ``size``, centred, padded with paper;
    ``ink`` (ink modes only) crops to the ink, scales its longer side to 20/28 of the size keeping
    the aspect ratio, and centres it by its centre of mass, as the MNIST digits were made.
    """

    mode: Literal["gray", "rgb"] = "gray"
    size: tuple[Side, Side] = Field(description="(height, width)")
    values: Literal["ink_signed", "ink_unit", "brightness"] = "brightness"
    fit: Literal["picture", "ink"] = "picture"

    @model_validator(mode="after")
    def _ink_to_fit(self) -> InputSpec:
        if self.fit == "ink" and self.values == "brightness":
            raise ValueError("fit 'ink' needs an ink mode for values (ink_unit or ink_signed)")
        return self

    @property
    def channels(self) -> int:
        return 3 if self.mode == "rgb" else 1


class PipelineSpec(_Model):
    version: Literal[1] = 1
    input: InputSpec
    stages: list[Stage] = Field(min_length=1)

    def canonical(self) -> PipelineSpec:
        """The same pipeline with every bank and kernel name written out as weights."""

        def expand(stage: Any) -> Any:
            if isinstance(stage, ConvStage):
                return stage.model_copy(update={"kernels": stage.resolved_kernels()})
            if isinstance(stage, RepeatStage):
                return stage.model_copy(update={"stages": [expand(s) for s in stage.stages]})
            return stage

        return self.model_copy(update={"stages": [expand(s) for s in self.stages]})

    def canonical_json(self) -> bytes:
        """The canonical bytes: equal pipelines give equal bytes."""
        data = _no_negative_zero(self.canonical().model_dump(mode="json"))
        return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def add_stage_spec(model: type[BaseModel]) -> None:
    """Let pipelines name another kind of stage: ``model`` is its spec (a pydantic model whose
    ``kind`` field is a Literal). Rebuilds the stage unions of repeat blocks and pipelines."""
    LAYER_STAGES.append(model)
    LAYER_KINDS.append(str(model.model_fields["kind"].default))
    _rebuild_unions()


def remove_stage_spec(kind: str) -> None:
    """Take back a kind ``add_stage_spec`` added."""
    index = LAYER_KINDS.index(kind)
    del LAYER_STAGES[index], LAYER_KINDS[index]
    _KINDS.discard(kind)
    _rebuild_unions()


def _rebuild_unions() -> None:
    _KINDS.update(LAYER_KINDS)
    union: Any = Union  # a union of the models registered now, built at run time
    layer: Any = Annotated[union[tuple(LAYER_STAGES)], Field(discriminator="kind")]
    every: Any = Annotated[union[(*LAYER_STAGES, RepeatStage)], Field(discriminator="kind")]
    for model, stages in ((RepeatStage, layer), (PipelineSpec, every)):
        model.model_fields["stages"].annotation = list[stages]  # type: ignore[valid-type]
        model.model_rebuild(force=True)


def _no_negative_zero(value: Any) -> Any:
    if isinstance(value, float):
        return value + 0.0
    if isinstance(value, list):
        return [_no_negative_zero(v) for v in value]
    if isinstance(value, dict):
        return {k: _no_negative_zero(v) for k, v in value.items()}
    return value


_KINDS = {*LAYER_KINDS, "repeat"}
_UNION_BRANCH = re.compile(
    r"^(constrained-|list\[|tuple\[|union\[|literal\[|function-)|^(Kernel|int|str|float|bool)$"
)


def _field_path(loc: tuple[int | str, ...]) -> str:
    """('stages', 0, 'conv', 'stride', 'constrained-int') -> 'stages[0].stride'.

    Pydantic names the union branch it tried at each level; a person needs only the path.
    """
    path = ""
    previous: int | str | None = None
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not (_UNION_BRANCH.match(part) or (part in _KINDS and isinstance(previous, int))):
            path += f".{part}" if path else part
        previous = part
    return path or "spec"


def _as_engine_error(exc: ValidationError) -> EngineError:
    """The most specific of pydantic's errors (the deepest; the first of equals) as one line."""
    errors = exc.errors(include_url=False)
    deepest = max(len(e["loc"]) for e in errors)
    first = next(e for e in errors if len(e["loc"]) == deepest)
    msg = str(first["msg"]).removeprefix("Value error, ")
    field = _field_path(tuple(first["loc"]))
    return EngineError(field, msg, where=in_words(field).capitalize() if field != "spec" else None)


def parse_spec(data: str | bytes | dict[str, Any]) -> PipelineSpec:
    """A spec from JSON text or a dict, or EngineError naming the first bad field."""
    try:
        if isinstance(data, str | bytes):
            return PipelineSpec.model_validate_json(data)
        return PipelineSpec.model_validate(data)
    except ValidationError as exc:
        raise _as_engine_error(exc) from None
