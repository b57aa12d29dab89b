"""/docs: the API reference, drawn by the vendored Swagger UI from /openapi.json (no CDN)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from .deps import RenderDep

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse, name="docs")
def docs(render: RenderDep) -> HTMLResponse:
    return render("docs.html", {})
