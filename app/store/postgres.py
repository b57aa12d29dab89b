"""Runs and demos in PostgreSQL (psycopg 3), when the settings' database URL points to one.

The same queries as SQLite (``tables``); every call commits its own transaction, so a save is
acknowledged only after its commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row

from .connections import ThreadConnections
from .database import COUNT_STORED, COUNTED, TOMBSTONE_BYTES
from .tables import Tables

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS specs (hash TEXT PRIMARY KEY, spec BYTEA NOT NULL)",
    """CREATE TABLE IF NOT EXISTS runs (
        id TEXT PRIMARY KEY, spec_hash TEXT NOT NULL REFERENCES specs (hash),
        input BYTEA NOT NULL, channels INTEGER NOT NULL, height INTEGER NOT NULL,
        width INTEGER NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now())""",
    """CREATE TABLE IF NOT EXISTS demos (
        id TEXT PRIMARY KEY, spec_hash TEXT NOT NULL REFERENCES specs (hash),
        input BYTEA NOT NULL, channels INTEGER NOT NULL, height INTEGER NOT NULL,
        width INTEGER NOT NULL, title TEXT NOT NULL, description TEXT NOT NULL,
        delete_token_hash TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now())""",
    # version 4: where the picture lies in the input (see RunRecord.content)
    "ALTER TABLE runs ADD COLUMN IF NOT EXISTS content TEXT",
    "ALTER TABLE demos ADD COLUMN IF NOT EXISTS content TEXT",
    # version 5: compact inputs, retention, demos that name their run, shared rate limits
    "ALTER TABLE runs ADD COLUMN IF NOT EXISTS codec TEXT NOT NULL DEFAULT 'f4'",
    "ALTER TABLE runs ADD COLUMN IF NOT EXISTS size BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE runs ADD COLUMN IF NOT EXISTS viewed_at DOUBLE PRECISION NOT NULL DEFAULT 0",
    "ALTER TABLE demos ADD COLUMN IF NOT EXISTS codec TEXT NOT NULL DEFAULT 'f4'",
    "ALTER TABLE demos ADD COLUMN IF NOT EXISTS run_id TEXT",
    "CREATE TABLE IF NOT EXISTS gone (id TEXT PRIMARY KEY, gone_at DOUBLE PRECISION NOT NULL)",
    """CREATE TABLE IF NOT EXISTS hits (key TEXT NOT NULL, minute BIGINT NOT NULL,
        n INTEGER NOT NULL, PRIMARY KEY (key, minute))""",
    # version 6: example runs no demo deletion may take, and why a run went
    "ALTER TABLE runs ADD COLUMN IF NOT EXISTS public INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE gone ADD COLUMN IF NOT EXISTS reason TEXT NOT NULL DEFAULT 'expired'",
    # version 7: trainings (drawings, labels, settings, seed; weights are rebuilt by replay)
    """CREATE TABLE IF NOT EXISTS trainings (id TEXT PRIMARY KEY, classes TEXT NOT NULL,
        drawings BYTEA NOT NULL, count INTEGER NOT NULL, labels TEXT NOT NULL,
        settings TEXT NOT NULL, seed BIGINT NOT NULL, step INTEGER NOT NULL DEFAULT 0,
        changes TEXT NOT NULL DEFAULT '[]', created_at TIMESTAMPTZ NOT NULL DEFAULT now())""",
    # version 8: whether a training runs, how fast, since which step, when it last moved and
    # why it stopped
    "ALTER TABLE trainings ADD COLUMN IF NOT EXISTS running INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE trainings ADD COLUMN IF NOT EXISTS speed INTEGER NOT NULL DEFAULT 10",
    "ALTER TABLE trainings ADD COLUMN IF NOT EXISTS ticked DOUBLE PRECISION NOT NULL DEFAULT 0",
    "ALTER TABLE trainings ADD COLUMN IF NOT EXISTS stopped TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE trainings ADD COLUMN IF NOT EXISTS since INTEGER NOT NULL DEFAULT 0",
    # version 9: retention and limits for trainings (last view, bytes, CPU spent, shared)
    "ALTER TABLE trainings ADD COLUMN IF NOT EXISTS viewed_at DOUBLE PRECISION NOT NULL DEFAULT 0",
    "ALTER TABLE trainings ADD COLUMN IF NOT EXISTS size BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE trainings ADD COLUMN IF NOT EXISTS cpu DOUBLE PRECISION NOT NULL DEFAULT 0",
    "ALTER TABLE trainings ADD COLUMN IF NOT EXISTS shared INTEGER NOT NULL DEFAULT 0",
    # version 10: class boards and the drawings students send to them
    """CREATE TABLE IF NOT EXISTS boards (id TEXT PRIMARY KEY, code TEXT NOT NULL UNIQUE,
        classes TEXT NOT NULL, admin_hash TEXT NOT NULL, open INTEGER NOT NULL DEFAULT 1,
        training TEXT, viewed_at DOUBLE PRECISION NOT NULL DEFAULT 0)""",
    """CREATE TABLE IF NOT EXISTS board_drawings (id TEXT PRIMARY KEY, board_id TEXT NOT NULL,
        label INTEGER NOT NULL, drawing BYTEA NOT NULL, session TEXT NOT NULL,
        hidden INTEGER NOT NULL DEFAULT 0, created_at DOUBLE PRECISION NOT NULL)""",
    # version 11: a training's state as a worker saves it (the latest, and every hundredth step)
    """CREATE TABLE IF NOT EXISTS training_states (training_id TEXT NOT NULL,
        step INTEGER NOT NULL, changes INTEGER NOT NULL, kept INTEGER NOT NULL,
        state BYTEA NOT NULL,
        PRIMARY KEY (training_id, step))""",
    # version 12: the running total of stored bytes, kept by triggers in each write's
    # transaction, and the indexes that keep pruning to bounded batches
    "CREATE TABLE IF NOT EXISTS totals (name TEXT PRIMARY KEY, bytes BIGINT NOT NULL)",
    COUNT_STORED,
    f"""CREATE OR REPLACE FUNCTION convlens_count_runs() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN {COUNTED.format(change="NEW.size")};
        ELSIF TG_OP = 'DELETE' THEN {COUNTED.format(change="-OLD.size")};
        ELSE {COUNTED.format(change="NEW.size - OLD.size")};
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION convlens_count_gone() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN {COUNTED.format(change=TOMBSTONE_BYTES)};
        ELSE {COUNTED.format(change=-TOMBSTONE_BYTES)};
        END IF;
        RETURN NULL;
    END $$""",
    *(
        f"""DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '{name}') THEN
            CREATE TRIGGER {name} AFTER {events} FOR EACH ROW EXECUTE FUNCTION {function}();
        END IF; END $$"""
        for name, events, function in (
            ("runs_counted", "INSERT OR DELETE OR UPDATE OF size ON runs", "convlens_count_runs"),
            ("gone_counted", "INSERT OR DELETE ON gone", "convlens_count_gone"),
        )
    ),
    "CREATE INDEX IF NOT EXISTS runs_by_spec ON runs (spec_hash)",
    "CREATE INDEX IF NOT EXISTS demos_by_spec ON demos (spec_hash)",
    "CREATE INDEX IF NOT EXISTS gone_by_time ON gone (gone_at)",
    "CREATE INDEX IF NOT EXISTS drawings_by_board ON board_drawings (board_id, created_at)",
    "CREATE INDEX IF NOT EXISTS runs_by_view ON runs (viewed_at)",
    "CREATE INDEX IF NOT EXISTS demos_by_run ON demos (run_id)",
]
Connection = psycopg.Connection[dict[str, Any]]
"""A connection whose rows are read by column name."""
SCHEMA_LOCK = 7_461_123  # an advisory lock: two servers starting at once migrate one at a time


class PostgresStore(Tables):
    MARK = "%s"
    CREATED = "to_char(demos.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
    LOCK = " FOR UPDATE"
    HOLD = " FOR KEY SHARE"

    def __init__(self, url: str) -> None:
        self.url = url
        self._specs_sent = set()
        self._connections: ThreadConnections[Connection] = ThreadConnections(
            lambda: psycopg.connect(
                self.url, connect_timeout=10, autocommit=True, row_factory=dict_row
            ),
            lambda conn: not (conn.closed or conn.broken),
        )

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """This thread's connection, in a transaction that commits when the block ends."""
        conn = self._connections.get()
        with conn.transaction():
            yield conn

    def close(self) -> None:
        """Close every thread's connection (when the server stops)."""
        self._connections.close()

    def create(self) -> None:
        """Create the tables, bring older ones up to date, or refuse a newer ConvLens's."""
        with self._transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            conn.execute(SCHEMA[0])
            row = self._one(conn, "SELECT max(version) AS version FROM schema_version")
            version = row["version"] if row and row["version"] is not None else 0
            self._refuse_newer(version, "the database")
            for statement in SCHEMA[1:]:
                conn.execute(statement)
            self._record_version(conn, version)
