"""Chapter 11's vector: the 12 values the slides' vote takes, as the learner types them."""

from __future__ import annotations

from ...engine import EngineError

VOTE_SIZE = 12
"""The slides' vote takes 12 values: three pooled 2x2 maps."""


def parse_vector(text: str) -> tuple[float, ...]:
    """'0.9,0.65,...': the 12 numbers the vote takes, each from -9 to 9; EngineError (a 422)
    saying what is wrong."""
    parts = text.split(",")
    if len(parts) != VOTE_SIZE:
        raise EngineError("v", f"the vote takes {VOTE_SIZE} numbers, comma-separated")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise EngineError("v", f"the vote takes {VOTE_SIZE} numbers, comma-separated") from None
    if not all(-9 <= v <= 9 for v in values):  # also refuses nan
        raise EngineError("v", "each of the 12 values is a number from -9 to 9")
    return values
