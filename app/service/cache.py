"""A least-recently-used cache bounded in bytes, not entries: what one process keeps between
requests (run views, compiled pipelines) never adds up to more than its budget."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from threading import Lock
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class ByteLRU(Generic[K, V]):
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = Lock()

    @property
    def bytes(self) -> int:
        """What the entries held now add up to."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: K, value: V, size: int) -> None:
        """Keep ``value`` (``size`` bytes) as the newest entry, dropping the oldest until the
        total fits; a value larger than the whole budget is not kept at all."""
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            if size > self.max_bytes:
                return
            self._entries[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def drop(self, doomed: Callable[[K], bool]) -> None:
        """Remove every entry whose key ``doomed`` says so (what was kept for a deleted run)."""
        with self._lock:
            for key in [k for k in self._entries if doomed(k)]:
                self._bytes -= self._entries.pop(key)[1]


CacheKey = tuple[str, str | bytes]
"""(what it is, whose): ('view', run id), ('pipeline', spec bytes), ('png', picture key)..."""
ProcessCache = ByteLRU[CacheKey, object]
"""What one process keeps between requests, in one budget (``Settings.cache_bytes``)."""
