"""Server-sent events for the pages that follow something as it changes (a training, a class
board): a stream asks, on the CPU pool, what changed since it last sent, and sends the new HTML."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

from fastapi import Request
from fastapi.responses import StreamingResponse

from ..service import Busy, OverBudget, Service

State = TypeVar("State")
STREAM_SECONDS = 600.0
"""A stream ends after this long; the page's connection opens a new one."""
BUSY_SECONDS = 0.5
"""How long a stream waits after the pool was too busy for it (the next look catches up)."""


def pushed(
    request: Request, service: Service,
    look: Callable[[State | None], tuple[State, str | None]],
    pause: Callable[[State | None], float],
) -> StreamingResponse:  # fmt: skip
    """A stream of ``look``'s HTML: ``look(last)`` runs on the pool and answers the state now
    and the HTML to send (None when nothing shown changed); ``pause(state)`` is how long to wait
    before looking again."""

    async def events() -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        ends, last = loop.time() + STREAM_SECONDS, None
        while loop.time() < ends and not await request.is_disconnected():
            try:
                last, html = await service.cpu(look, last)
                if html is not None:
                    yield "data: " + html.replace("\n", "\ndata: ") + "\n\n"
            except (Busy, OverBudget):
                await asyncio.sleep(BUSY_SECONDS)
            await asyncio.sleep(pause(last))

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)
