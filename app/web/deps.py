"""What the routers share, as FastAPI dependencies: the service, where a page stands (step, cell,
scale), the rate limits, links and a render helper. Routers import this, never each other.

The dependencies are ``async def`` on purpose: they do no blocking work, and FastAPI would run a
plain ``def`` dependency on a worker thread, a thread hop per dependency per request."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlsplit

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from ..service import EngineError, Service
from .links import Links
from .ratelimit import limit
from .static_files import IMMUTABLE

R = TypeVar("R")
Scale = Literal["stage", "map"]
Colours = Literal["viridis", "cividis"]
"""The colour schemes a page can be drawn in (the service's SCHEMES), viridis unless asked."""
DEFAULT_COLOURS: Colours = "viridis"
Fragment = Literal["next"]


def in_pool(handler: Callable[..., R]) -> Callable[..., Awaitable[R]]:
    """A route handler run on the service's bounded CPU pool instead of the event loop (503 when
    the pool is full or the work runs past its budget). The handler takes ``service: Service``."""

    @functools.wraps(handler)
    async def off_the_loop(**params: Any) -> R:
        service: Service = params["service"]
        return await service.cpu(handler, **params)

    return off_the_loop


async def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


async def get_links(request: Request) -> Links:
    links: Links = request.app.state.links
    return links


@dataclass(frozen=True)
class StepQuery:
    """Where a page stands, from its URL: the step, the selected cell, the colour scale, and
    (for htmx) which fragment is asked for: 'next' is only the newly revealed stage."""

    step: int = 0
    cell: str | None = None
    scale: Scale = "stage"
    fragment: Fragment | None = None
    colours: Colours = DEFAULT_COLOURS


ColoursParam = Annotated[
    Colours,
    Query(description="the colour scheme: viridis, or cividis (tuned for colour-blind eyes)"),
]


async def step_params(
    step: Annotated[int, Query(ge=0, description="the stage the page shows up to")] = 0,
    cell: Annotated[
        str | None, Query(max_length=40, description="the selected cell, stage.map.row.column")
    ] = None,
    scale: Annotated[Scale, Query(description="one colour scale per stage, or per map")] = "stage",
    fragment: Annotated[
        Fragment | None, Query(description="for htmx: 'next' sends only the new stage")
    ] = None,
    colours: ColoursParam = DEFAULT_COLOURS,
) -> StepQuery:
    return StepQuery(step, cell, scale, fragment, colours)


@dataclass(frozen=True)
class Mode:
    """How a page is shown, from its URL: for a projector (``present``: large type, only Back,
    Next and the current chapter or stage) and pinned for a class (``lock``: no controls that
    change the picture, the pipeline or the kernels). Both are kept in every link the page
    makes."""

    present: bool = False
    lock: bool = False

    @property
    def query(self) -> dict[str, int | None]:
        return {"present": 1 if self.present else None, "lock": 1 if self.lock else None}

    @property
    def key(self) -> str:
        return f"{int(self.present)}{int(self.lock)}"


FLAGS = {"": False, "0": False, "false": False, "off": False, "no": False,
         "1": True, "true": True, "on": True, "yes": True}  # fmt: skip
"""How a page's on/off parameters may be written; empty (``?present=``) is off."""


def flag(value: str, name: str) -> bool:
    try:
        return FLAGS[value.strip().lower()]
    except KeyError:
        raise EngineError(
            name, "write 1 to turn it on, or 0 (or nothing) to leave it off"
        ) from None


async def mode_params(
    request: Request,
    present: Annotated[str, Query(description="1: presenter mode, for a projector")] = "",
    lock: Annotated[
        str, Query(description="1: hide the controls, so a class follows one example")
    ] = "",
) -> Mode:
    mode = Mode(flag(present, "present"), flag(lock, "lock"))
    request.state.mode = mode  # every template of the request reads it (see Render)
    return mode


class CrossSite(Exception):
    """A page's form sent from another site's page (a forged post)."""


async def same_site(request: Request) -> None:
    """Refuse a form post made by another site's page: the browser says so in Sec-Fetch-Site,
    or, where it does not send that, in an Origin that is not this host or the public URL's.
    Scripts and notebooks (no such headers) and the JSON API are not affected."""
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    if site is not None:
        if site not in ("same-origin", "none"):  # a sibling subdomain is not this site either
            raise CrossSite
    elif origin is not None:
        public = request.app.state.settings.public_url
        ours = {request.headers.get("host"), urlsplit(public).netloc if public else None}
        if origin == "null" or urlsplit(origin).netloc not in ours:
            raise CrossSite


async def count_run(request: Request) -> None:
    """One more run from this client (429 past the limit); a live drawing's update (``?live=1``,
    sent while the pen moves) or a builder's preview (``?live=build``, sent as its fields change)
    counts against its own, larger budget, so it never blocks Run."""
    settings = request.app.state.settings
    if request.query_params.get("live") in ("1", "build"):
        limit(request, "live updates", settings.live_updates_per_minute)
    else:
        limit(request, "runs", settings.runs_per_minute)


async def count_training(request: Request) -> None:
    """One more training made by this client address (429 past the limit)."""
    limit(request, "trainings", request.app.state.settings.trainings_per_minute)


async def count_save(request: Request) -> None:
    """One more save from this client address (429 past the limit)."""
    limit(request, "saves", request.app.state.settings.saves_per_minute)


async def count_compute(request: Request) -> None:
    """One more computed read (a run's numbers, a cell, a comparison) from this client address
    (429 past the limit)."""
    limit(request, "computed answers", request.app.state.settings.computes_per_minute)


VARY = "HX-Request, HX-History-Restore-Request"
"""What an answer that is a page or a fragment depends on besides its URL: whether htmx asked,
and whether for a fragment or (restoring history) the whole page."""


class Render:
    """Renders a template with the request; one per request."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.templates: Jinja2Templates = request.app.state.templates

    def __call__(
        self, name: str, context: dict[str, Any], status_code: int = 200,
        headers: dict[str, str] | None = None,
    ) -> HTMLResponse:  # fmt: skip
        context.setdefault("mode", getattr(self.request.state, "mode", Mode()))
        response: HTMLResponse = self.templates.TemplateResponse(
            self.request, name, context, status_code=status_code, headers=headers
        )
        return response

    def page_or_fragment(
        self, page: str, fragment: str, context: dict[str, Any], status_code: int = 200,
        headers: dict[str, str] | None = None,
    ) -> HTMLResponse:  # fmt: skip
        """``page`` when opened cold or restored from history, else ``fragment`` for htmx; the
        one place that chooses, so every such answer varies on the same headers."""
        name = fragment if self.htmx else page
        response = self(name, context, status_code=status_code, headers=headers)
        response.headers["Vary"] = VARY
        return response

    @property
    def htmx(self) -> bool:
        """An htmx request that wants a fragment (a history restore wants the whole page)."""
        headers = self.request.headers
        return headers.get("hx-request") == "true" and not headers.get("hx-history-restore-request")


def absolute(request: Request, path: str) -> str:
    """``path`` as an absolute URL: CONVLENS_PUBLIC_URL when set, else the request's address."""
    base = request.app.state.settings.public_url or str(request.base_url)
    return base.rstrip("/") + path


def picture_response(request: Request, etag: str, make: Callable[[], bytes]) -> Response:
    """A content-addressed picture: its address says everything, so its ETag is made from the
    address; 304 when the browser has it, else the PNG, cached forever."""
    headers = {**IMMUTABLE, "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(make(), media_type="image/png", headers=headers)


ServiceDep = Annotated[Service, Depends(get_service)]
StepParams = Annotated[StepQuery, Depends(step_params)]
ModeParams = Annotated[Mode, Depends(mode_params)]
LinksDep = Annotated[Links, Depends(get_links)]


async def get_render(request: Request) -> Render:
    return Render(request)


RenderDep = Annotated[Render, Depends(get_render)]
SameSite = Depends(same_site)
RunLimit = Depends(count_run)
SaveLimit = Depends(count_save)
TrainingLimit = Depends(count_training)
ComputeLimit = Depends(count_compute)
