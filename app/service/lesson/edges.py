"""Chapter 7, edges: a picture (an example or the learner's upload) through the two Sobel
kernels and the edge strength, with the Gx kernel as the learner edits it."""

from __future__ import annotations

from typing import Any

from ...engine import EngineError, parse_spec
from ...engine.banks import KERNELS
from ...engine.presets import get_preset
from ...engine.spec import PipelineSpec
from ...imaging.heatmap import grey_png
from ..examples import EXAMPLES
from ..run_view import RunView
from ..runs import Runs
from .vector import KERNEL_SIZE, parse_vector

PICTURES = ("photo", "letter-a", "x")
"""The examples the chapter offers (a photo, a drawn letter, the slides' X)."""
YOURS = "yours"
"""The ``picture`` that names the learner's upload (the run in the link)."""
SOBEL_GX = tuple(v for row in KERNELS["sobel_gx"] for v in row)
SOBEL = get_preset("sobel-edges").spec


def edges(runs: Runs, picture: str | None, gx_text: str | None, run: str | None) -> dict[str, Any]:
    """The picture through the Sobel preset, its Gx kernel replaced by the learner's."""
    pictures = {name: EXAMPLES[name].title for name in PICTURES}
    if run:
        pictures[YOURS] = "Your picture"
    picture = picture or (YOURS if run else PICTURES[0])
    if picture not in pictures:
        raise EngineError("picture", f"pick one of {', '.join(pictures)}")
    gx = parse_vector(gx_text, KERNEL_SIZE, "gx") if gx_text else SOBEL_GX
    rows = [list(gx[r * 3 : r * 3 + 3]) for r in range(3)]
    edited = gx != SOBEL_GX
    spec = SOBEL.model_dump(exclude_none=True)
    spec["stages"][0]["kernels"] = [{"name": "your Gx" if edited else "sobel_gx", "weights": rows},
                                    "sobel_gy"]  # fmt: skip
    if picture == YOURS:
        view = _yours(runs, str(run), parse_spec(spec) if edited else None)
    else:
        view = runs.run_image(EXAMPLES[picture].data, parse_spec(spec), public=not edited)
    return {"edges": view, "gx": rows, "edited": edited, "picture": picture,
            "pictures": pictures, "yours": run}  # fmt: skip


def upload(runs: Runs, data: bytes) -> RunView:
    """The learner's picture through Sobel's own kernels, stored: its id goes in the link."""
    return runs.run_image(data, SOBEL)


def _yours(runs: Runs, run: str, edited: PipelineSpec | None) -> RunView:
    """The learner's upload as stored, or its picture again through an edited Gx."""
    view = runs.view(run)
    if view.trace.pipeline.spec.input != SOBEL.input:
        raise EngineError("run", "this run was not made by this chapter; upload the picture here")
    if edited is None:
        return view
    return runs.run_image(grey_png(view.stage(0).data[0]), edited)
