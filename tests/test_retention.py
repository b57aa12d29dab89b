"""Retention and hosts, through the app: expired runs answer 410 with a note, the store keeps to
its size, absolute URLs come from the public URL, and a request for another host is refused."""

from __future__ import annotations

import httpx
import numpy as np
import pytest

from app.service.container import smallest_store
from app.settings import Settings
from app.web import create_app

from .helpers import map_pictures, parse, png, start

pytestmark = pytest.mark.anyio
DAY = 86400.0
NOISE_SPEC = '{"input": {"size": [256, 256]}, "stages": [{"kind": "relu"}]}'


def client_of(app, base: str = "http://testserver") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base)


async def test_a_run_not_viewed_for_the_time_to_live_expires_kindly(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, run_ttl_days=7))
    service = app.state.service
    async with app.router.lifespan_context(app), client_of(app) as client:
        old = await start(client, example="x", preset="seed-xo")
        kept = await start(client, example="o", preset="seed-xo")
        picture = map_pictures((await client.get(f"/runs/{old}", params={"step": 2})).text)[0]
        base = service.clock()
        service.clock.now = lambda: base + 5 * DAY
        service.retention._checked.clear()  # as another process would: ask the database
        assert (await client.get(f"/runs/{kept}")).status_code == 200  # viewed: noted
        service.clock.now = lambda: base + 8 * DAY
        assert old in service.retention.prune() and kept not in service.retention.prune()
        page = await client.get(f"/runs/{old}", params={"step": 2})
        assert page.status_code == 410
        alert = parse(page.text).find_all(role="alert")[0].text
        assert "expired" in alert and "run the picture again" in alert
        api = await client.get(f"/api/runs/{old}")
        assert api.status_code == 410 and api.headers["content-type"] == "application/problem+json"
        assert (await client.get(picture)).status_code == 410
        assert (await client.get(f"/runs/{kept}")).status_code == 200
        assert (await client.get("/runs/never-made")).status_code == 404


async def test_past_the_store_size_the_run_viewed_longest_ago_goes(tmp_path):
    async def made(client, seed: int) -> str:  # a noisy 256x256 picture: it hardly packs
        noise = np.random.default_rng(seed).integers(0, 256, (256, 256), dtype=np.uint8)
        sent = await client.post("/api/run", files={"image": ("n.png", png(noise))},
                                 data={"spec": NOISE_SPEC})  # fmt: skip
        return str(sent.json()["id"])

    measure = create_app(Settings(data_dir=tmp_path / "measure"))
    async with measure.router.lifespan_context(measure), client_of(measure) as client:
        await made(client, 1)
        await made(client, 2)
        both = measure.state.service.runs.store.stored_bytes()
    app = create_app(Settings(data_dir=tmp_path / "data", max_store_bytes=both - 1))
    async with app.router.lifespan_context(app), client_of(app) as client:
        first = await made(client, 1)
        second = await made(client, 2)
        assert (await client.get(f"/runs/{first}")).status_code == 410
        assert (await client.get(f"/runs/{second}")).status_code == 200
        assert app.state.service.runs.store.stored_bytes() < both


async def test_a_limit_that_holds_one_run_of_each_preset_keeps_a_learned_run(tmp_path):
    too_small = create_app(Settings(data_dir=tmp_path / "small", max_store_bytes=50_000))
    with pytest.raises(RuntimeError, match="CONVLENS_MAX_STORE_BYTES is 50,000, too small"):
        async with too_small.router.lifespan_context(too_small):
            pass
    enough = smallest_store()
    app = create_app(Settings(data_dir=tmp_path / "data", max_store_bytes=enough))
    async with app.router.lifespan_context(app), client_of(app) as client:
        letter = await start(client, example="letter-a", preset="letters")  # spec: 630 KB
        assert (await client.get(f"/runs/{letter}")).status_code == 200


