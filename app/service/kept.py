"""Answers built once and sent again: runs never change, so a page, a fragment, a picture or an
API answer built from one can be kept (within the process's cache budget) and sent as it is."""

from __future__ import annotations

from collections.abc import Callable

from .cache import ProcessCache
from .pool import CpuPool


class Kept:
    def __init__(self, cache: ProcessCache, pool: CpuPool) -> None:
        self.cache = cache
        self.pool = pool

    def recall(self, kind: str, key: str) -> bytes | None:
        """The answer built before for this key, if it is still kept."""
        found = self.cache.get((kind, key))
        return found if isinstance(found, bytes) else None

    def keep(self, kind: str, key: str, body: bytes) -> None:
        """Keep a built answer for ``recall``, within the cache's budget."""
        self.cache.put((kind, key), body, len(body) + len(key) + 100)

    async def built(
        self, kind: str, key: str, build: Callable[[], bytes],
        check: Callable[[], None] | None = None,
    ) -> bytes:  # fmt: skip
        """The answer kept for ``key``, or ``build()`` run on the pool and then kept; for a
        page of a run or a demo, only while ``check()`` finds it stored (else Gone or
        NotFound)."""
        if check is not None:
            check()
        body = self.recall(kind, key)
        if body is None:
            body = await self.pool.run(build)
            self.keep(kind, key, body)
        return body
