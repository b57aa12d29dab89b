"""Guards at the door, before any route: a request for a host this server does not answer for,
and a request body that stops arriving, each answered like every other error."""

from __future__ import annotations

import asyncio

from fastapi import Request
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import BodyStalled, error_response


def split_host(header: str) -> tuple[str, str]:
    """'example.org:8000' -> ('example.org', '8000'); '[::1]:80' -> ('[::1]', '80')."""
    if header.startswith("["):
        host, _, rest = header.partition("]")
        return host + "]", rest.removeprefix(":")
    host, colon, port = header.rpartition(":")
    return (host, port) if colon and port.isdigit() else (header, "")


class KnownHosts:
    """Refuses (400) a request addressed to a host name not in ``hosts`` ('*' allows any,
    '*.example.org' a domain's hosts), a forged Host header; and, when absolute links are made
    from the request (no public URL), a Host naming another port than the server's."""

    def __init__(self, app: ASGIApp, hosts: list[str], check_port: bool) -> None:
        self.app = app
        self.hosts = [h.lower() for h in hosts]
        self.check_port = check_port

    def known(self, scope: Scope) -> bool:
        host, port = split_host(Headers(scope=scope).get("host", "").lower())
        server = scope.get("server")
        if self.check_port and port and server and port != str(server[1]):
            return False
        return any(
            pattern == "*" or pattern == host
            or (pattern.startswith("*.") and host.endswith(pattern[1:]))
            for pattern in self.hosts
        )  # fmt: skip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.known(scope):
            request = Request(scope, receive)
            detail = "this server does not answer for that host name (or port)"
            response = error_response(request, 400, "Unknown host", detail)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class BodyTimeout:
    """A request body whose next piece does not arrive within ``seconds`` raises BodyStalled
    where the route reads it (answered 408, and the connection closed)."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)  # no body to wait for
            return

        async def in_time() -> Message:
            try:
                async with asyncio.timeout(self.seconds):  # no task per call, unlike wait_for
                    return await receive()
            except TimeoutError:
                raise BodyStalled() from None

        await self.app(scope, in_time, send)
