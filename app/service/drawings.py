"""Drawings as the networks a learner trains read them: cropped to the ink and centred in 28x28,
as the letters network's input is."""

from __future__ import annotations

import numpy as np

from ..engine import EngineError
from ..engine.spec import InputSpec
from ..imaging import ImageError, load_input
from ..learn import net

DRAWING = InputSpec(mode="gray", size=(net.SIZE, net.SIZE), values="ink_unit", fit="ink")
"""A drawing is fitted as the letters network's input is: cropped to the ink, centred."""


def fitted(
    classes: list[str], pictures: list[tuple[int, bytes]], max_pixels: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pictures ((class index, image bytes) each) fitted as drawings, and their class indices;
    ImageError naming the drawing that cannot be read."""
    found: list[np.ndarray] = []
    labels: list[int] = []
    for label, data in pictures:
        if not 0 <= label < len(classes):
            raise EngineError("drawings", f"class {label} is not one of the {len(classes)}")
        try:
            ink = load_input(data, DRAWING, max_pixels).pixels
        except ImageError as error:
            n = labels.count(label) + 1
            raise ImageError(
                f"drawing {n} of {classes[label]!r}: {error.message}", "drawings"
            ) from None
        found.append(ink[0])
        labels.append(label)
    if not found:
        raise EngineError("drawings", "draw at least 3 examples of each class")
    return np.stack(found).astype(np.float32), np.array(labels, np.int64)
