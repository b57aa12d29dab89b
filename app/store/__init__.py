"""Storage of runs and demos: SQLite by default, PostgreSQL when the database URL says so."""

from __future__ import annotations

from typing import Protocol

from .demos import DemoRecord, DemoStore
from .runs import RunRecord, RunStore


class Runs(Protocol):
    def create(self) -> None: ...
    def close(self) -> None: ...
    def put(self, record: RunRecord) -> None: ...
    def get(self, run_id: str) -> RunRecord | None: ...


class Demos(Protocol):
    def close(self) -> None: ...
    def put(self, record: DemoRecord, delete_token: str) -> bool: ...
    def get(self, demo_id: str) -> DemoRecord | None: ...
    def delete(self, demo_id: str, token: str) -> bool: ...


def open_stores(database_url: str | None, sqlite_path: object) -> tuple[Runs, Demos]:
    """PostgreSQL stores for a postgresql:// URL, else the SQLite file at ``sqlite_path``."""
    if database_url and database_url.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresDemoStore, PostgresRunStore

        return PostgresRunStore(database_url), PostgresDemoStore(database_url)
    from pathlib import Path

    path = Path(str(sqlite_path))
    return RunStore(path), DemoStore(path)


__all__ = ["DemoRecord", "DemoStore", "Demos", "RunRecord", "RunStore", "Runs", "open_stores"]
