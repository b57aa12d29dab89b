"""Runs per client address per minute, counted in the database: 429 with Retry-After past the
limit, shared by every worker and every server on one database; 0 turns it off."""

from __future__ import annotations

import httpx
import pytest

from app.service import Service
from app.settings import Settings
from app.web import create_app

from .helpers import X_PNG, live_server, parse

pytestmark = pytest.mark.anyio


def test_the_count_is_per_address_over_a_sliding_minute(database):
    service = Service.open(Settings(data_dir=database.sqlite_path.parent,
                                    database_url=database.url))  # fmt: skip
    service.start()
    now = [6000.0]  # the start of a minute
    service.clock.now = lambda: now[0]
    try:
        assert service.rates.count("runs", "a", 2) is None
        assert service.rates.count("runs", "a", 2) is None
        assert service.rates.count("runs", "b", 2) is None  # another address has its own count
        assert service.rates.count("saves", "a", 2) is None  # and another kind of request
        now[0] = 6040.0
        # over: three in this minute; two of them are left in the window 20 s into the next
        assert service.rates.count("runs", "a", 2) == 40
        now[0] = 6060.5
        # a new minute, but the window slides: the last minute's three still weigh nearly all
        assert service.rates.count("runs", "a", 2) == 40
        now[0] = 6120.0
        assert service.rates.count("runs", "a", 2) is None  # one then, one now: within two
        for _ in range(50):
            assert service.rates.count("runs", "a", 0) is None  # 0: no limit
    finally:
        service.stop()


