"""Runs and demos in SQLite (the queries are in ``tables``; this file connects and migrates).

A plain run is cheap to lose (it can be run again), so its writes use WAL with synchronous=NORMAL:
no disk flush per request. A demo is a promise to whoever got its link, so the demo store's
connections flush every commit (synchronous=FULL). Connections are opened per thread, so any
thread or process can serve any run from the database alone. Specs are stored once each, by
their SHA-256, and runs point at them: a learned network's spec is a few hundred kilobytes that
thousands of runs share.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .connections import ThreadConnections
from .database import COUNT_STORED, COUNTED, TOMBSTONE_BYTES
from .records import spec_hash
from .tables import Tables

STORED_INPUT = """id TEXT PRIMARY KEY,
    spec_hash TEXT NOT NULL REFERENCES specs (hash),
    input BLOB NOT NULL,
    channels INTEGER NOT NULL,
    height INTEGER NOT NULL,
    width INTEGER NOT NULL,"""
"""The columns runs and demos both begin with: the id, the spec, and the input with its shape."""
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS specs (
    hash TEXT PRIMARY KEY,
    spec BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    {STORED_INPUT}
    content TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    codec TEXT NOT NULL DEFAULT 'f4',
    size INTEGER NOT NULL DEFAULT 0,
    viewed_at REAL NOT NULL DEFAULT 0,
    public INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS demos (
    {STORED_INPUT}
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    delete_token_hash TEXT NOT NULL,
    content TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    codec TEXT NOT NULL DEFAULT 'f4',
    run_id TEXT
);
CREATE TABLE IF NOT EXISTS totals (
    name TEXT PRIMARY KEY,
    bytes INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS gone (
    id TEXT PRIMARY KEY,
    gone_at REAL NOT NULL,
    reason TEXT NOT NULL DEFAULT 'expired'
);
CREATE TABLE IF NOT EXISTS hits (
    key TEXT NOT NULL,
    minute INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (key, minute)
);
CREATE TABLE IF NOT EXISTS trainings (
    id TEXT PRIMARY KEY,
    classes TEXT NOT NULL,
    drawings BLOB NOT NULL,
    count INTEGER NOT NULL,
    labels TEXT NOT NULL,
    settings TEXT NOT NULL,
    seed INTEGER NOT NULL,
    step INTEGER NOT NULL DEFAULT 0,
    changes TEXT NOT NULL DEFAULT '[]',
    running INTEGER NOT NULL DEFAULT 0,
    speed INTEGER NOT NULL DEFAULT 10,
    ticked REAL NOT NULL DEFAULT 0,
    stopped TEXT NOT NULL DEFAULT '',
    since INTEGER NOT NULL DEFAULT 0,
    viewed_at REAL NOT NULL DEFAULT 0,
    size INTEGER NOT NULL DEFAULT 0,
    cpu REAL NOT NULL DEFAULT 0,
    shared INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE IF NOT EXISTS boards (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    classes TEXT NOT NULL,
    admin_hash TEXT NOT NULL,
    open INTEGER NOT NULL DEFAULT 1,
    training TEXT,
    viewed_at REAL NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS board_drawings (
    id TEXT PRIMARY KEY,
    board_id TEXT NOT NULL,
    label INTEGER NOT NULL,
    drawing BLOB NOT NULL,
    session TEXT NOT NULL,
    hidden INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS training_states (
    training_id TEXT NOT NULL,
    step INTEGER NOT NULL,
    changes INTEGER NOT NULL,
    kept INTEGER NOT NULL,
    state BLOB NOT NULL,
    PRIMARY KEY (training_id, step)
);
"""
INDEXES = """
CREATE INDEX IF NOT EXISTS drawings_by_board ON board_drawings (board_id, created_at);
CREATE INDEX IF NOT EXISTS runs_by_view ON runs (viewed_at);
CREATE INDEX IF NOT EXISTS demos_by_run ON demos (run_id);
CREATE INDEX IF NOT EXISTS runs_by_spec ON runs (spec_hash);
CREATE INDEX IF NOT EXISTS demos_by_spec ON demos (spec_hash);
CREATE INDEX IF NOT EXISTS gone_by_time ON gone (gone_at);
"""
TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} BEGIN
    {COUNTED.format(change=change)}; END"""
    for name, event, change in (
        ("runs_in", "INSERT ON runs", "NEW.size"),
        ("runs_out", "DELETE ON runs", "-OLD.size"),
        ("runs_resized", "UPDATE OF size ON runs", "NEW.size - OLD.size"),
        ("gone_in", "INSERT ON gone", str(TOMBSTONE_BYTES)),
        ("gone_out", "DELETE ON gone", str(-TOMBSTONE_BYTES)),
    )
]
"""The running total of stored bytes (``database.COUNT_STORED``), kept by the database itself in
the transaction of every insert and delete: the size limit is checked without a scan."""
# The version lives in a schema_version table; the migration and the new version commit together.
# Version 11 had no running total of stored bytes (totals, its triggers, and the indexes that
# keep pruning to its batches); version 4 had no retention (ADDED: codec, size, viewed_at;
# demos' run_id; gone and hits), version 3 no content column, version 2 no demos table; version 1
# kept each run's spec in its row.
FROM_VERSION_1 = """
ALTER TABLE runs RENAME TO runs_v1;
{schema}
INSERT OR IGNORE INTO specs (hash, spec) SELECT sha256(spec), spec FROM runs_v1;
INSERT INTO runs (id, spec_hash, input, channels, height, width, created_at)
    SELECT id, sha256(spec), input, channels, height, width, created_at FROM runs_v1;
