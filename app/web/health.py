"""Liveness for load balancers and the Dockerfile."""

from __future__ import annotations

import os

from fastapi import APIRouter

from .. import __version__

router = APIRouter(tags=["health"])


@router.get("/healthz", name="healthz")
def healthz() -> dict[str, str | int]:
    """Alive; which version, and which worker process answered."""
    return {"status": "ok", "version": __version__, "pid": os.getpid()}
