"""Sharing and limits of trainings (issue 24, items 7 and 9): a shared training keeps its links
(a step, a class's locked view, a projector, an embed, a card) and outlives retention; unshared
ones not opened for the time to live go; each limit is a clear answer in place."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from app.settings import Settings
from app.web import create_app
from tests.helpers import parse
from tests.test_learn_pages import HTMX, SAME, drawn, start
from tests.test_trainings import client_of

pytestmark = pytest.mark.anyio
DAY = 86400.0


def buttons(html: str) -> list[str]:
    return [b.text for b in parse(html).find_all("button")]


async def test_sharing_keeps_it_and_hands_out_its_links(client):
    page = await start(client)
    await client.post(f"{page}/epoch", headers=SAME)
    html = (await client.get(page)).text
    assert "Keep it and share the step shown" in buttons(html)
    head = {m.attrs.get("property"): m.attrs.get("content") for m in parse(html).find_all("meta")}
    assert head["og:image"] == f"http://testserver{page}/card.png?step=1"
    assert head["og:title"] == "Teach a network: X vs O"
    shared = await client.post(f"{page}/share", data={"shown": "0", "step": "1"}, headers=HTMX)
    assert shared.status_code == 200
    links = [a.attrs["href"] for a in parse(shared.text).find_all("a")]
    assert links[:3] == [f"http://testserver{page}?step=1", f"http://testserver{page}?step=1&lock=1",
                         f"http://testserver{page}?step=1&present=1"]  # fmt: skip
    assert f"/embed{page}?step=1" in parse(shared.text).one("textarea").text
    again = parse((await client.get(page)).text).one("section", id="share")
    assert "Kept" in again.text  # the page shows the links from now on
    plain = await client.post(f"{page}/share", data={"shown": "1"}, headers=SAME)
    assert plain.status_code == 303 and plain.headers["location"].endswith("?step=1#share")


async def test_its_card_is_a_preview_of_a_step(client):
    page = await start(client)
    await client.post(f"{page}/step", headers=SAME)
    answer = await client.get(f"{page}/card.png", params={"step": 1})
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(answer.content)).size == (1200, 630)
    assert "immutable" in answer.headers["cache-control"]
    assert (await client.get(f"{page}/card.png", params={"step": 2})).status_code == 404


async def test_locked_presented_and_embedded_it_cannot_be_trained_from_there(client):
    page = await start(client)
    await client.post(f"{page}/step", headers=SAME)
    full = buttons((await client.get(page)).text)
    assert {"Train", "Step", "Epoch"} <= set(full)
    locked = (await client.get(page, params={"lock": 1})).text
    assert not {"Train", "Step", "Epoch", "Apply from the next step"} & set(buttons(locked))
    assert parse(locked).find_all("input", type="range")  # it still rewinds
    assert not parse(locked).find_all("section", id="share")
    presented = parse((await client.get(page, params={"present": 1})).text)
    assert presented.one("body").attrs["class"] == "present"
    embed = await client.get(f"/embed{page}", params={"step": 1})
    assert embed.status_code == 200
    assert "frame-ancestors *" in embed.headers["content-security-policy"]
    assert not {"Train", "Step", "Epoch"} & set(buttons(embed.text))
    assert "lock=1" in parse(embed.text).one("form", class_="rewind").attrs["action"]
    assert (await client.get("/embed/learn/nosuchtraining")).status_code == 404


async def test_unopened_unshared_trainings_go_and_shared_ones_stay(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, run_ttl_days=7))
    service = app.state.service
    async with app.router.lifespan_context(app), client_of(app) as client:
        old, kept, opened = await start(client), await start(client), await start(client)
        await client.post(f"{kept}/share", headers=SAME)
        base = service.clock()
        service.clock.now = lambda: base + 5 * DAY
        assert (await client.get(opened)).status_code == 200  # opened: kept longer
        service.clock.now = lambda: base + 8 * DAY
        removed = service.retention.prune()
        assert old.rsplit("/", 1)[1] in removed
        assert (await client.get(old)).status_code == 404
        for page in (kept, opened):
            assert (await client.get(page)).status_code == 200


async def test_each_limit_is_told_in_place(tmp_path):
    settings = Settings(data_dir=tmp_path, trainings_per_minute=2, max_training_classes=2,
                        max_training_cpu_seconds=0.001)  # fmt: skip
    app = create_app(settings)
    async with app.router.lifespan_context(app), client_of(app) as client:
        page = await start(client)
        step = await client.post(f"{page}/step", headers=HTMX)  # the first step spends it all
        assert step.status_code == 200
        refused = await client.post(f"{page}/step", headers=HTMX)
        assert refused.status_code == 422
        assert "seconds of CPU" in parse(refused.text).one("div", role="alert").text
        train = await client.post(f"{page}/train", headers=HTMX)
        assert train.status_code == 422 and "seconds of CPU" in train.text
        three = await client.post("/learn", data={"class": ["X", "O", "T"]},
                                  files=drawn(3, 3), headers=HTMX)  # fmt: skip
        assert three.status_code == 422 and "2 to 2 classes" in three.text
        made = await client.post("/learn", data={"start": "x-vs-o"}, headers=HTMX)
        assert made.status_code == 204  # this session's second (the first came before its cookie)
        over = await client.post("/learn", data={"start": "x-vs-o"}, headers=HTMX)
        assert over.status_code == 429 and over.headers["retry-after"]
        assert "minute" in parse(over.text).one("div", role="alert").text


async def test_when_no_training_can_make_room_a_new_one_waits(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, max_training_bytes=12_000))
    async with app.router.lifespan_context(app), client_of(app) as client:
        first = await start(client)
        await client.post(f"{first}/share", headers=SAME)  # kept: it cannot make room
        full = await client.post("/learn", data={"start": "x-vs-o"}, headers=HTMX)
        assert full.status_code == 503 and int(full.headers["retry-after"]) == 60
        assert "no room for another training" in parse(full.text).one("div", role="alert").text
        api = await client.post("/api/trainings", json={"start": "x-vs-o"})
        assert api.status_code == 503 and api.headers["content-type"] == "application/problem+json"


async def test_an_unshared_training_makes_room_for_a_new_one(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, max_training_bytes=12_000))
    async with app.router.lifespan_context(app), client_of(app) as client:
        first = await start(client)
        second = await start(client)
        assert (await client.get(first)).status_code == 404  # the one opened longest ago went
        assert (await client.get(second)).status_code == 200
        assert httpx.URL(second).path.startswith("/learn/")
