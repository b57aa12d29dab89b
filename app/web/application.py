"""The app factory: no work at import time; resources opened in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from .. import __version__
from ..settings import Settings
from . import health, pages
from .resources import resource_dir
from .security import SecurityHeaders


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        yield

    app = FastAPI(
        title="ConvLens",
        version=__version__,
        lifespan=lifespan,
        max_body_size=settings.max_upload_bytes,
    )
    app.state.settings = settings
    app.state.templates = Jinja2Templates(directory=resource_dir("templates"))
    app.mount("/static", StaticFiles(directory=resource_dir("static")), name="static")
    app.include_router(pages.router)
    app.include_router(health.router)
    app.add_middleware(SecurityHeaders)
    return app
