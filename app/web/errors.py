"""Bad input becomes a clear 4xx: problem+json for the API, a message in place for pages."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates

from ..engine import EngineError
from ..imaging import ImageError
from ..service import NotFound
from .ratelimit import TooManyRequests


def problem(status: int, title: str, detail: str) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def error_response(request: Request, status: int, title: str, detail: str) -> Response:
    if request.url.path.startswith("/api/"):
        return problem(status, title, detail)
    templates: Jinja2Templates = request.app.state.templates
    fragment = request.headers.get("hx-request") == "true"
    name = "_error.html" if fragment else "error.html"
    context = {"title": title, "detail": detail, "status": status}
    response: HTMLResponse = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers["Vary"] = "HX-Request"
    return response


async def on_bad_input(request: Request, exc: Exception) -> Response:
    return error_response(request, 422, "That input cannot be used", str(exc))


async def on_too_many(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TooManyRequests)
    response = error_response(request, 429, "Too many runs", str(exc))
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def on_not_found(request: Request, exc: Exception) -> Response:
    return error_response(request, 404, "Not found", str(exc))


HANDLERS = {
    EngineError: on_bad_input,
    ImageError: on_bad_input,
    NotFound: on_not_found,
    TooManyRequests: on_too_many,
}
