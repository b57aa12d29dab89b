"""The slides' X changed by the learner. Chapter 3: pixels flipped one by one. Chapter 6, a whole
feature map: moved (shifted with the arrows, turned a few degrees) and run through the slides'
network beside the X as the slides draw it, every feature map, pooled map and the vote recomputed
for each move."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image

from ...engine import EngineError
from ...engine.presets import get_preset
from ...imaging.heatmap import grey_png
from ..run_view import RunView
from ..runs import Runs
from .slides import POOLED, slides_x

F64 = npt.NDArray[np.float64]

SIDE = 9
"""The slides' X is 9x9."""
SHIFTS = range(-2, 3)
"""How far the X may be shifted each way, in pixels."""
TURNS = (0, 15, 25, 45)
"""The angles the X may be turned by, in degrees (anticlockwise)."""


def moved_x(dx: int, dy: int, turn: int) -> F64:
    """The slides' X turned by ``turn`` degrees about its centre, then shifted
    ``dx`` right and ``dy`` down; what comes in at the edges is paper (-1)."""
    x = slides_x()
    if turn:  # turned at ten times the size, then each 10x10 block's ink counted
        ink = Image.fromarray(np.where(x > 0, 255, 0).astype(np.uint8))
        big = ink.resize((90, 90), Image.Resampling.NEAREST)
        turned = big.rotate(turn, resample=Image.Resampling.BILINEAR, fillcolor=0)
        x = np.where(np.asarray(turned.resize((9, 9), Image.Resampling.BOX)) > 90, 1.0, -1.0)
    out = np.full_like(x, -1.0)
    h, w = x.shape
    out[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = x[
        max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
    ]
    return out


def parse_flips(text: str | None) -> frozenset[tuple[int, int]]:
    """'3.3,4.5': the pixels flipped (row, column); EngineError (a 422) for anything else."""
    if not text:
        return frozenset()
    flips: set[tuple[int, int]] = set()
    for part in text.split(",")[:81]:
        try:
            row, col = (int(v) for v in part.split("."))
        except ValueError:
            raise EngineError("flip", f"{part[:12]!r}: a pixel is row.column, e.g. 3.4") from None
        if not (0 <= row < SIDE and 0 <= col < SIDE):
            raise EngineError("flip", f"rows and columns go from 0 to {SIDE - 1}")
        flips ^= {(row, col)}  # named twice: flipped back
    return frozenset(flips)


def flipped_x(flips: frozenset[tuple[int, int]]) -> F64:
    """The slides' X with these pixels flipped, ink to paper and paper to ink."""
    x = slides_x().copy()
    for row, col in flips:
        x[row, col] = -x[row, col]
    return x


def flip_text(flips: frozenset[tuple[int, int]]) -> str:
    """The flips as the URL writes them, in reading order."""
    return ",".join(f"{r}.{c}" for r, c in sorted(flips))


def toggles(flips: frozenset[tuple[int, int]]) -> list[list[str]]:
    """For each pixel, the flips with that one pixel flipped too (or back)."""
    return [[flip_text(flips ^ {(r, c)}) for c in range(SIDE)] for r in range(SIDE)]


def mask_text(differ: npt.NDArray[np.bool_]) -> str:
    """The flips that make the slides' X into the one that differs from it at ``differ``."""
    return flip_text(frozenset((int(r), int(c)) for r, c in np.argwhere(differ)))


def x_png(x: F64) -> bytes:
    """The X as the examples draw it: black ink on white paper, one pixel a cell."""
    return grey_png(np.where(x > 0, 0.0, 1.0))


@dataclass(frozen=True)
class SeenX:
    """One X through the slides' network, as chapter 6 sets two side by side."""

    title: str
    run_id: str
    last: int
    pixels: F64
    maps: list[F64]
    """The three features' maps, after convolution."""
    pooled: list[F64]
    scores: dict[str, float]
    label: str

    @classmethod
    def of(cls, title: str, view: RunView) -> SeenX:
        prediction = view.trace.prediction
        assert prediction is not None
        maps = [m.astype(np.float64) for m in view.stage(1).data]
        pooled = [m.astype(np.float64) for m in view.stage(POOLED).data]
        return cls(title, view.id, view.last, view.stage(0).data[0].astype(np.float64), maps,
                   pooled, prediction.scores, prediction.label)  # fmt: skip


def moved_title(dx: int, dy: int, turn: int) -> str:
    """'The X, 1 right and 2 up, turned 15°', or 'The X, not moved yet'."""
    ways = ((dx, "right" if dx > 0 else "left"), (dy, "down" if dy > 0 else "up"))
    parts = [f"{abs(d)} {word}" for d, word in ways if d]
    said = " and ".join(parts)
    if turn:
        said = f"{said}, turned {turn}\u00b0" if said else f"turned {turn}\u00b0"
    return f"The X, {said}" if said else "The X, not moved yet"


def feature_map(runs: Runs, dx: int, dy: int, turn: int) -> dict[str, object]:
    spec = get_preset("seed-xo").spec
    a = SeenX.of("The slides' X", runs.run_example("x", spec))
    b = SeenX.of(moved_title(dx, dy, turn), runs.run_image(x_png(moved_x(dx, dy, turn)), spec))
    gap = max(float(np.abs(p - q).max()) for p, q in zip(a.pooled, b.pooled, strict=True))
    return {"pair": [a, b], "pooled_gap": gap, "move": (dx, dy, turn), "turns": TURNS,
            "shifts": SHIFTS}  # fmt: skip
