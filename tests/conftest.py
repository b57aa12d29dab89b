from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from app.settings import Settings
from app.web import create_app

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def seed() -> dict:
    """The slides' X/O numbers (a copy of shared/fixtures/seed_xo.json)."""
    return json.loads((FIXTURES / "seed_xo.json").read_text())


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
async def client(settings):
    """An httpx client on a fresh app (lifespan run), with its own temporary database."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last: Playwright's sync API keeps an event loop running in this thread
    from its first use to the end of the session, and the async tests cannot start theirs then."""
    items.sort(key=lambda item: item.path.parent.name == "browser")
