"""Named kernels and the filter banks made of them.

Each kernel is a plain (kh, kw) grid. In a pipeline a 2-D kernel is applied to every input channel
(the same weights for each); a 3-D (C, kh, kw) kernel gives each channel its own weights.
"""

from __future__ import annotations

from types import MappingProxyType

Grid = tuple[tuple[float, ...], ...]


def _grid(rows: list[list[float]]) -> Grid:
    return tuple(tuple(float(v) for v in row) for row in rows)


KERNELS: MappingProxyType[str, Grid] = MappingProxyType(
    {
        # The slides' three X features: the two strokes of an X, and where they cross.
        "diagonal_down": _grid([[1, -1, -1], [-1, 1, -1], [-1, -1, 1]]),
        "x_center": _grid([[1, -1, 1], [-1, 1, -1], [1, -1, 1]]),
        "diagonal_up": _grid([[-1, -1, 1], [-1, 1, -1], [1, -1, -1]]),
        # Sobel gradients as the slides print them: Gx grows left to right, Gy bottom to top.
        "sobel_gx": _grid([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
        "sobel_gy": _grid([[1, 2, 1], [0, 0, 0], [-1, -2, -1]]),
        "box_blur": _grid([[1 / 9] * 3] * 3),
        "sharpen": _grid([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
        "laplacian": _grid([[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
        "outline": _grid([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]),
        "emboss": _grid([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]),
        "identity": _grid([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
    }
)

BANKS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        "xo-features": ("diagonal_down", "x_center", "diagonal_up"),
        "sobel": ("sobel_gx", "sobel_gy"),
        "classic": ("identity", "box_blur", "sharpen", "laplacian", "outline", "emboss"),
    }
)
