"""Every preset the app offers: the engine's hand-made ones, and the learned letters network when
its trained weights are in the package."""

from __future__ import annotations

from functools import cache
from types import MappingProxyType

from .engine import EngineError
from .engine.presets import PRESETS, Preset
from .letters.data import CLASSES
from .letters.model import to_spec
from .letters.train import load

LETTERS = "letters"
DIGITS = "digits"
CAPITALS = "capitals"
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
def presets() -> MappingProxyType[str, Preset]:
    found = dict(PRESETS)
    params = load()
    if params is not None:
        for name, title, scores, classes in LEARNED:
            about = ABOUT + scores if name == LETTERS else scores  # said once, not three times
            found[name] = Preset(name, title, about, to_spec(params, classes))
    return MappingProxyType(found)


def drawing_presets() -> list[Preset]:
    """The learned presets, for "What are you drawing?" (none before the first training)."""
    return [presets()[name] for name, *_ in LEARNED if name in presets()]


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
