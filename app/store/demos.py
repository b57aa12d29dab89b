"""Shared demos in SQLite: immutable, addressed by a hash of their whole content.

A demo is a promise to whoever got its link, so a save is flushed to disk (synchronous=FULL)
before it returns; plain runs do not pay for that. The delete token is stored only as its SHA-256.
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..imaging.normalise import Box
from .connections import ThreadConnections
from .runs import box_from, box_text, input_array, input_bytes, spec_hash


@dataclass(frozen=True)
class DemoRecord:
    id: str
    spec: bytes
    input: npt.NDArray[np.float32]
    title: str
    description: str
    created_at: str = ""
    content: Box | None = None
    """Where the picture lies in the input (``RunRecord.content``)."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DemoStore:
    """Reads and writes the demos table (RunStore.create makes the schema)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connections = ThreadConnections(self._open_one, lambda conn: True)

    def _open_one(self) -> sqlite3.Connection:
        # used by its thread only; closed from another at shutdown, hence no thread check
        conn = sqlite3.connect(self.path, timeout=10.0, check_same_thread=False)
        conn.execute("PRAGMA synchronous=FULL")
        return conn

    def close(self) -> None:
        """Close every thread's connection (when the server stops)."""
        self._connections.close()

    def put(self, record: DemoRecord, delete_token: str) -> bool:
        """Store the demo; True if it is new, False if it was there already (nothing changes)."""
        c, h, w = record.input.shape
        digest = spec_hash(record.spec)
        with self._connections.get() as conn:  # a transaction
            conn.execute(
                "INSERT OR IGNORE INTO specs (hash, spec) VALUES (?, ?)", (digest, record.spec)
            )
            cursor = conn.execute(
                "INSERT OR IGNORE INTO demos (id, spec_hash, input, channels, height, width,"
                " title, description, delete_token_hash, content)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (record.id, digest, input_bytes(record.input), c, h, w, record.title,
                 record.description, token_hash(delete_token), box_text(record.content)),
            )  # fmt: skip
            return cursor.rowcount == 1

    def get(self, demo_id: str) -> DemoRecord | None:
        with self._connections.get() as conn:  # a transaction
            row = conn.execute(
                "SELECT specs.spec, input, channels, height, width, title, description,"
                " demos.created_at, content FROM demos JOIN specs ON specs.hash = demos.spec_hash"
                " WHERE demos.id = ?",
                (demo_id,),
            ).fetchone()
        if row is None:
            return None
        spec, data, c, h, w, title, description, created, content = row
        return DemoRecord(demo_id, bytes(spec), input_array(data, c, h, w), title, description,
                          created, box_from(content))  # fmt: skip

    def delete(self, demo_id: str, token: str) -> bool:
        """Delete the demo if ``token`` is its delete token (compared in constant time)."""
        with self._connections.get() as conn:  # a transaction
            row = conn.execute(
                "SELECT delete_token_hash FROM demos WHERE id = ?", (demo_id,)
            ).fetchone()
            if row is None or not hmac.compare_digest(row[0], token_hash(token)):
                return False
            conn.execute("DELETE FROM demos WHERE id = ?", (demo_id,))
            return True
