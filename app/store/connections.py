"""One database connection per thread, opened on first use (and again if it broke), and all of
them closed together when the server stops. Shared by the SQLite and PostgreSQL stores."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar


class Closable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=Closable)


class ThreadConnections(Generic[C]):
    def __init__(self, open_one: Callable[[], C], usable: Callable[[C], bool]) -> None:
        self._open = open_one
        self._usable = usable
        self._local = threading.local()
        self._opened: list[C] = []
        self._lock = threading.Lock()

    def get(self) -> C:
        """This thread's connection: opened once per thread, not per request."""
        conn: C | None = getattr(self._local, "conn", None)
        if conn is None or not self._usable(conn):
            conn = self._open()
            self._local.conn = conn
            with self._lock:
                self._opened.append(conn)
        return conn

    def close(self) -> None:
        """Close every thread's connection (when the server stops)."""
        with self._lock:
            opened, self._opened = self._opened, []
        for conn in opened:
            conn.close()
