"""Chapter 7, edges: a picture through the two Sobel kernels and the edge strength, with the Gx
kernel as the learner edits it."""

from __future__ import annotations

from typing import Any

from ...engine import EngineError, parse_spec
from ...engine.banks import KERNELS
from ...engine.presets import get_preset
from ..examples import EXAMPLES
from ..runs import Runs
from .vector import KERNEL_SIZE, parse_vector

PICTURES = ("photo", "letter-a", "x")
"""The examples the chapter offers (a photo, a drawn letter, the slides' X)."""
SOBEL_GX = tuple(v for row in KERNELS["sobel_gx"] for v in row)


def edges(runs: Runs, picture: str | None, gx_text: str | None) -> dict[str, Any]:
    """The picture through the Sobel preset, its Gx kernel replaced by the learner's."""
    picture = picture or PICTURES[0]
    if picture not in PICTURES:
        raise EngineError("picture", f"pick one of {', '.join(PICTURES)}")
    gx = parse_vector(gx_text, KERNEL_SIZE, "gx") if gx_text else SOBEL_GX
    spec = get_preset("sobel-edges").spec.model_dump(exclude_none=True)
    rows = [list(gx[r * 3 : r * 3 + 3]) for r in range(3)]
    edited = gx != SOBEL_GX
    spec["stages"][0]["kernels"] = [{"name": "your Gx" if edited else "sobel_gx", "weights": rows},
                                    "sobel_gy"]  # fmt: skip
    view = runs.run_image(EXAMPLES[picture].data, parse_spec(spec), public=not edited)
    return {"edges": view, "gx": rows, "edited": edited, "picture": picture,
            "pictures": {name: EXAMPLES[name].title for name in PICTURES}}  # fmt: skip
