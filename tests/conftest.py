from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest

from app.settings import Settings
from app.web import create_app

from .postgres import PostgresMissing, throwaway_postgres

FIXTURES = Path(__file__).parent / "fixtures"
# the in-process clients address the app as http://testserver
os.environ.setdefault("CONVLENS_ALLOWED_HOSTS", '["testserver"]')


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


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server the tests may create databases on: the one CONVLENS_TEST_POSTGRES_URL
    names, else a throw-away server started here for this test session."""
    named = os.environ.get("CONVLENS_TEST_POSTGRES_URL")
    if named:
        yield named
        return
    try:
        with throwaway_postgres() as url:
            yield url
    except PostgresMissing as missing:
        pytest.fail(str(missing))


@dataclass
class Database:
    """Where a test keeps its runs and demos: a SQLite file, or a fresh PostgreSQL database."""

    backend: str
    url: str | None
    sqlite_path: Path

    def execute(self, sql: str, *params: object) -> list[tuple]:
        """Run one statement directly against the backend (for checks the stores do not offer)."""
        if self.url is None:
            with sqlite3.connect(self.sqlite_path) as conn:
                return conn.execute(sql.replace("%s", "?"), params).fetchall()
        with psycopg.connect(self.url) as conn:
            cursor = conn.execute(sql, params)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> Iterator[Database]:
    """Each storage test runs on both backends: a SQLite file, or a fresh database on the
    session's PostgreSQL server."""
    if request.param == "sqlite":
        yield Database("sqlite", None, tmp_path / "convlens.sqlite3")
        return
    server = request.getfixturevalue("postgres_url")
    name = f"convlens_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield Database("postgresql", server.rsplit("/", 1)[0] + "/" + name, tmp_path / "unused")
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")
