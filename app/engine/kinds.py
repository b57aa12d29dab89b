"""Every kind of stage in one registry: how it compiles, how one of its cells is explained, how
its receptive field passes through it, and what it does in words.

The stage specs' one union (``spec.LayerStage``) says which kinds exist; ``KINDS`` has one entry
for each of them (checked at import). ``cell.explain`` and ``cell.receptive_field`` read only this
table; ``register`` adds a kind from outside.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import compile as build
from . import explanations as why
from .explanations import Explanation, Head, Where
from .spec import LAYER_KINDS, add_stage_spec, remove_stage_spec
from .steps import ConvStep, PoolStep, Step

Window = tuple[int, int, int, int, int, int]
"""How a stage's output cell (y, x) reads its input, as (kh, kw, sh, sw, ph, pw): rows
y*sh - ph to y*sh - ph + kh - 1, columns likewise (a pooling geometry's first six fields)."""

POINTWISE: Window = (1, 1, 1, 1, 0, 0)
"""Each output cell reads the input cell at its own place."""


def _conv_window(step: Step) -> Window | None:
    assert isinstance(step, ConvStep)
    lay = step.layout
    return lay.kh, lay.kw, lay.sh, lay.sw, lay.pads[0], lay.pads[2]


def _pool_window(step: Step) -> Window | None:
    assert isinstance(step, PoolStep)
    g = step.geometry
    return g.kh, g.kw, g.sh, g.sw, g.ph, g.pw


def _pad_words(step: ConvStep) -> str:
    top, bottom, left, right = step.layout.pads
    if not any(step.layout.pads):
        return "valid padding (no border: the map shrinks)"
    if step.in_shape[1:] == step.out_shape[1:]:
        return "same padding (a border of zeros keeps the size)"
    return f"{max(top, bottom, left, right)} pixels of zero padding"


def _conv_how(step: Step) -> str:
    assert isinstance(step, ConvStep)
    k, c, kh, kw = step.weight.shape
    lay = step.layout
    stride = f"stride {lay.sh}" if lay.sh == lay.sw else f"stride {lay.sh}x{lay.sw}"
    divide = f"each sum divided by {c * kh * kw}, the number of pixels under the kernel"
    if not step.mean:
        divide = "sums not divided"
    return (
        f"Cross-correlation (each kernel laid on the picture as written, not flipped): "
        f"{k} kernel{'s' if k > 1 else ''} of {kh}x{kw}, {stride}, {_pad_words(step)}, {divide}."
    )


def _pool_how(step: Step) -> str:
    assert isinstance(step, PoolStep)
    g = step.geometry
    what = "largest value" if step.op == "max" else "average"
    return f"Keeps the {what} of each {g.kh}x{g.kw} window, moving {g.sh} cell(s) at a time."


@dataclass(frozen=True)
class StageKind:
    kind: str
    compile: Callable[[Any, build.Context], Step]
    explain: Callable[[Step, why.F64, Head, Where], Explanation]
    window: Callable[[Step], Window | None]
    """How the receptive field passes through; None: every output reads the whole input."""
    about: str
    """What the stage does, in a sentence or two, for people."""
    how: Callable[[Step], str] | None = None
    """How this particular stage computes (sizes, padding, stride), when there is more to say."""


def _pointwise(step: Step) -> Window | None:
    return POINTWISE


def _whole(step: Step) -> Window | None:
    return None


KINDS: dict[str, StageKind] = {
    k.kind: k
    for k in [
        StageKind(
            "conv", build.compile_conv, why.explain_conv, _conv_window,
            "Each kernel slides over the picture. At every position we line it up, multiply the "
            "pixels under it by its weights, add the products up and (if asked) divide by how "
            "many there are. High values are where the picture looks like the kernel.",
            _conv_how,
        ),
        StageKind(
            "relu", build.compile_relu, why.explain_relu, _pointwise,
            "ReLU keeps positive values and turns every negative one into 0, so only the places "
            "where a feature was found carry on.",
        ),
        StageKind(
            "tanh", build.compile_tanh, why.explain_tanh, _pointwise,
            "tanh squashes every value into the range -1 to 1: small values pass almost "
            "unchanged, large ones level off near 1 (or -1 if negative). Signs are kept.",
        ),
        StageKind(
            "sigmoid", build.compile_sigmoid, why.explain_sigmoid, _pointwise,
            "The sigmoid squashes every value into the range 0 to 1: 0 becomes 0.5, large "
            "positive values come close to 1 and large negative ones close to 0.",
        ),
        StageKind(
            "pool", build.compile_pool, why.explain_pool, _pool_window,
            "Pooling shrinks each map: a small window walks across it in steps and keeps only "
            "the largest value (or the average) it sees. The feature survives even if it moved "
            "a little.",
            _pool_how,
        ),
        StageKind(
            "magnitude", build.compile_magnitude, why.explain_magnitude, _pointwise,
            "Combine the maps cell by cell into one: the square root of the sum of squares. "
            "With Sobel Gx and Gy this is how strong the edge is, whatever its direction.",
        ),
        StageKind(
            "flatten", build.compile_flatten, why.explain_flatten, _whole,
            "The small maps are laid end to end as one list of numbers, map by map and row by "
            "row, ready for the final layers.",
        ),
        StageKind(
            "dense", build.compile_dense, why.explain_dense, _whole,
            "Every output is a weighted sum of every input: each class has its own weights.",
        ),
        StageKind(
            "softmax", build.compile_softmax, why.explain_softmax, _whole,
            "Softmax turns the scores into probabilities that add up to 1.",
        ),
        StageKind(
            "vote", build.compile_vote, why.explain_vote, _whole,
            "Each class has a template. Its score is the average of the values at the positions "
            "where its template is strongest; the higher score wins.",
        ),
    ]
}  # fmt: skip

if set(KINDS) != set(LAYER_KINDS):  # pragma: no cover - a new spec kind without its entry
    raise RuntimeError(f"stage kinds without a registry entry: {set(LAYER_KINDS) ^ set(KINDS)}")


def register(kind: StageKind, spec: type[Any]) -> None:
    """Add a kind of stage: its entry here and its spec model (a pydantic model of the stage's
    fields with a ``kind`` Literal), so pipelines can name it. For a kind outside the engine's
    own, e.g. one a test defines; the engine's own are listed above."""
    add_stage_spec(spec)
    KINDS[kind.kind] = kind


def unregister(kind: str) -> None:
    """Take back a kind that ``register`` added."""
    remove_stage_spec(kind)
    del KINDS[kind]
