"""CPU work runs on a bounded pool: full means 503 at once, slow means 503 at the budget, and the
event loop (so /healthz) stays free meanwhile."""

from __future__ import annotations

import asyncio
import threading

import httpx
import numpy as np
import pytest

from app.service import OverBudget
from app.service.cache import ByteLRU
from app.settings import Settings
from app.web import create_app

from .helpers import X_PNG, parse, png

pytestmark = pytest.mark.anyio


async def app_client(tmp_path, **settings):
    app = create_app(Settings(data_dir=tmp_path / "data", **settings))
    return app, httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    )


async def test_a_full_pool_answers_503_at_once_and_healthz_still_answers(tmp_path):
    app, client = await app_client(tmp_path, cpu_threads=1, cpu_queue=1)
    release = threading.Event()
    pool = app.state.service.pool
    async with app.router.lifespan_context(app), client:
        # fill the one thread and the one queue place with jobs that wait for the test
        held = [asyncio.ensure_future(pool.run(release.wait, 30)) for _ in range(2)]
        await asyncio.sleep(0.05)
        try:
            api = await client.post("/api/run", files={"image": ("x.png", X_PNG)})
            assert api.status_code == 503 and api.headers["retry-after"] == "1"
            assert api.headers["content-type"] == "application/problem+json"
            assert "busy" in api.json()["detail"]
            page = await client.post(
                "/runs", data={"source": "example", "example": "x"}, headers={"HX-Request": "true"}
            )
            assert page.status_code == 503 and parse(page.text).find_all(role="alert")
            assert (await client.get("/healthz")).status_code == 200  # the loop is free
        finally:
            release.set()
            await asyncio.gather(*held)
        # once the jobs are done the same request goes through
        assert (await client.post("/api/run", files={"image": ("x.png", X_PNG)})).status_code == 200


async def test_work_past_the_budget_answers_503_and_frees_its_place_when_done(tmp_path):
    app, client = await app_client(tmp_path, request_seconds=0.005, cpu_threads=1, cpu_queue=0)
    rng = np.random.default_rng(0)
    big = png(rng.integers(0, 255, (3000, 3000), dtype=np.uint8))  # about 60 ms to run, not 5
    async with app.router.lifespan_context(app), client:
        slow = await client.post("/api/run", files={"image": ("big.png", big)})
        assert slow.status_code == 503 and slow.headers["retry-after"] == "5"
        assert "longer than 0.005 s" in slow.json()["detail"]
        # the job goes on to its end on the pool, then its place is free again
        pool = app.state.service.pool
        assert pool.jobs == 1
        for _ in range(400):
            if pool.jobs == 0:
                break
            await asyncio.sleep(0.05)
        assert pool.jobs == 0


async def test_a_request_that_gives_up_while_queued_is_never_run(tmp_path):
    app, client = await app_client(tmp_path, request_seconds=0.1, cpu_threads=1, cpu_queue=1)
    pool = app.state.service.pool
    release, ran = threading.Event(), []
    async with app.router.lifespan_context(app), client:
        blocker = asyncio.ensure_future(pool.run(release.wait, 30))
        await asyncio.sleep(0.02)
        with pytest.raises(OverBudget):
            await pool.run(ran.append, "queued")  # waits behind the blocker past its budget
        release.set()
        with pytest.raises(OverBudget):  # the blocker ran past its budget too
            await blocker
        for _ in range(100):
            if pool.jobs == 0:
                break
            await asyncio.sleep(0.02)
        assert pool.jobs == 0 and ran == []  # the queued job was dropped, not run


def test_the_byte_cache_drops_the_oldest_and_never_holds_more_than_its_budget():
    cache: ByteLRU[str, str] = ByteLRU(100)
    cache.put("a", "A", 60)
    cache.put("b", "B", 30)
    assert cache.get("a") == "A"  # now the newest
    cache.put("c", "C", 40)  # 130 > 100: the oldest, b, goes
    assert cache.get("b") is None and cache.get("a") == "A" and cache.bytes == 100
    cache.put("huge", "H", 101)  # larger than the whole budget: not kept, nothing dropped
    assert cache.get("huge") is None and len(cache) == 2 and cache.bytes == 100
    cache.put("a", "A2", 10)  # replacing an entry counts its new size only
    assert cache.get("a") == "A2" and cache.bytes == 50


async def test_the_runs_cache_stays_within_its_setting_and_evicted_runs_still_open(tmp_path):
    budget = 300_000  # the photo's run alone is 272 KB: not room for all of these
    app, client = await app_client(tmp_path, cache_bytes=budget)
    service = app.state.service
    async with app.router.lifespan_context(app), client:
        ids = []
        for example, preset in [("x", "seed-xo"), ("o", "seed-xo"), ("photo", "sobel-edges"),
                                ("letter-a", "letters"), ("x-rotated", "classic-kernels")]:  # fmt: skip
            form = {"source": "example", "example": example, "preset": preset}
            response = await client.post("/runs", data=form)
            assert response.status_code == 303
            ids.append(response.headers["location"].split("/runs/")[1].split("?")[0])
            assert service.cache.bytes <= budget
        dropped = [rid for rid in ids if service.cache.get(("view", rid)) is None]
        assert ids[0] in dropped  # the oldest went first...
        for rid in dropped:  # ...and every dropped run is recomputed from the database
            assert (await client.get(f"/runs/{rid}", params={"step": 3})).status_code == 200
            assert service.cache.bytes <= budget
