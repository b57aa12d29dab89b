"""Ready-made pipelines, and the slides' example pictures in normalised form."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from .errors import EngineError
from .ops import Array
from .spec import (
    ConvStage,
    FlattenStage,
    InputSpec,
    MagnitudeStage,
    PipelineSpec,
    PoolStage,
    ReluStage,
    VoteStage,
)


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    description: str
    spec: PipelineSpec


def _ink_grid(rows: list[str]) -> Array:
    """'#' is ink (+1), '.' is paper (-1): the slides' pictures as (1, H, W)."""
    return np.array([[1.0 if ch == "#" else -1.0 for ch in row] for row in rows], np.float32)[None]


# The slides' 9x9 X, and an O drawn on the same grid.
SLIDES_X = _ink_grid(
    [
        ".........",
        ".#.....#.",
        "..#...#..",
        "...#.#...",
        "....#....",
        "...#.#...",
        "..#...#..",
        ".#.....#.",
        ".........",
    ]
)
SLIDES_O = _ink_grid(
    [
        ".........",
        "...###...",
        "..#...#..",
        ".#.....#.",
        ".#.....#.",
        ".#.....#.",
        "..#...#..",
        "...###...",
        ".........",
    ]
)

# The 'Vector for X' and 'Vector for O' templates, and the 12 values the slides vote on.
X_TEMPLATE = [1.0, 0.55, 0.55, 1.0, 1.0, 0.55, 0.55, 0.55, 0.55, 1.0, 1.0, 0.55]
O_TEMPLATE = [0.55, 1.0, 1.0, 0.55, 0.55, 0.55, 0.55, 0.55, 1.0, 0.55, 0.55, 1.0]
SLIDES_VOTE_INPUT = [0.9, 0.65, 0.45, 0.87, 0.96, 0.73, 0.23, 0.63, 0.44, 0.89, 0.94, 0.53]

_POOL_2X2 = PoolStage(op="max", kernel_size=2, stride=2, ceil_mode=True)

PRESETS: MappingProxyType[str, Preset] = MappingProxyType(
    {
        "seed-xo": Preset(
            "seed-xo",
            "X or O (the slides)",
            "The slides' walkthrough: three 3x3 features of an X, convolution that divides by "
            "the 9 pixels, ReLU, 2x2 max pooling twice, then a vote between X and O.",
            PipelineSpec(
                input=InputSpec(mode="gray", size=(9, 9), values="ink_signed"),
                stages=[
                    ConvStage(kernels="xo-features", mean=True),
                    ReluStage(),
                    _POOL_2X2,
                    _POOL_2X2,
                    FlattenStage(),
                    VoteStage(classes=["X", "O"], templates=[X_TEMPLATE, O_TEMPLATE]),
                ],
            ),
        ),
        "sobel-edges": Preset(
            "sobel-edges",
            "Edges (Sobel)",
            "Sobel Gx and Gy measure how fast brightness changes across and down the picture; "
            "their combined length is the edge strength, then 2x2 max pooling shrinks it.",
            PipelineSpec(
                input=InputSpec(mode="gray", size=(128, 128), values="brightness"),
                stages=[
                    ConvStage(kernels="sobel", padding="valid"),
                    MagnitudeStage(),
                    _POOL_2X2,
                ],
            ),
        ),
        "classic-kernels": Preset(
            "classic-kernels",
            "Classic image kernels",
            "Six hand-made kernels side by side: identity, blur, sharpen, Laplacian, outline and "
            "emboss, then ReLU and 2x2 max pooling.",
            PipelineSpec(
                input=InputSpec(mode="gray", size=(64, 64), values="brightness"),
                stages=[ConvStage(kernels="classic", padding="same"), ReluStage(), _POOL_2X2],
            ),
        ),
    }
)


def get_preset(name: str) -> Preset:
    """The preset called ``name``, or EngineError listing the known ones."""
    try:
        return PRESETS[name]
    except KeyError:
        known = ", ".join(PRESETS)
        raise EngineError("preset", f"unknown preset {name!r} (known: {known})") from None
