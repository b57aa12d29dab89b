"""Requests per client per minute, counted in the database (``service.rates``), so every worker
and every server on one database shares one limit. A client with a session (its signed cookie,
``web.sessions``) is counted by its session, under a ceiling for its address sized for a class
(CONVLENS_SESSIONS_PER_ADDRESS sessions' worth); one without (a script, say) by its address."""

from __future__ import annotations

from fastapi import Request

from ..service import Service


class TooManyRequests(Exception):
    """The client went over its limit; try again after ``retry_after`` seconds."""

    def __init__(
        self, what: str, limit: int, retry_after: int, whose: str = "your address"
    ) -> None:
        super().__init__(
            f"more than {limit} {what} a minute from {whose}; try again in {retry_after} s"
        )
        self.what = what
        self.retry_after = retry_after


def limit(request: Request, what: str, per_minute: int) -> None:
    """Count one ``what`` from this request's client, or raise TooManyRequests."""
    service: Service = request.app.state.service
    session = session_of(request)
    if session is None:
        wait = service.rates.count(what, client_address(request), per_minute)
        if wait is not None:
            raise TooManyRequests(what, per_minute, wait)
        return
    wait = service.rates.count(what, f"session {session}", per_minute)
    if wait is not None:
        raise TooManyRequests(what, per_minute, wait, "you")
    ceiling = per_minute * service.settings.sessions_per_address
    wait = service.rates.count(what, f"sessions at {client_address(request)}", ceiling)
    if wait is not None:
        raise TooManyRequests(what, ceiling, wait, "your address (all its sessions)")


def session_of(request: Request) -> str | None:
    """The request's anonymous session, when it came with a cookie that verifies."""
    session: str | None = request.scope.get("state", {}).get("session")
    return session


def sender(request: Request) -> str:
    """Who sent a request: its session, or the one its answer is handing out (which does not
    key the limits until it comes back, verified)."""
    state = request.scope.get("state", {})
    return session_of(request) or str(state.get("new_session", ""))


def client_address(request: Request) -> str:
    """The client's address: the peer, or what a trusted proxy says (CONVLENS_FORWARDED_ALLOW_IPS,
    applied by uvicorn before this sees the request)."""
    return request.client.host if request.client else "unknown"
