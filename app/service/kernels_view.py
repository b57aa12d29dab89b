"""A convolution's kernels as the page shows them: one picture of every kernel, and each
kernel's weights as numbers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ..engine.explanations import nums
from ..imaging.heatmap import DEFAULT_SCHEME, data_url, kernel_sheet_png, sheet_size

Values = npt.NDArray[np.float32]


KERNEL_TILES_PER_ROW = 8


@dataclass(frozen=True, eq=False)
class KernelsView:
    """A convolution's kernels as one picture: a row per kernel, a tile per input map."""

    count: int
    channels: int
    kh: int
    kw: int
    weights: Values
    """(K, C, kh, kw) as written in the spec."""
    inputs: tuple[str, ...] = ()
    """The names of the input maps (the previous stage's maps), one per channel."""
    _drawn: dict[str, bytes] = field(default_factory=dict, repr=False)

    @property
    def sheet_size(self) -> tuple[int, int]:
        """(width, height) of the kernels picture: a row of ``channels`` tiles per kernel."""
        return sheet_size(self.count * self.channels, self.kh, self.kw, self.channels)

    def png(self, scheme: str = DEFAULT_SCHEME) -> bytes:
        """The kernels picture in ``scheme``'s colours (see ``kernel_sheet_png``), drawn once."""
        drawn = self._drawn.get(scheme)
        if drawn is None:
            drawn = self._drawn[scheme] = kernel_sheet_png(self.weights, scheme)
        return drawn

    def data_url(self, scheme: str = DEFAULT_SCHEME) -> str:
        """The kernels picture inside the page: a few hundred bytes, not worth a request."""
        return data_url(self.png(scheme))

    @property
    def per_row(self) -> int:
        """Input tiles on one line of a kernel's picture; more input maps wrap onto more lines."""
        return min(self.channels, KERNEL_TILES_PER_ROW)

    @property
    def tile_box(self) -> tuple[int, int]:
        """(width, height) of one kernel's picture in weights: its tiles in lines of per_row."""
        lines = -(-self.channels // self.per_row)
        return self.per_row * (self.kw + 1) - 1, lines * (self.kh + 1) - 1

    @property
    def tile_lines(self) -> list[tuple[int, int, int]]:
        """Each line of a kernel's picture as (y in the picture, x in the sheet's row, width)."""
        step = self.kw + 1
        return [
            (line * (self.kh + 1), first * step,
             min(self.per_row, self.channels - first) * step - 1)
            for line, first in enumerate(range(0, self.channels, self.per_row))
        ]  # fmt: skip

    @property
    def tile_zoom(self) -> int:
        """Screen pixels per weight in a kernel's own tile: big enough to read its signs."""
        return max(6, min(18, 260 // (self.per_row * (self.kw + 1))))

    def numbers(self, kernel: int) -> tuple[tuple[tuple[str, ...], ...], ...]:
        """Kernel ``kernel``'s weights as the page prints them: a table per input map."""
        return tuple(tuple(tuple(nums(row)) for row in plane) for plane in self.weights[kernel])
