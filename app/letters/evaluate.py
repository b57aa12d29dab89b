"""Held-out accuracy per class (the synthetic test sets, and the real held-out digits read by the
letters and the digits presets), and the confusion matrix as a picture."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from ..imaging.heatmap import palette
from . import real
from .data import held_out_recipes
from .model import predict
from .train import build
from .weights import CLASSES, Params

CELL = 18


@dataclass(frozen=True)
class Evaluation:
    confusion: npt.NDArray[np.int64]
    """(true class, predicted class) counts."""

    @property
    def accuracy(self) -> float:
        return float(np.trace(self.confusion) / self.confusion.sum())

    def per_class(self) -> dict[str, float]:
        """Accuracy per class, for the classes the test set has."""
        totals = self.confusion.sum(axis=1)
        return {
            c: float(self.confusion[i, i] / totals[i]) for i, c in enumerate(CLASSES) if totals[i]
        }

    def worst_confusions(self, count: int = 5) -> list[tuple[str, str, int]]:
        off = self.confusion.copy()
        np.fill_diagonal(off, 0)
        order = np.argsort(off, axis=None)[::-1][:count]
        pairs = [np.unravel_index(i, off.shape) for i in order]
        return [(CLASSES[t], CLASSES[p], int(off[t, p])) for t, p in pairs if off[t, p]]


def evaluate(params: Params, seed: int, per_class: int, workers: int = 2) -> Evaluation:
    n = len(CLASSES)
    confusion = np.zeros((n, n), np.int64)
    for recipe in held_out_recipes(seed, per_class).values():
        x, y = build(recipe, workers)
        np.add.at(confusion, (y, predict(params, x)), 1)
    return Evaluation(confusion)


def evaluate_real(params: Params, allowed: npt.NDArray[np.int64] | None = None) -> Evaluation:
    """The 1,000 real held-out digits, read over every class or only the ``allowed`` ones (the
    digits preset allows real.DIGIT_CLASSES)."""
    n = len(CLASSES)
    confusion = np.zeros((n, n), np.int64)
    x, y = real.held_out()
    np.add.at(confusion, (y, predict(params, x, allowed)), 1)
    return Evaluation(confusion)


def confusion_png(evaluation: Evaluation, path: Path) -> None:
    """Rows are the true classes, columns the predictions; brighter is more."""
    n = len(CLASSES)
    share = evaluation.confusion / np.maximum(evaluation.confusion.sum(axis=1, keepdims=True), 1)
    index = np.round(np.sqrt(share) * 255).astype(np.uint8)  # sqrt: small confusions stay visible
    cells = palette("sequential")[index]
    grid = Image.fromarray(cells, "RGB").resize((n * CELL, n * CELL), Image.Resampling.NEAREST)
    margin = CELL + 6
    picture = Image.new("RGB", (n * CELL + margin, n * CELL + margin), "white")
    picture.paste(grid, (margin, margin))
    draw = ImageDraw.Draw(picture)
    font = ImageFont.load_default()
    for i, label in enumerate(CLASSES):
        draw.text((margin + i * CELL + 5, 4), label, fill="black", font=font)
        draw.text((6, margin + i * CELL + 3), label, fill="black", font=font)
    picture.save(path, optimize=True)
