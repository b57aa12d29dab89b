"""Drawings made by the letters' pen-stroke generator, fitted as the server fits a drawing: the
starting sets a learner can begin from (X vs O), and simulated hands for benchmarks."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..imaging.normalise import fit_ink
from ..letters.data import render_strokes
from . import net


def drawings(
    chars: str, each: int, seed: int, style: str = "wobbly"
) -> tuple[net.Images, npt.NDArray[np.int64]]:
    """``each`` drawings of every character of ``chars`` by one hand (one generator, one
    style), as (N, 1, 28, 28) ink and their class indices into ``chars``."""
    rng = np.random.default_rng([seed, 24])
    images, labels = [], []
    for _ in range(each):
        for label, char in enumerate(chars):
            ink = render_strokes(char, style, rng)
            images.append(fit_ink(ink[None], (net.SIZE, net.SIZE)))
            labels.append(label)
    return np.stack(images).astype(np.float32), np.array(labels, np.int64)
