"""The app factory: no work at import time; resources opened in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from .. import __version__
from ..service import Explorer
from ..settings import Settings
from ..store import RunStore
from . import api, health, pages, runs
from .errors import HANDLERS
from .resources import resource_dir
from .security import SecurityHeaders


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    store = RunStore(settings.database_path)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store.create()
        yield

    app = FastAPI(
        title="ConvLens",
        version=__version__,
        lifespan=lifespan,
        max_body_size=settings.max_upload_bytes,
    )
    app.state.settings = settings
    app.state.explorer = Explorer(settings, store)
    app.state.templates = Jinja2Templates(directory=resource_dir("templates"))
    app.mount("/static", StaticFiles(directory=resource_dir("static")), name="static")
    app.include_router(pages.router)
    app.include_router(health.router)
    app.include_router(runs.router)
    app.include_router(api.router)
    for error, handler in HANDLERS.items():
        app.add_exception_handler(error, handler)
    app.add_middleware(SecurityHeaders)
    return app
