"""HTML pages: the home page, where a run starts."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from ..service import (
    ACTIVATIONS,
    EXAMPLES,
    INPUT_SIDES,
    KERNEL_NAMES,
    KERNEL_SIDES,
    SLIDES,
    all_presets,
    drawing_presets,
    form_fields,
    kernel_grid,
)
from .deps import DEFAULT_COLOURS, ColoursParam, RenderDep

router = APIRouter(tags=["pages"], include_in_schema=False)  # HTML: not in the API contract


@router.get("/", response_class=HTMLResponse, name="home")
def home(render: RenderDep, colours: ColoursParam = DEFAULT_COLOURS) -> HTMLResponse:
    context = {
        "colours": colours,
        "presets": list(all_presets().values()),
        "learned": drawing_presets(),
        "examples": list(EXAMPLES.values()),
        "kernel_names": KERNEL_NAMES,
        "kernel_sides": list(KERNEL_SIDES),
        "input_sides": INPUT_SIDES,
        "activations": ACTIVATIONS,
        "grid": kernel_grid(3),
        "ksize": 3,
        "from_slides": form_fields(SLIDES),
    }
    return render("index.html", context)
