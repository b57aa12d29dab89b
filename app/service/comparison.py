"""Two runs of one pipeline side by side: each stage of both on one colour scale, and their
difference (b minus a) under them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine import EngineError
from ..engine.explanations import nums
from ..imaging.heatmap import DEFAULT_SCHEME, ColourScale, data_url, scale_for, sheet_png
from .prediction import PredictionView
from .run_view import RunView

PER_ROW = 4
"""Maps to a row in each column's picture, so two columns fit a laptop and one a phone."""


@dataclass(frozen=True)
class ComparedStage:
    index: int
    name: str
    kind: str
    shape: tuple[int, ...]
    labels: tuple[str, ...]
    scale: ColourScale
    """The one scale both runs' maps are drawn on."""
    gap_scale: ColourScale
    """The difference's scale, centred on 0."""
    largest_gap: float
    """The largest difference, b minus a, in absolute value."""
    pictures: tuple[str, str, str] | None
    """Maps only: a's, b's and the difference's maps, each as one picture (a data URL)."""
    numbers: tuple[list[str], list[str], list[str]] | None
    """Vectors only: a's, b's and the difference's values as the tables print them."""


@dataclass(frozen=True)
class Comparison:
    a: RunView
    b: RunView
    last: int
    stages: tuple[ComparedStage, ...]

    @property
    def one_picture(self) -> bool:
        """The same input through two networks (say, two steps of a training), rather than two
        pictures through one."""
        return bool(np.array_equal(self.a.stage(0).data, self.b.stage(0).data))

    @property
    def predictions(self) -> tuple[PredictionView | None, PredictionView | None]:
        return self.a.prediction, self.b.prediction


def compare(a: RunView, b: RunView, upto: int, scheme: str = DEFAULT_SCHEME) -> Comparison:
    """Stages 0 to ``upto`` of two runs whose stages have the same shapes (EngineError if not)."""
    if len(a) != len(b):
        raise EngineError("compare", "the two runs have different pipelines: pick runs of one")
    for sa, sb in zip(a.trace, b.trace, strict=True):
        if sa.shape != sb.shape:
            raise EngineError(
                "compare",
                f"stage {sa.index} is {_shape(sa.shape)} in one run and {_shape(sb.shape)} in "
                "the other: compare runs of the same pipeline",
            )
    upto = min(max(upto, 0), a.last)
    made = tuple(_stage(a, b, i, scheme) for i in range(upto + 1))
    return Comparison(a, b, a.last, made)


def _shape(shape: tuple[int, ...]) -> str:
    return "x".join(str(n) for n in shape)


def _stage(a: RunView, b: RunView, index: int, scheme: str) -> ComparedStage:
    out_a, out_b = a.trace.stage(index), b.trace.stage(index)
    va, vb = out_a.data, out_b.data
    gap = vb.astype(np.float64) - va.astype(np.float64)
    lo, hi = float(min(va.min(), vb.min())), float(max(va.max(), vb.max()))
    scale = scale_for(lo, hi)
    bound = float(np.abs(gap).max())
    gap_scale = ColourScale("diverging", -(bound or 1.0), bound or 1.0)
    pictures = numbers = None
    if va.ndim == 3:
        count = va.shape[0]
        pictures = tuple(
            data_url(sheet_png(np.asarray(v, np.float32), [s] * count, PER_ROW, scheme=scheme))
            for v, s in ((va, scale), (vb, scale), (gap, gap_scale))
        )
    else:
        numbers = (nums(va), nums(vb), nums(gap))
    return ComparedStage(
        index, out_a.name, out_a.kind, tuple(va.shape), out_a.labels, scale, gap_scale, bound,
        pictures, numbers,  # type: ignore[arg-type]
    )  # fmt: skip
