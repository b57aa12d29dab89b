"""Every preset the app offers: the engine's hand-made ones, and the learned letters network when
its trained weights are in the package."""

from __future__ import annotations

from functools import cache
from types import MappingProxyType

from .engine import EngineError
from .engine.presets import PRESETS, Preset
from .letters.model import to_spec
from .letters.train import load

LETTERS = "letters"


@cache
def presets() -> MappingProxyType[str, Preset]:
    found = dict(PRESETS)
    params = load()
    if params is not None:
        found[LETTERS] = Preset(
            LETTERS,
            "Letters and digits (learned)",
            "A small network trained here, with this engine, on letters and digits made from "
            "fonts and pen strokes: the ink is centred in 28x28, two blocks of convolution, ReLU "
            "and max pooling find its parts, and a dense layer scores A to Z and 0 to 9.",
            to_spec(params),
        )
    return MappingProxyType(found)


def get_preset(name: str) -> Preset:
    """The preset called ``name``, or EngineError listing the known ones."""
    try:
        return presets()[name]
    except KeyError:
        known = ", ".join(presets())
        raise EngineError("preset", f"unknown preset {name!r} (known: {known})") from None


@cache
def preset_canonical_json(name: str) -> bytes:
    """A preset's canonical spec bytes, worked out once (a learned spec is large)."""
    return get_preset(name).spec.canonical_json()
