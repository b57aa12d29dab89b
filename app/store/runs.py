"""Runs in SQLite: the normalised input and the canonical spec, addressed by their hash.

A plain run is cheap to lose (it can be run again), so writes use WAL with synchronous=NORMAL:
no disk flush per request. Connections are opened per call, so any thread or process can serve
any run from the database alone.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    spec BLOB NOT NULL,
    input BLOB NOT NULL,
    channels INTEGER NOT NULL,
    height INTEGER NOT NULL,
    width INTEGER NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
)
"""


@dataclass(frozen=True)
class RunRecord:
    id: str
    spec: bytes
    """The canonical spec JSON."""
    input: npt.NDArray[np.float32]
    """The normalised input, (C, H, W)."""


class RunStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=5.0)
        try:
            conn.execute("PRAGMA synchronous=NORMAL")
            with conn:
                yield conn
        finally:
            conn.close()

    def create(self) -> None:
        """Create the database file and table if they are not there yet."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(SCHEMA)

    def put(self, record: RunRecord) -> None:
        """Store a run; storing the same id again changes nothing."""
        c, h, w = record.input.shape
        data = np.ascontiguousarray(record.input, dtype="<f4").tobytes()
        with self._connect() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO runs (id, spec, input, channels, height, width)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (record.id, record.spec, data, c, h, w),
            )

    def get(self, run_id: str) -> RunRecord | None:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT spec, input, channels, height, width FROM runs WHERE id = ?", (run_id,)
            ).fetchone()
        if row is None:
            return None
        spec, data, c, h, w = row
        array = np.frombuffer(data, dtype="<f4").astype(np.float32).reshape(c, h, w)
        return RunRecord(run_id, bytes(spec), array)
