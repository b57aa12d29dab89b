"""One SQLite connection per thread, opened on first use and closed together at shutdown."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class ThreadConnections:
    def __init__(self, path: Path, timeout: float, synchronous: str) -> None:
        self.path = path
        self.timeout = timeout
        self.synchronous = synchronous
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection (opened once per thread, not per request), in a
        transaction that commits when the block ends."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # used by this thread only; closed from another at shutdown, hence no thread check
            conn = sqlite3.connect(self.path, timeout=self.timeout, check_same_thread=False)
            conn.execute(f"PRAGMA synchronous={self.synchronous}")
            self._local.conn = conn
            with self._lock:
                self._opened.append(conn)
        with conn:
            yield conn

    def close(self) -> None:
        """Close every thread's connection (when the server stops)."""
        with self._lock:
            opened, self._opened = self._opened, []
        for conn in opened:
            conn.close()
