"""Every class drawn as a few strokes, the way a mouse or a finger would draw it.

Coordinates are in a unit box: x to the right, y down, the character filling 0..1 in height.
``arc(cx, cy, rx, ry, t0, t1)`` walks an ellipse from angle t0 to t1 in degrees (0 is to the right,
90 is down), so a curve's direction is the direction the pen moves. Some classes have variants (a 1
with or without a base, a 7 with or without a bar); a drawing picks one.
"""

from __future__ import annotations

import math

Point = tuple[float, float]
Stroke = list[Point]
Glyph = list[Stroke]


def arc(cx: float, cy: float, rx: float, ry: float, t0: float, t1: float, n: int = 0) -> Stroke:
    steps = n or max(6, int(abs(t1 - t0) / 12))
    return [
        (cx + rx * math.cos(math.radians(t)), cy + ry * math.sin(math.radians(t)))
        for t in (t0 + (t1 - t0) * i / steps for i in range(steps + 1))
    ]


def line(*points: Point) -> Stroke:
    return list(points)


def chain(*parts: Stroke) -> Stroke:
    """One stroke through several parts, the pen never lifted."""
    return [point for part in parts for point in part]


_B_TOP = chain(
    line((0.22, 0.5), (0.22, 0.0), (0.55, 0.0)),
    arc(0.55, 0.25, 0.25, 0.25, -90, 90)[1:],
    [(0.22, 0.5)],
)
_B_BOTTOM = chain(
    line((0.22, 0.5), (0.6, 0.5)), arc(0.6, 0.75, 0.27, 0.25, -90, 90)[1:], [(0.22, 1.0)]
)
_P_BOWL = chain(
    line((0.22, 1.0), (0.22, 0.0), (0.55, 0.0)), arc(0.55, 0.27, 0.27, 0.27, -90, 90)[1:]
)
_P_BACK = line((0.55, 0.54), (0.22, 0.54))

GLYPHS: dict[str, list[Glyph]] = {
    "A": [[line((0.1, 1), (0.5, 0), (0.9, 1)), line((0.28, 0.62), (0.72, 0.62))]],
    "B": [[_B_TOP, _B_BOTTOM, line((0.22, 0.5), (0.22, 1.0))]],
    "C": [[arc(0.55, 0.5, 0.42, 0.5, -40, -320)]],
    "D": [
        [
            line((0.2, 0), (0.2, 1)),
            line((0.2, 0), (0.4, 0)) + arc(0.4, 0.5, 0.42, 0.5, -90, 90) + [(0.2, 1)],
        ]
    ],
    "E": [[line((0.8, 0), (0.22, 0), (0.22, 1), (0.8, 1)), line((0.22, 0.5), (0.68, 0.5))]],
    "F": [[line((0.8, 0), (0.22, 0), (0.22, 1)), line((0.22, 0.48), (0.68, 0.48))]],
    "G": [[chain(arc(0.52, 0.5, 0.42, 0.5, -45, -340), [(0.92, 0.55), (0.6, 0.55)])]],
    "H": [[line((0.2, 0), (0.2, 1)), line((0.8, 0), (0.8, 1)), line((0.2, 0.5), (0.8, 0.5))]],
    "I": [[line((0.5, 0), (0.5, 1)), line((0.3, 0), (0.7, 0)), line((0.3, 1), (0.7, 1))]],
    "J": [
        [line((0.72, 0), (0.72, 0.7)) + arc(0.48, 0.7, 0.24, 0.3, 0, 180)],
        [line((0.4, 0), (0.9, 0)), line((0.7, 0), (0.7, 0.7)) + arc(0.46, 0.7, 0.24, 0.3, 0, 170)],
    ],
    "K": [[line((0.22, 0), (0.22, 1)), line((0.8, 0), (0.22, 0.58)), line((0.42, 0.4), (0.82, 1))]],
    "L": [[line((0.25, 0), (0.25, 1), (0.8, 1))]],
    "M": [[line((0.12, 1), (0.18, 0), (0.5, 0.62), (0.82, 0), (0.88, 1))]],
    "N": [[line((0.2, 1), (0.2, 0), (0.8, 1), (0.8, 0))]],
    "O": [[arc(0.5, 0.5, 0.42, 0.5, -90, 270)]],
    "P": [[_P_BOWL, _P_BACK]],
    "Q": [[arc(0.5, 0.48, 0.42, 0.48, -90, 270), line((0.55, 0.72), (0.92, 1.04))]],
    "R": [[_P_BOWL, _P_BACK, line((0.45, 0.54), (0.82, 1))]],
    "S": [[chain(arc(0.5, 0.26, 0.3, 0.26, -25, -270), arc(0.5, 0.74, 0.32, 0.26, -90, 155)[1:])]],
    "T": [[line((0.1, 0), (0.9, 0)), line((0.5, 0), (0.5, 1))]],
    "U": [[chain(line((0.2, 0), (0.2, 0.62)), arc(0.5, 0.62, 0.3, 0.38, 180, 0), [(0.8, 0)])]],
    "V": [[line((0.1, 0), (0.5, 1), (0.9, 0))]],
    "W": [[line((0.04, 0), (0.26, 1), (0.5, 0.32), (0.74, 1), (0.96, 0))]],
    "X": [[line((0.15, 0), (0.85, 1)), line((0.85, 0), (0.15, 1))]],
    "Y": [[line((0.12, 0), (0.5, 0.5), (0.88, 0)), line((0.5, 0.5), (0.5, 1))]],
    "Z": [[line((0.15, 0), (0.85, 0), (0.15, 1), (0.85, 1))]],
    "0": [[arc(0.5, 0.5, 0.3, 0.5, -90, 270)]],
    "1": [
        [line((0.28, 0.22), (0.55, 0), (0.55, 1))],
        [line((0.28, 0.22), (0.55, 0), (0.55, 1)), line((0.3, 1), (0.8, 1))],
    ],
    "2": [[chain(arc(0.5, 0.3, 0.32, 0.3, -165, 25), [(0.15, 1), (0.87, 1)])]],
    "3": [[chain(arc(0.47, 0.26, 0.3, 0.26, -150, 90), arc(0.47, 0.74, 0.33, 0.26, -90, 150)[1:])]],
    "4": [
        [line((0.66, 1), (0.66, 0), (0.1, 0.7), (0.9, 0.7))],
        [line((0.3, 0), (0.15, 0.65), (0.88, 0.65)), line((0.66, 0.3), (0.66, 1))],
    ],
    "5": [[chain(line((0.8, 0), (0.27, 0), (0.23, 0.44)), arc(0.5, 0.68, 0.33, 0.32, -125, 150))]],
    "6": [[chain(arc(0.55, 0.55, 0.4, 0.55, -65, -180), arc(0.5, 0.71, 0.35, 0.29, 180, -180))]],
    "7": [
        [line((0.15, 0), (0.85, 0), (0.38, 1))],
        [line((0.15, 0), (0.85, 0), (0.38, 1)), line((0.35, 0.5), (0.8, 0.5))],
    ],
    "8": [[arc(0.5, 0.25, 0.27, 0.25, 90, 450), arc(0.5, 0.74, 0.33, 0.26, -90, 270)]],
    "9": [[arc(0.5, 0.3, 0.32, 0.3, 0, 360), line((0.82, 0.3), (0.74, 1))]],
}
