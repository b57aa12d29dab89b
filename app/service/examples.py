"""The examples a person can pick, and the demos the gallery features."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ..engine import EngineError
from ..resources import resource_dir


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    filename: str
    preset: str
    """The preset the example is made for; any other can be chosen."""

    @property
    def data(self) -> bytes:
        return _example_bytes(self.filename)


@cache
def _example_bytes(filename: str) -> bytes:
    return (resource_dir("static") / "examples" / filename).read_bytes()


EXAMPLES: dict[str, Example] = {
    e.name: e
    for e in [
        Example("x", "The slides' X", "x.png", "seed-xo"),
        Example("o", "An O", "o.png", "seed-xo"),
        Example("x-shifted", "The X, one pixel to the right", "x-shifted.png", "seed-xo"),
        Example("x-rotated", "An X, turned 25 degrees", "x-rotated.png", "seed-xo"),
        Example("letter-a", "A drawn letter A", "letter-a.png", "letters"),
        Example("photo", "A photo, for edges", "photo.jpg", "sobel-edges"),
    ]
}


FEATURED = [
    ("x", "seed-xo", "The slides' X", "Three 3x3 features, ReLU, pooling twice, and the vote."),
    ("o", "seed-xo", "An O through the X detector", "The same features find much less here."),
    ("photo", "sobel-edges", "Edges in a photo", "Sobel Gx and Gy, and the edge strength."),
    ("letter-a", "letters", "A drawn A", "The learned network: its filters, maps and top guesses."),
    (
        "x-rotated",
        "letters",
        "A turned X",
        "Rotated 25 degrees, still an X to the learned network.",
    ),
]
"""(example, preset, title, description) of each demo in the gallery."""


def example_named(name: str | None) -> Example:
    """The example called ``name``: EngineError (a 422) for none, or one not known."""
    if not name:
        raise EngineError("image", "choose an example, draw something or upload a picture")
    if name not in EXAMPLES:
        raise EngineError("example", f"unknown example {name!r} (known: {', '.join(EXAMPLES)})")
    return EXAMPLES[name]
