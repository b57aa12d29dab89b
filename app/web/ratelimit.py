"""Requests per client address per minute, counted in the database (``service.rates``), so
every worker and every server on one database shares one limit."""

from __future__ import annotations

from fastapi import Request

from ..service import Service


class TooManyRequests(Exception):
    """The client went over its limit; try again after ``retry_after`` seconds."""

    def __init__(self, what: str, limit: int, retry_after: int) -> None:
        super().__init__(
            f"more than {limit} {what} a minute from your address; try again in {retry_after} s"
        )
        self.what = what
        self.retry_after = retry_after


def limit(request: Request, what: str, per_minute: int) -> None:
    """Count one ``what`` from this request's client, or raise TooManyRequests."""
    service: Service = request.app.state.service
    wait = service.rates.count(what, client_address(request), per_minute)
    if wait is not None:
        raise TooManyRequests(what, per_minute, wait)


def client_address(request: Request) -> str:
    """The client's address: the peer, or what a trusted proxy says (CONVLENS_FORWARDED_ALLOW_IPS,
    applied by uvicorn before this sees the request)."""
    return request.client.host if request.client else "unknown"
