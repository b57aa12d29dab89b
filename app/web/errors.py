"""Bad input becomes a clear 4xx: problem+json for the API, a message in place for pages."""

from __future__ import annotations

from http import HTTPStatus

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from ..service import Busy, Closed, EngineError, Gone, ImageError, NotAllowed, NotFound, OverBudget
from .deps import CrossSite, Render
from .ratelimit import TooManyRequests

TOO_LARGE = "the upload is larger than this server accepts"


class BodyStalled(StarletteHTTPException):
    """A request's body stopped arriving for longer than the server waits (an HTTP error, so
    the framework's body parsing passes it on rather than calling it a parse error)."""

    def __init__(self) -> None:
        super().__init__(408)


class TooLarge(Exception):
    """An answer that would be larger than the server sends at once; the message says how to
    ask for less."""


def problem(status: int, title: str, detail: str, field: str | None = None) -> JSONResponse:
    """An RFC 9457 problem; ``field``, when known, is where in the request the fault is (the
    spec path, e.g. ``stages[0].kernels[1]``), ``detail`` says it in words."""
    body: dict[str, object] = {"type": "about:blank", "title": title, "status": status,
                               "detail": detail}  # fmt: skip
    if field:
        body["field"] = field
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def error_response(
    request: Request, status: int, title: str, detail: str, field: str | None = None
) -> Response:
    if request.url.path.startswith("/api/"):
        return problem(status, title, detail, field)
    context = {"title": title, "detail": detail, "status": status}
    return Render(request).page_or_fragment("error.html", "_error.html", context, status)


async def on_bad_input(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, EngineError | ImageError)
    return error_response(request, 422, "That input cannot be used", str(exc), exc.field)


async def on_too_many(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TooManyRequests)
    response = error_response(request, 429, f"Too many {exc.what}", str(exc))
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def on_busy(request: Request, exc: Exception) -> Response:
    """The pool is full, or the work ran past its budget: 503, and when to try again."""
    assert isinstance(exc, Busy | OverBudget)
    title = "The server is busy" if isinstance(exc, Busy) else "That took too long"
    response = error_response(request, 503, title, str(exc))
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def on_cross_site(request: Request, exc: Exception) -> Response:
    detail = (
        "this form can only be sent from ConvLens's own pages: open the page on this site and "
        "send it from there"
    )
    return error_response(request, 403, "Sent from another site", detail)


async def on_gone(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Gone)
    if exc.reason == "deleted":
        detail = f"{exc}, when they deleted its demo. Run the picture again to see it once more"
        return error_response(request, 410, "This run was deleted", detail)
    detail = (
        f"{exc}. Nothing is wrong with your link: run the picture again to get a new one "
        "(saved demos stay until their owner deletes them)"
    )
    return error_response(request, 410, "This run has expired", detail)


async def on_stalled(request: Request, exc: Exception) -> Response:
    detail = "the upload stopped arriving; check the connection and send it again"
    response = error_response(request, 408, "The upload stalled", detail)
    response.headers["Connection"] = "close"
    return response


async def on_too_large(request: Request, exc: Exception) -> Response:
    return error_response(request, 413, "That answer would be too large", str(exc))


async def on_not_found(request: Request, exc: Exception) -> Response:
    return error_response(request, 404, "Not found", str(exc))


async def on_http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (an unknown route, a wrong method, a body too large) in our form."""
    assert isinstance(exc, StarletteHTTPException)
    title = HTTPStatus(exc.status_code).phrase
    detail = TOO_LARGE if exc.status_code == 413 else str(exc.detail)
    if exc.status_code == 404:
        detail = "there is no page at this address"  # named, not echoed back
    response = error_response(request, exc.status_code, title, detail)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def on_invalid_request(request: Request, exc: Exception) -> Response:
    """FastAPI's parameter checks (a step that is not a number, a missing file): one line."""
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"] if p not in ("query", "body", "path"))
    said = str(first["msg"]).removeprefix("Value error, ")
    return error_response(request, 422, "That input cannot be used", f"{where}: {said}")


async def on_not_allowed(request: Request, exc: Exception) -> Response:
    return error_response(request, 403, "Only the teacher can do this", str(exc))


async def on_closed(request: Request, exc: Exception) -> Response:
    return error_response(request, 409, "This board takes no drawings now", str(exc))


HANDLERS = {
    NotAllowed: on_not_allowed,
    Closed: on_closed,
    StarletteHTTPException: on_http_error,
    RequestValidationError: on_invalid_request,
    EngineError: on_bad_input,
    ImageError: on_bad_input,
    Gone: on_gone,
    NotFound: on_not_found,
    TooLarge: on_too_large,
    BodyStalled: on_stalled,
    CrossSite: on_cross_site,
    TooManyRequests: on_too_many,
    Busy: on_busy,
    OverBudget: on_busy,
}


class BodyLimit:
    """Refuses a request whose declared Content-Length is over the limit before reading it, with
    the same 413 message as every other error (FastAPI's own limiter still counts the bytes of
    bodies sent without a length)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = dict(scope["headers"]).get(b"content-length", b"0")
            if length.isdigit() and int(length) > self.max_bytes:
                request = Request(scope, receive)
                limit = f"{TOO_LARGE} (at most {self.max_bytes:,} bytes)"
                response = error_response(request, 413, "Upload too large", limit)
                response.headers["Connection"] = "close"
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
