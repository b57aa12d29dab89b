"""Predict, then see: the question each chapter from 3 on asks before it shows its answer.

A question's right answer is worked out from the chapter's own data (the engine's numbers), never
written down; the other choices are plausible mistakes. Answers are not stored anywhere: the page
marks a choice right or wrong and opens the why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from ...engine import run
from ...engine.explanations import precise, slides_print
from ...engine.presets import get_preset
from ...engine.slides import slides_vote
from ...engine.trace import Prediction
from .moved import moved_x

Data = dict[str, Any]


@dataclass(frozen=True)
class Question:
    prompt: str
    choices: tuple[str, ...]
    answer: int
    """Which choice is right (its index)."""
    why: str
    """A short why, shown with the answer."""


def _count_choices(right: int, near: tuple[int, ...]) -> tuple[tuple[str, ...], int]:
    """Up to four counts, in order, the right one among them; (choices, its index)."""
    counts = sorted({right, *(n for n in near if n >= 0)})[:4]
    if right not in counts:
        counts = sorted([*counts[:3], right])
    return tuple(str(n) for n in counts), counts.index(right)


def x_or_o(data: Data) -> Question:
    shifted = data["renditions"][1]
    choices, answer = _count_choices(shifted.count, (1, 2, 9, shifted.count * 2))
    return Question(
        "The X moved one pixel to the right: how many of its 81 pixels differ from the slides' X?",
        choices, answer,
        "Every pixel of the X's strokes moves, so both where a stroke was "
        "and where it now is differ. To a pixel-by-pixel comparison it is a very different "
        "picture, though any person still sees the same X.",
    )  # fmt: skip


def features(data: Data) -> Question:
    spots = data["spots"][0]
    n = len(spots.where)
    choices, answer = _count_choices(n, (0, 1, 2, 3, 4))
    return Question(
        f"In how many places does feature 1 ({spots.name}) match the X exactly, all 9 pixels?",
        choices, answer,
        "The diagonal runs through the X from corner to corner, and the 3x3 feature fits "
        "wholly on it at each of those places.",
    )  # fmt: skip


def convolution(data: Data) -> Question:
    walk = data["walk"]
    centre = slides_print(float(walk.conv_map[3][3]))
    shown = tuple(sorted({"1.00", "0.55", "-0.11", centre}, key=float, reverse=True))
    agree = int((walk.conv_map[3][3] * 9 + 9) / 2 + 0.5)  # of 9 products, each 1 or -1
    return Question(
        "Feature 1 (diagonal down) on the window at the centre of the X, row 3, column 3: what "
        "will it give?",
        shown, shown.index(centre),
        f"{agree} of the window's 9 pixels agree with the feature and {9 - agree} do "
        f"not, so ({agree} - {9 - agree}) / 9, cut to two decimals as the slides do.",
    )  # fmt: skip


@cache
def one_pixel_right() -> Prediction:
    """The slides' network's vote on the X shifted one pixel right (it never changes)."""
    found = run(get_preset("seed-xo").spec, moved_x(1, 0, 0)[None].astype(np.float32)).prediction
    assert found is not None
    return found


def feature_map(data: Data) -> Question:
    right = one_pixel_right()
    labels = ("X", "O", "It cannot tell")
    return Question(
        "Shift the X one pixel to the right. What will the vote say?",
        labels, labels.index(right.label),
        "The features are found one place over, pooling keeps each map's largest "
        f"values wherever they sit, and the X still scores {precise(right.scores['X'])} against "
        f"the O's {precise(right.scores['O'])}.",
    )  # fmt: skip


def edges(data: Data) -> Question:
    return Question(
        "Where will the edge maps be brightest?",
        ("Where brightness changes: outlines", "In large even areas", "Everywhere the same"),
        0,
        "Sobel kernels subtract one side of the window from the other: on an even area the two "
        "sides cancel to 0, at an outline they differ most.",
    )


def relu(data: Data) -> Question:
    negatives = int((data["before"] < 0).sum())
    choices, answer = _count_choices(negatives, (0, 7, 24, 49))
    return Question(
        f"Feature {data['feature'] + 1}'s map has 49 values. How many will ReLU set to 0?",
        choices, answer,
        "Every negative value, and only those. Zero and positive values pass "
        "unchanged.",
    )  # fmt: skip


def pooling(data: Data) -> Question:
    side = data["walk"].pooled.shape[0]
    return Question(
        "A 7x7 map, pooled with a 2x2 window and stride 2 (windows may hang over the edge): "
        "what size comes out?",
        ("3x3", "4x4", "6x6"),
        ("3x3", "4x4", "6x6").index(f"{side}x{side}"),
        "The windows start at 0, 2, 4 and 6; the last one hangs over the edge "
        "and takes the largest of what it covers.",
    )  # fmt: skip


def stacking(data: Data) -> Question:
    side = data["second"][0].shape[0]
    return Question(
        "Pool the 4x4 maps once more, 2x2 with stride 2: how many numbers are left, over the "
        "three maps?",
        ("3", "12", "48"),
        ("3", "12", "48").index(str(3 * side * side)),
        f"Each map becomes {side}x{side}, and there are three maps.",
    )  # fmt: skip


def vote(data: Data) -> Question:
    winner = slides_vote()[1].label  # the slides' own values, whatever the learner has typed
    return Question(
        "Which letter will the slides' 12 values vote for?",
        ("X", "O"),
        ("X", "O").index(winner),
        "Its pattern's strong places hold the larger values, so its average is the higher.",
    )


def learning(data: Data) -> Question:
    return Question(
        "A network trained on thousands of drawings: will its first filters look like the "
        "slides' three hand-made features?",
        ("Exactly like them", "Like strokes and edges, but none exactly", "Like random noise"),
        1,
        "Training finds whatever small patterns help tell the letters apart: many look like "
        "pieces of strokes or edges, none is the slides' exact 1 and -1 picture.",
    )


ASKS: dict[str, Callable[[Data], Question]] = {
    "x-or-o": x_or_o,
    "features": features,
    "convolution": convolution,
    "feature-map": feature_map,
    "edges": edges,
    "relu": relu,
    "pooling": pooling,
    "stacking": stacking,
    "vote": vote,
    "learning": learning,
}


def question(slug: str, data: Data) -> Question | None:
    """The chapter's question, from its data; None for a chapter that asks none (1, 2, 13)."""
    ask = ASKS.get(slug)
    return ask(data) if ask else None