DROP TABLE runs_v1;
"""
ADDED = {
    "runs": {"content": "TEXT", "codec": "TEXT NOT NULL DEFAULT 'f4'",
             "size": "INTEGER NOT NULL DEFAULT 0", "viewed_at": "REAL NOT NULL DEFAULT 0",
             "public": "INTEGER NOT NULL DEFAULT 0"},
    "demos": {"content": "TEXT", "codec": "TEXT NOT NULL DEFAULT 'f4'", "run_id": "TEXT"},
    "gone": {"reason": "TEXT NOT NULL DEFAULT 'expired'"},
    "trainings": {"running": "INTEGER NOT NULL DEFAULT 0", "speed": "INTEGER NOT NULL DEFAULT 10",
                  "ticked": "REAL NOT NULL DEFAULT 0", "stopped": "TEXT NOT NULL DEFAULT ''",
                  "since": "INTEGER NOT NULL DEFAULT 0", "viewed_at": "REAL NOT NULL DEFAULT 0",
                  "size": "INTEGER NOT NULL DEFAULT 0", "cpu": "REAL NOT NULL DEFAULT 0",
                  "shared": "INTEGER NOT NULL DEFAULT 0"},
}  # fmt: skip


class SqliteStore(Tables):
    def __init__(self, path: Path, synchronous: str = "NORMAL") -> None:
        self.path = path
        self.synchronous = synchronous
        self._specs_sent = set()
        self._connections = ThreadConnections(self._open_one, lambda conn: True)

    def _open_one(self) -> sqlite3.Connection:
        # used by its thread only; closed from another at shutdown, hence no thread check
        conn = sqlite3.connect(self.path, timeout=10.0, check_same_thread=False)
        conn.row_factory = sqlite3.Row  # rows are read by column name
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        return conn

    def _writing(self, conn: sqlite3.Connection) -> None:
        if not conn.in_transaction:
            conn.execute("BEGIN IMMEDIATE")  # no prune deletes a spec between read and write

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._connections.get()
        with conn:  # commits at the end of the block, or rolls back
            yield conn

    def close(self) -> None:
        """Close every thread's connection (when the server stops)."""
        self._connections.close()

    def create(self) -> None:
        """Create the database file and tables, or bring an older database up to date."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.create_function("sha256", 1, spec_hash, deterministic=True)
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            recorded = conn.execute("SELECT max(version) AS v FROM schema_version").fetchone()["v"]
            # databases from before the table kept their version in the file header
            version = recorded or conn.execute("PRAGMA user_version").fetchone()["user_version"]
            columns = {row["name"] for row in conn.execute("PRAGMA table_info(runs)")}
            self._refuse_newer(version, str(self.path))
            script = FROM_VERSION_1.format(schema=SCHEMA) if "spec" in columns else SCHEMA
            for statement in filter(str.strip, script.split(";")):
                conn.execute(statement)
            for table, added in ADDED.items():
                have = {row["name"] for row in conn.execute(f"PRAGMA table_info({table})")}
                for column, kind in added.items():
                    if column not in have:
                        conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            for statement in filter(str.strip, INDEXES.split(";")):
                conn.execute(statement)
            conn.execute(COUNT_STORED)
            for trigger in TRIGGERS:
                conn.execute(trigger)
            self._record_version(conn, version)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()