async def test_absolute_urls_come_from_the_public_url_and_other_hosts_are_refused(tmp_path):
    settings = Settings(data_dir=tmp_path, public_url="https://convlens.example")
    app = create_app(settings)
    async with app.router.lifespan_context(app), client_of(app, "http://localhost:8000") as c:
        evil = await c.get("/", headers={"Host": "evil.example"})
        assert evil.status_code == 400
        forged = await c.post("/api/run", files={"image": ("x.png", b"x")},
                              headers={"Host": "evil.example"})  # fmt: skip
        assert forged.status_code == 400
        for host in ("convlens.example", "localhost:8000", "127.0.0.1", "[::1]:8000"):
            assert (await c.get("/healthz", headers={"Host": host})).status_code == 200, host
        made = await c.post("/runs", data={"example": "x", "preset": "seed-xo"})
        assert made.headers["location"].startswith("https://convlens.example/runs/")
        rid = made.headers["location"].split("/runs/")[1].split("?")[0]
        saved = (await c.post("/api/demos", json={"run_id": rid, "title": "t"})).json()
        assert saved["url"].startswith("https://convlens.example/d/")
        assert saved["delete_url"].startswith("https://convlens.example/api/demos/")
        page = await c.get(f"/d/{saved['id']}")
        assert "evil" not in page.text and "https://convlens.example/d/" in page.text
        # its links do not depend on the host asked, so neither does its ETag
        other = await c.get(f"/d/{saved['id']}", headers={"Host": "127.0.0.1"})
        assert other.headers["etag"] == page.headers["etag"]


async def test_without_a_public_url_the_demo_etag_depends_on_the_host(client):
    rid = await start(client, example="x", preset="seed-xo")
    did = (await client.post("/api/demos", json={"run_id": rid, "title": "t"})).json()["id"]
    here = await client.get(f"/d/{did}")
    there = await client.get(f"/d/{did}", headers={"Host": "127.0.0.1"})
    assert "http://127.0.0.1/d/" in there.text and "http://testserver/d/" in here.text
    # (a Host naming another port than the server's is refused: see test_hardening)
    # a cache that ignores Host cannot hand one host's page (and its links) to another
    assert here.headers["etag"] != there.headers["etag"]


async def test_options_lists_the_real_methods_and_head_works_where_get_does(client):
    rid = await start(client, example="x", preset="seed-xo")
    did = (await client.post("/api/demos", json={"run_id": rid, "title": "t"})).json()["id"]
    demo = await client.options(f"/api/demos/{did}")
    assert demo.status_code == 204 and demo.headers["allow"] == "DELETE, GET, HEAD, OPTIONS"
    assert (await client.options("/api/run")).headers["allow"] == "OPTIONS, POST"
    assert (await client.options("/no/such/page")).status_code == 404
    for path in ("/healthz", f"/d/{did}", f"/embed/{did}", f"/runs/{rid}"):
        head = await client.head(path)
        assert head.status_code == 200 and head.content == b"", path
    responses = (await client.get("/openapi.json")).json()["paths"]["/api/runs/{run_id}"]["get"]
    assert {"404", "410"} <= set(responses["responses"])


async def test_a_kept_lesson_page_and_comparison_go_with_their_runs(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, run_ttl_days=7))
    service = app.state.service
    async with app.router.lifespan_context(app), client_of(app) as client:
        diagonal = png(np.eye(32, dtype=np.uint8) * 255)
        sent = await client.post("/lesson/edges", files={"image": ("d.png", diagonal)})
        chapter = sent.headers["location"].removeprefix("http://testserver")
        other = await start(client, example="o", preset="seed-xo")
        mine = await start(client, example="x", preset="seed-xo")
        compared = f"/compare?a={mine}&b={other}&step=2"
        first = [await client.get(path) for path in (chapter, compared, "/lesson/convolution")]
        assert [page.status_code for page in first] == [200, 200, 200]
        assert len(keys(service, "chapter")) == 2 and len(keys(service, "compare")) == 1
        # built once: asked again, the same bytes come from what the process kept, nothing built
        builds, build_on_pool = [], service.kept.pool.run

        async def counted(work):  # the real pool, its calls noted
            builds.append(work)
            return await build_on_pool(work)

        service.kept.pool = type("Counted", (), {"run": staticmethod(counted)})()
        again = [await client.get(path) for path in (chapter, compared, "/lesson/convolution")]
        assert [page.text for page in again] == [page.text for page in first] and builds == []
        base = service.clock()
        service.clock.now = lambda: base + 8 * DAY
        service.retention._checked.clear()
        assert service.retention.prune()  # the upload and both runs expire
        assert not keys(service, "chapter") and not keys(service, "compare")
        assert (await client.get(chapter)).status_code == 410
        assert (await client.get(compared)).status_code == 410
        assert (await client.get("/lesson/convolution")).status_code == 200  # made again


def keys(service, kind: str) -> list:
    """What the process keeps of one kind (the cache's keys, read as a test may)."""
    return [key for key in service.cache._entries if key[0] == kind]
