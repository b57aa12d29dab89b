"""Rate limits: events per client a minute, counted in the database, so every worker and every
server on one database shares one count."""

from __future__ import annotations

import math

from ..store import Tables
from .retention import Clock


class Rates:
    def __init__(self, store: Tables, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def count(self, what: str, client: str, limit: int) -> int | None:
        """One more ``what`` from ``client`` this minute: None while within ``limit`` a minute
        (0: no limit), else the seconds until the next minute."""
        if limit <= 0:
            return None
        now = self.clock()
        minute = int(now // 60)
        if self.store.hit(f"{what} {client}", minute) <= limit:
            return None
        return max(1, math.ceil((minute + 1) * 60 - now))
