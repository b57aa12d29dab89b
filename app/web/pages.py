"""HTML pages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ..catalog import presets
from ..engine.banks import KERNELS
from ..service import EXAMPLES
from .tweaks import INPUT_SIDES, KERNEL_SIDES

router = APIRouter()


@router.get("/", response_class=HTMLResponse, name="home")
def home(request: Request) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    context = {
        "presets": list(presets().values()),
        "examples": list(EXAMPLES.values()),
        "kernel_names": list(KERNELS),
        "kernel_sides": list(KERNEL_SIDES),
        "input_sides": INPUT_SIDES,
        "grid": [[0.0] * 3 for _ in range(3)],
        "ksize": 3,
    }
    response: HTMLResponse = templates.TemplateResponse(request, "index.html", context)
    return response
