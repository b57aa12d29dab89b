"""The numbers a learner types into a chapter, as its URL carries them: chapter 7's Sobel kernel
(9) and chapter 11's vector (the 12 values the slides' vote takes)."""

from __future__ import annotations

from ...engine import EngineError

VOTE_SIZE = 12
"""The slides' vote takes 12 values: three pooled 2x2 maps."""
KERNEL_SIZE = 9
"""A 3x3 kernel, row by row."""


def parse_vector(text: str, size: int = VOTE_SIZE, field: str = "v") -> tuple[float, ...]:
    """'0.9,0.65,...': ``size`` numbers, each from -9 to 9; EngineError (a 422) naming the
    ``field`` and saying what is wrong."""
    parts = text.split(",")
    wanted = f"{size} numbers, comma-separated"
    if len(parts) != size:
        raise EngineError(field, f"this takes {wanted}")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise EngineError(field, f"this takes {wanted}") from None
    if not all(-9 <= v <= 9 for v in values):  # also refuses nan
        raise EngineError(field, f"each of the {size} values is a number from -9 to 9")
    return values
