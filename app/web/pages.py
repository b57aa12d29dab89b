"""HTML pages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ..engine import PRESETS
from ..service import EXAMPLES

router = APIRouter()


@router.get("/", response_class=HTMLResponse, name="home")
def home(request: Request) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    examples = [(name, title) for name, (title, _) in EXAMPLES.items()]
    context = {"presets": list(PRESETS.values()), "examples": examples}
    response: HTMLResponse = templates.TemplateResponse(request, "index.html", context)
    return response
