"""Runs in SQLite: the normalised input and the canonical spec, addressed by their hash.

A plain run is cheap to lose (it can be run again), so writes use WAL with synchronous=NORMAL:
no disk flush per request. Connections are opened per call, so any thread or process can serve
any run from the database alone. Specs are stored once each, by their SHA-256, and runs point at
them: a learned network's spec is a few hundred kilobytes that thousands of runs share.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..imaging.normalise import Box
from .connections import ThreadConnections

SCHEMA_VERSION = 4
SCHEMA = """
CREATE TABLE IF NOT EXISTS specs (
    hash TEXT PRIMARY KEY,
    spec BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    spec_hash TEXT NOT NULL REFERENCES specs (hash),
    input BLOB NOT NULL,
    channels INTEGER NOT NULL,
    height INTEGER NOT NULL,
    width INTEGER NOT NULL,
    content TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE IF NOT EXISTS demos (
    id TEXT PRIMARY KEY,
    spec_hash TEXT NOT NULL REFERENCES specs (hash),
    input BLOB NOT NULL,
    channels INTEGER NOT NULL,
    height INTEGER NOT NULL,
    width INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    delete_token_hash TEXT NOT NULL,
    content TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
"""
# The version lives in a schema_version table; the migration and the new version commit together.
# Version 3 had no content column (CONTENT adds it); version 2 no demos table (SCHEMA adds
# it). Version 1 kept each run's spec in its row.
FROM_VERSION_1 = """
ALTER TABLE runs RENAME TO runs_v1;
{schema}
INSERT OR IGNORE INTO specs (hash, spec) SELECT sha256(spec), spec FROM runs_v1;
INSERT INTO runs (id, spec_hash, input, channels, height, width, created_at)
    SELECT id, sha256(spec), input, channels, height, width, created_at FROM runs_v1;
DROP TABLE runs_v1;
"""

CONTENT = "ALTER TABLE {table} ADD COLUMN content TEXT"


def spec_hash(spec: bytes) -> str:
    return hashlib.sha256(spec).hexdigest()


@dataclass(frozen=True)
class RunRecord:
    id: str
    spec: bytes
    """The canonical spec JSON."""
    input: npt.NDArray[np.float32]
    """The normalised input, (C, H, W)."""
    content: Box | None = None
    """Where the picture lies in the input when the rest was filled in (``imaging.Fitted``)."""


class RunStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._connections = ThreadConnections(self._open_one, lambda conn: True)

    def _open_one(self) -> sqlite3.Connection:
        # used by its thread only; closed from another at shutdown, hence no thread check
        conn = sqlite3.connect(self.path, timeout=5.0, check_same_thread=False)
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def close(self) -> None:
        """Close every thread's connection (when the server stops)."""
        self._connections.close()

    def create(self) -> None:
        """Create the database file and tables, or bring an older database up to date."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.create_function("sha256", 1, spec_hash, deterministic=True)
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            recorded = conn.execute("SELECT max(version) FROM schema_version").fetchone()[0]
            # databases from before the table kept their version in the file header
            version = recorded or conn.execute("PRAGMA user_version").fetchone()[0]
            columns = {row[1] for row in conn.execute("PRAGMA table_info(runs)")}
            if version > SCHEMA_VERSION:
                conn.execute("ROLLBACK")
                raise RuntimeError(
                    f"{self.path} is from a newer ConvLens (schema {version}); this one knows "
                    f"up to {SCHEMA_VERSION}"
                )
            script = FROM_VERSION_1.format(schema=SCHEMA) if "spec" in columns else SCHEMA
            for statement in filter(str.strip, script.split(";")):
                conn.execute(statement)
            for table in ("runs", "demos"):
                if "content" not in {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}:
                    conn.execute(CONTENT.format(table=table))
            if version != SCHEMA_VERSION:
                conn.execute("DELETE FROM schema_version")
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
            conn.execute("COMMIT")
        finally:
            conn.close()

    def put(self, record: RunRecord) -> None:
        """Store a run; storing the same id again changes nothing."""
        c, h, w = record.input.shape
        data = input_bytes(record.input)
        digest = spec_hash(record.spec)
        with self._connections.get() as conn:  # a transaction
            conn.execute(
                "INSERT OR IGNORE INTO specs (hash, spec) VALUES (?, ?)", (digest, record.spec)
            )
            conn.execute(
                "INSERT OR IGNORE INTO runs (id, spec_hash, input, channels, height, width,"
                " content) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (record.id, digest, data, c, h, w, box_text(record.content)),
            )

    def get(self, run_id: str) -> RunRecord | None:
        with self._connections.get() as conn:  # a transaction
            row = conn.execute(
                "SELECT specs.spec, input, channels, height, width, content FROM runs"
                " JOIN specs ON specs.hash = runs.spec_hash WHERE runs.id = ?",
                (run_id,),
            ).fetchone()
        if row is None:
            return None
        spec, data, c, h, w, content = row
        return RunRecord(run_id, bytes(spec), input_array(data, c, h, w), box_from(content))


def box_text(box: Box | None) -> str | None:
    """A content box as its column holds it: 'top,left,bottom,right', or NULL."""
    return None if box is None else ",".join(map(str, box))


def box_from(text: str | None) -> Box | None:
    if not text:
        return None
    top, left, bottom, right = map(int, text.split(","))
    return top, left, bottom, right


def input_bytes(x: npt.NDArray[np.float32]) -> bytes:
    return np.ascontiguousarray(x, dtype="<f4").tobytes()


def input_array(data: bytes, c: int, h: int, w: int) -> npt.NDArray[np.float32]:
    return np.frombuffer(data, dtype="<f4").astype(np.float32).reshape(c, h, w)
