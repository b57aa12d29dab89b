"""Runs per client address per minute: 429 with Retry-After past the limit, 0 turns it off."""

from __future__ import annotations

import httpx
import pytest

from app.settings import Settings
from app.web import create_app
from app.web.ratelimit import RateLimiter, TooManyRequests

from .helpers import X_PNG, parse

pytestmark = pytest.mark.anyio


def test_the_window_slides():
    now = [100.0]
    limiter = RateLimiter("runs", 2, window=60, clock=lambda: now[0])
    limiter.hit("a")
    limiter.hit("a")
    limiter.hit("b")  # another address has its own count
    with pytest.raises(TooManyRequests) as caught:
        limiter.hit("a")
    assert caught.value.retry_after == 60
    now[0] = 130.0
    with pytest.raises(TooManyRequests) as caught:
        limiter.hit("a")
    assert caught.value.retry_after == 30
    now[0] = 160.5
    limiter.hit("a")  # the first two have left the window


def test_zero_means_no_limit():
    limiter = RateLimiter("runs", 0)
    for _ in range(1000):
        limiter.hit("a")


async def client_for(tmp_path, limit: int):
    app = create_app(Settings(data_dir=tmp_path, runs_per_minute=limit))
    return app, httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


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


async def test_a_limit_of_zero_lets_everything_through(tmp_path):
    app, client = await client_for(tmp_path, 0)
    async with app.router.lifespan_context(app), client:
        for _ in range(5):
            response = await client.post("/api/run", files={"image": ("x.png", X_PNG)})
            assert response.status_code == 200