class NoCookies(httpx.ASGITransport):
    """A client that never keeps a cookie, as a script calling the API does."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        response.headers.pop("set-cookie", None)
        return response


async def client_for(tmp_path, limit: int):
    app = create_app(Settings(data_dir=tmp_path, runs_per_minute=limit))
    return app, httpx.AsyncClient(transport=NoCookies(app=app), base_url="http://testserver")


async def test_pages_and_api_share_the_limit_and_answer_429(tmp_path):
    app, client = await client_for(tmp_path, 2)
    async with app.router.lifespan_context(app), client:
        form = {"example": "x", "preset": "seed-xo"}
        assert (await client.post("/runs", data=form)).status_code == 303
        files = {"image": ("x.png", X_PNG)}
        assert (await client.post("/api/run", files=files)).status_code == 200
        api = await client.post("/api/run", files=files)
        assert api.status_code == 429 and int(api.headers["retry-after"]) >= 1
        assert api.headers["content-type"] == "application/problem+json"
        assert "try again in" in api.json()["detail"]
        page = await client.post("/runs", data=form, headers={"HX-Request": "true"})
        assert page.status_code == 429 and parse(page.text).find_all(role="alert")
        assert (await client.get("/")).status_code == 200  # reading is never limited


async def test_a_class_behind_one_address_counts_by_session(tmp_path):
    """Thirty students behind one school address, each within the limit, are never refused; one
    student over it is, alone; all the sessions of one address together meet a ceiling."""
    app = create_app(Settings(data_dir=tmp_path, runs_per_minute=2, sessions_per_address=30))
    transport = httpx.ASGITransport(app=app)
    files = {"image": ("x.png", X_PNG)}
    async with app.router.lifespan_context(app):
        students = [httpx.AsyncClient(transport=transport, base_url="http://testserver")
                    for _ in range(31)]  # fmt: skip
        for student in students:
            await student.get("/")  # a page: the session cookie
        for student in students[:30]:
            for _ in range(2):
                assert (await student.post("/api/run", files=files)).status_code == 200
        flooding = await students[0].post("/api/run", files=files)
        assert flooding.status_code == 429 and "from you;" in flooding.json()["detail"]
        full = await students[30].post("/api/run", files=files)  # its 1st, the address's 61st
        assert full.status_code == 429 and "your address (all its sessions)" in full.text
        forged = httpx.AsyncClient(transport=transport, base_url="http://testserver",
                                   cookies={"convlens_session": "someone.else"})  # fmt: skip
        answer = await forged.get("/")
        assert answer.status_code == 200 and "convlens_session" in answer.headers["set-cookie"]
        assert "HttpOnly" in answer.headers["set-cookie"]
        assert "SameSite=Lax" in answer.headers["set-cookie"]
        for client in (*students, forged):
            await client.aclose()


async def test_a_limit_of_zero_lets_everything_through(tmp_path):
    app, client = await client_for(tmp_path, 0)
    async with app.router.lifespan_context(app), client:
        for _ in range(5):
            response = await client.post("/api/run", files={"image": ("x.png", X_PNG)})
            assert response.status_code == 200


def runs_allowed(urls: list[str], tries: int) -> int:
    """Post ``tries`` runs spread over the servers (a new connection each, so every worker gets
    some); how many were let through."""
    allowed = 0
    for i in range(tries):
        with httpx.Client(base_url=urls[i % len(urls)], timeout=10) as http:
            status = http.post("/api/run", files={"image": ("x.png", X_PNG)}).status_code
            assert status in (200, 429)
            allowed += status == 200
    return allowed


@pytest.mark.slow
def test_two_workers_share_one_limit(tmp_path):
    env = {"CONVLENS_RUNS_PER_MINUTE": "4"}
    with live_server(tmp_path / "data", "--workers", "2", **env) as server:
        assert runs_allowed([server.url], 12) == 4


@pytest.mark.slow
def test_two_servers_on_one_postgresql_share_one_limit(tmp_path, postgres_url):
    env = {"CONVLENS_RUNS_PER_MINUTE": "4", "CONVLENS_DATABASE_URL": postgres_url}
    with live_server(tmp_path / "a", **env) as one, live_server(tmp_path / "b", **env) as two:
        assert runs_allowed([one.url, two.url], 12) == 4


def statuses(url: str, claimed: list[str]) -> list[int]:
    """Runs posted to ``url`` by a script that keeps no cookie (so it is counted by its address),
    each claiming to be forwarded for one of the ``claimed`` addresses."""
    found = []
    for address in claimed:
        with httpx.Client(base_url=url) as http:
            found.append(http.post("/api/run", files={"image": ("x.png", X_PNG)},
                                   headers={"X-Forwarded-For": address}).status_code)  # fmt: skip
    return found


@pytest.mark.slow
def test_x_forwarded_for_is_ignored_unless_the_proxy_is_trusted(tmp_path):
    env = {"CONVLENS_RUNS_PER_MINUTE": "2"}
    with live_server(tmp_path / "data", **env) as server:
        codes = statuses(server.url, [f"10.0.0.{i}" for i in range(4)])
        assert codes == [200, 200, 429, 429]  # a made-up address escapes nothing
    env["CONVLENS_FORWARDED_ALLOW_IPS"] = "127.0.0.1"
    with live_server(tmp_path / "data2", **env) as server:
        codes = statuses(server.url, [f"10.0.0.{i % 2}" for i in range(6)])
        assert codes == [200, 200, 200, 200, 429, 429]  # the trusted proxy's clients count apart


async def test_live_drawing_has_its_own_budget_and_never_blocks_run(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, runs_per_minute=2, live_updates_per_minute=5))
    client = httpx.AsyncClient(transport=NoCookies(app=app), base_url="http://testserver",
                               headers={"Sec-Fetch-Site": "same-origin"})  # fmt: skip
    async with app.router.lifespan_context(app), client:
        live = {"source": "draw", "live": "1", "preset": "letters"}
        files = {"drawing": ("d.png", X_PNG, "image/png")}
        answers = [await client.post("/runs?live=1", data=live, files=files,
                                     headers={"HX-Request": "true"}) for _ in range(6)]  # fmt: skip
        assert [a.status_code for a in answers] == [200] * 5 + [429]
        assert "live updates" in answers[-1].text
        run = await client.post("/runs", data={"example": "x", "preset": "seed-xo"})
        assert run.status_code == 303  # Run is still there


async def test_only_pages_hand_out_a_session(tmp_path):
    app = create_app(Settings(data_dir=tmp_path))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as client,
    ):
        for path in ("/healthz", "/api/presets", "/static/app.css"):
            assert "set-cookie" not in (await client.get(path)).headers, path
        assert "convlens_session=" in (await client.get("/learn")).headers["set-cookie"]
