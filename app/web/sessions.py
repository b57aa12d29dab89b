"""Who is who without accounts: an anonymous session in a signed, HttpOnly, SameSite=Lax cookie.
It keys the rate limits (a class behind one school address is many sessions) and which drawings
on a class board a student sent. A cookie that does not verify counts as none."""

from __future__ import annotations

import secrets
from http.cookies import CookieError, SimpleCookie
from pathlib import Path

from itsdangerous import BadSignature, Signer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "convlens_session"
YEAR = 365 * 86400


def session_secret(given: str | None, data_dir: Path) -> str:
    """The key sessions are signed with: CONVLENS_SECRET_KEY, else one made once and kept in
    the data directory (so every worker of one server shares it)."""
    if given:
        return given
    path = data_dir / "session.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32))
    return path.read_text().strip()


def is_html(start: Message) -> bool:
    """Whether a response is a page or a fragment (only those hand out a session: pictures,
    scripts and the JSON API stay cacheable and cookie-free)."""
    return any(name == b"content-type" and value.startswith(b"text/html")
               for name, value in start.get("headers", []))  # fmt: skip


class Sessions:
    """Puts the request's session in ``scope["state"]["session"]`` when its cookie verifies
    (None otherwise), and gives a new one with a page (HTML) to a client that has none."""

    def __init__(self, app: ASGIApp, secret: str) -> None:
        self.app = app
        self.signer = Signer(secret, salt="convlens-session")

    def verified(self, scope: Scope) -> str | None:
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                try:
                    cookie = SimpleCookie(value.decode("latin-1")).get(COOKIE)
                    return None if cookie is None else self.signer.unsign(cookie.value).decode()
                except (CookieError, BadSignature, UnicodeDecodeError):
                    return None
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session = self.verified(scope)
        scope.setdefault("state", {})["session"] = session
        if session is not None:
            await self.app(scope, receive, send)
            return
        fresh = secrets.token_urlsafe(16)
        scope["state"]["new_session"] = fresh
        secure = "; Secure" if scope.get("scheme") == "https" else ""
        cookie = (f"{COOKIE}={self.signer.sign(fresh).decode()}; Path=/; Max-Age={YEAR}; "
                  f"HttpOnly; SameSite=Lax{secure}")  # fmt: skip

        async def with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and is_html(message):
                message["headers"] = [*message.get("headers", []),
                                      (b"set-cookie", cookie.encode())]  # fmt: skip
            await send(message)

        await self.app(scope, receive, with_cookie)
