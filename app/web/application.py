"""The app factory: no work at import time; resources opened in the lifespan."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.templating import Jinja2Templates
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.middleware.gzip import GZipMiddleware

from .. import __version__
from ..resources import resource_dir
from ..service import SCHEMES, Service, all_presets, num, precise
from ..settings import Settings
from . import (
    api,
    api_trainings,
    boards,
    compare,
    demos,
    docs,
    health,
    learn,
    learn_share,
    learn_step,
    lesson,
    pages,
    runs,
)
from .contract import exact_contract
from .deps import Mode
from .errors import HANDLERS, BodyLimit
from .filters import ramp_defs, ramp_id, scalar_items, table_rows, vector_cells
from .guards import BodyTimeout, KnownHosts
from .head import HeadAsGet, Options
from .lesson_filters import LESSON_FILTERS
from .links import Links, step_link, with_look
from .security import SecurityHeaders, keep_tokens_out_of_the_log
from .sessions import Sessions, session_secret
from .static_files import STATIC, VersionedFiles

PAGES_AND_API = (pages, health, runs, api, api_trainings, demos, docs, lesson, compare,
                 learn_share, learn_step, learn, boards)  # fmt: skip
"""Every router, in the order a path is matched (learn's /learn/{id}/{action} last of its)."""


def templates_digest(folder: Path) -> str:
    """A short hash of every template: pages built from them change only when this does."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(folder.rglob("*.html")):
        digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    service = Service.open(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service.start()  # the tables, and what expired while the server was down goes now
        all_presets()  # the letters network loads now, not on the first request
        # Everything made so far (modules, routes, templates, the presets' weights) lives as long
        # as the server: keep it out of the garbage collector's full passes, which otherwise
        # walk it all each time (about 70 ms here, with the event loop waiting).
        gc.freeze()
        yield
        service.stop()

    app = FastAPI(
        title="ConvLens",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_tags=[  # in this order on /docs: the JSON API first
            {
                "name": "api",
                "description": "The JSON API: runs, stages, numbers, cells, demos, trainings.",
            },
            {"name": "health", "description": "For load balancers and monitoring."},
        ],
    )
    app.state.settings = settings
    app.state.service = service
    app.mount("/static", VersionedFiles(directory=STATIC), name="static")
    for module in PAGES_AND_API:
        app.include_router(module.router)
    exact_contract(app)
    app.state.links = Links(app.router)
    app.state.templates = templates(app.state.links)
    app.state.build = templates_digest(resource_dir("templates"))
    for error, handler in HANDLERS.items():
        app.add_exception_handler(error, handler)
    guard(app, settings)
    keep_tokens_out_of_the_log()
    return app


def templates(links: Links) -> Jinja2Templates:
    """The pages' templates, with the filters and globals they use."""
    made = Jinja2Templates(directory=resource_dir("templates"))
    made.env.filters.update(
        num=num,
        precise=precise,
        table_rows=table_rows,
        vector_cells=vector_cells,
        ramp_id=ramp_id,
        scalar_items=scalar_items,
        **LESSON_FILTERS,
    )
    made.env.auto_reload = False  # read each template once, not stat it on every render
    made.env.globals.update(link=links.path, static=links.static, sheet=links.sheet,
                            step_link=step_link, schemes=SCHEMES, ramp_defs=ramp_defs,
                            mode=Mode(),
                            home_in=lambda colours: with_look(links.path("home"),
                                                              colours=colours))  # fmt: skip
    return made


def guard(app: FastAPI, settings: Settings) -> None:
    """The middleware every request passes, the outermost last."""
    # Bodies sent without a length are counted as they arrive (the 413 reaches our handlers);
    # a declared length over the limit is refused before a byte is read; a body that stalls is
    # given up on.
    app.add_middleware(RequestBodyLimitMiddleware, max_body_size=settings.max_upload_bytes)
    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes)
    app.add_middleware(BodyTimeout, seconds=settings.body_seconds)
    app.add_middleware(Options, router=app.router)
    app.add_middleware(Sessions, secret=session_secret(settings.secret_key, settings.data_dir))
    # a request for another host (a forged Host header) is refused before anything else
    app.add_middleware(KnownHosts, hosts=settings.hosts, check_port=not settings.public_url)
    app.add_middleware(SecurityHeaders)  # on every answer, the refusals above included
    # HTML, JSON, CSS, JS and SVG gzipped for a client that takes it; Starlette leaves pictures
    # (already compressed) and the event stream (sent as it happens) alone
    app.add_middleware(GZipMiddleware, minimum_size=500, compresslevel=6)
    app.add_middleware(HeadAsGet)  # outermost: HEAD is a GET all the way down
