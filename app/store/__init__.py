"""Storage of runs and demos: SQLite by default, PostgreSQL when the database URL says so."""

from __future__ import annotations

from pathlib import Path

from .records import DemoRecord, RunRecord, TrainingRecord, run_address, spec_hash
from .runs import SqliteStore
from .tables import Presence, Tables


def open_stores(database_url: str | None, sqlite_path: object) -> tuple[Tables, Tables]:
    """The runs store and the demos store: PostgreSQL for a postgresql:// URL, else the SQLite
    file at ``sqlite_path`` (demos there flush every commit to disk, runs do not)."""
    if database_url and database_url.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresStore

        return PostgresStore(database_url), PostgresStore(database_url)
    path = Path(str(sqlite_path))
    return SqliteStore(path, "NORMAL"), SqliteStore(path, "FULL")


__all__ = ["DemoRecord", "Presence", "RunRecord", "SqliteStore", "Tables", "TrainingRecord",
           "open_stores", "run_address", "spec_hash"]  # fmt: skip
