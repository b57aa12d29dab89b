"""Liveness for load balancers and the Dockerfile."""

from __future__ import annotations

import os

from fastapi import APIRouter

from .. import __version__

router = APIRouter(tags=["health"])


@router.get("/healthz", name="healthz")
async def healthz() -> dict[str, str | int]:
    """Alive; which version, and which worker process answered. On the event loop itself (no
    blocking work here): a plain ``def`` would wait for a thread of the pool FastAPI keeps for
    those, and under load for the GIL twice."""
    return {"status": "ok", "version": __version__, "pid": os.getpid()}
