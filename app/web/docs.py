"""/docs: the API reference, drawn by the vendored Swagger UI from /openapi.json (no CDN)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse, name="docs")
def docs(request: Request) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(request, "docs.html", {})
    return response
