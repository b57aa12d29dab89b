"""HEAD wherever GET works: a HEAD request is answered as its GET would be, without the body.
OPTIONS anywhere a route is: 204 with the methods the address takes in Allow."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Match, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """Runs a HEAD request as a GET and drops the body, keeping the status and every header
    (Content-Length included), so monitors and link checkers see what a GET would."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # the rest of a streamed body: nothing is sent for HEAD
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


class Options:
    """Answers OPTIONS for any address a route serves: 204, and in Allow every method its routes
    take (HEAD with GET, and OPTIONS itself); an unknown address goes on to its 404."""

    METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

    def __init__(self, app: ASGIApp, router: Router) -> None:
        self.app = app
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            methods = {
                method for method in self.METHODS
                if any(route.matches({**scope, "method": method})[0] == Match.FULL
                       for route in self.router.routes)
            }  # fmt: skip
            if methods:
                methods |= {"OPTIONS", "HEAD"} if "GET" in methods else {"OPTIONS"}
                allow = ", ".join(sorted(methods))
                await Response(status_code=204, headers={"Allow": allow})(scope, receive, send)
                return
        await self.app(scope, receive, send)
