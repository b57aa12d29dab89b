"""Every preset the app offers: the engine's hand-made ones, and the learned letters network when
its trained weights are in the package; and the pipeline a request asks for."""

from __future__ import annotations

from functools import cache
from types import MappingProxyType

from ..engine import EngineError, PipelineSpec, parse_spec
from ..engine.presets import PRESETS, Preset
from ..letters.weights import CLASSES, to_spec, trained

LETTERS = "letters"
DIGITS = "digits"
CAPITALS = "capitals"
DEFAULT_PRESET = "seed-xo"
ABOUT = (
    "A small network trained here, with this engine, on letters and digits made from fonts and "
    "pen strokes and on 4,000 real handwritten digits (MNIST): the ink is centred in 28x28, two "
    "blocks of convolution, ReLU and max pooling find its parts, and a dense layer scores "
)
LEARNED = (
    (LETTERS, "Letters and digits (learned)", "A to Z and 0 to 9.", "".join(CLASSES)),
    (DIGITS, "Digits (learned)", "The same network, scoring 0 to 9 only.", "0123456789"),
    (CAPITALS, "Capitals (learned)", "The same network, scoring A to Z only.",
     "ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
)  # fmt: skip
"""The learned presets: one set of trained weights, each scoring only its own classes."""


@cache
def all_presets() -> MappingProxyType[str, Preset]:
    """Every preset by name: the engine's, then the learned ones (once the weights exist)."""
    found = dict(PRESETS)
    params = trained()
    if params is not None:
        for name, title, scores, classes in LEARNED:
            about = ABOUT + scores if name == LETTERS else scores  # said once, not three times
            found[name] = Preset(name, title, about, to_spec(params, classes))
    return MappingProxyType(found)


def drawing_presets() -> list[Preset]:
    """The learned presets, for "What are you drawing?" (none before the first training)."""
    return [all_presets()[name] for name, *_ in LEARNED if name in all_presets()]


def find_preset(name: str) -> Preset:
    """The preset called ``name`` (learned ones included), or EngineError listing them."""
    try:
        return all_presets()[name]
    except KeyError:
        known = ", ".join(all_presets())
        raise EngineError("preset", f"unknown preset {name!r} (known: {known})") from None


@cache
def preset_bytes(name: str) -> bytes:
    """A preset's canonical spec bytes, worked out once (a learned spec is large)."""
    return find_preset(name).spec.canonical_json()


def canonical_bytes(spec: PipelineSpec) -> bytes:
    """A spec's canonical bytes; a preset's are worked out once and kept."""
    for name, preset in all_presets().items():
        if spec is preset.spec:
            return preset_bytes(name)
    return spec.canonical_json()


def resolve_spec(preset: str | None, spec_json: str | None) -> PipelineSpec:
    """The pipeline a request names: a spec as JSON, else a preset (the slides' by default)."""
    if spec_json:
        return parse_spec(spec_json)
    return find_preset(preset or DEFAULT_PRESET).spec
