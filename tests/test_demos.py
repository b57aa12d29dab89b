"""Shared demos: saved once by content, opened from the database alone, deleted only by token."""

from __future__ import annotations

import io
import re
import sqlite3

import httpx
import numpy as np
import pytest
from PIL import Image

from app.engine import explain, get_preset, run
from app.engine.presets import SLIDES_O
from app.settings import Settings
from app.web import create_app

from .helpers import map_pictures, parse, png, start, tags

SAME = {"sec-fetch-site": "same-origin"}

O_PICTURE = png(np.kron(np.where(SLIDES_O[0] > 0, 0, 255), np.ones((10, 10))).astype(np.uint8))

pytestmark = pytest.mark.anyio


async def save(client, rid: str, **fields: str) -> httpx.Response:
    return await client.post("/api/demos", json={"run_id": rid, **fields})


async def test_a_demo_saved_first_by_someone_else_cannot_be_deleted_by_them(client):
    # the attack: content anyone can predict (an example, a common title) saved first
    rid = await start(client, example="x", preset="seed-xo")
    fields = {"title": "The X", "description": "Stepping through the slides"}
    attacker = (await save(client, rid, **fields)).json()
    # the victim saves the same content later: a demo of their own, with their own token
    victim = await save(client, rid, **fields)
    assert victim.status_code == 201
    mine = victim.json()
    assert len(mine["id"]) == 32 and mine["url"] == f"http://testserver/d/{mine['id']}"
    assert mine["id"] != attacker["id"] and "token=" in mine["delete_url"]
    assert mine["delete_url"] != attacker["delete_url"]
    # the attacker deletes what they hold: their own demo only
    deleted = await client.delete(attacker["delete_url"].replace("http://testserver", ""))
    assert deleted.status_code == 204
    assert (await client.get(f"/d/{mine['id']}")).status_code == 200
    shown = (await client.get(f"/api/demos/{mine['id']}")).json()
    assert shown["title"] == "The X" and shown["description"] == "Stepping through the slides"
    assert shown["run"] == (await client.get(f"/api/runs/{rid}")).json()


async def test_deleting_the_last_demo_of_a_run_deletes_the_run_and_its_pictures(client):
    # a picture of the sharer's own (an example's run is everyone's: it stays, see
    # test_hardening), deleted with its demo; its pages say so rather than that it expired
    upload = {"files": {"image": ("o.png", O_PICTURE)}, "source": "upload", "preset": "seed-xo"}
    rid = await start(client, **upload)
    body = (await save(client, rid, title="mine")).json()
    page = (await client.get(f"/runs/{rid}", params={"step": 2})).text
    picture = map_pictures(page)[0]
    assert (await client.get(picture)).status_code == 200
    assert (
        await client.delete(body["delete_url"].replace("http://testserver", ""))
    ).status_code == 204
    gone = await client.get(f"/runs/{rid}", params={"step": 2})
    assert gone.status_code == 410 and "deleted by whoever shared it" in gone.text
    assert parse(gone.text).find_all(role="alert")
    api = await client.get(f"/api/runs/{rid}")
    assert api.status_code == 410 and api.headers["content-type"] == "application/problem+json"
    assert (await client.get(picture)).status_code == 410
    # running the same picture again makes the run again, at the same address
    assert await start(client, **upload) == rid
    assert (await client.get(f"/runs/{rid}")).status_code == 200


async def test_the_demo_page_escapes_its_title_and_keeps_out_of_search_engines(client):
    rid = await start(client, example="o", preset="seed-xo")
    title = '<script>alert(1)</script> hx-get="/nope"'
    body = (await save(client, rid, title=title, description="<b>bold?</b>")).json()
    response = await client.get(f"/d/{body['id']}", params={"step": 2, "cell": "1.0.1.1"})
    assert response.status_code == 200
    page = parse(response.text)
    assert "<script>alert" not in response.text
    assert not [s for s in page.find_all("script") if not s.get("src")]  # no script got in
    assert not [n for n in page.find_all() if n.get("hx-get") == "/nope"]
    assert page.one("title").text.startswith(title) and page.one("h1").text == title
    assert page.one("header", class_="demo-head").one("p").text == "<b>bold?</b>"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-robots-tag"] == "noindex"
    assert len(page.find_all("li", class_="stage")) == 3
    expected = explain(run(get_preset("seed-xo").spec, SLIDES_O), 1, 0, 1, 1).formula
    assert page.one("aside", class_="explain").one("p", class_="formula").text == expected


async def test_delete_needs_the_token_and_everything_else_is_404(client):
    rid = await start(client, example="x", preset="seed-xo")
    body = (await save(client, rid)).json()
    did, token = body["id"], body["delete_url"].split("token=")[1]
    assert (await client.delete(f"/api/demos/{did}", params={"token": "wrong"})).status_code == 404
    assert (await client.delete(f"/api/demos/{did}")).status_code == 404
    assert (await client.delete("/api/demos/nope", params={"token": token})).status_code == 404
    assert (await client.get(f"/d/{did}")).status_code == 200
    assert (await client.delete(f"/api/demos/{did}", params={"token": token})).status_code == 204
    assert (await client.get(f"/d/{did}")).status_code == 404
    assert (await client.get(f"/api/demos/{did}")).status_code == 404


@pytest.mark.parametrize("bad", ["nope", "..%2F..%2Fetc%2Fpasswd", "x" * 300, "' OR 1=1 --"])
async def test_unknown_and_malformed_ids_are_404(client, bad):
    page = await client.get(f"/d/{bad}")
    assert page.status_code == 404 and parse(page.text).find_all(role="alert")
    api = await client.get(f"/api/demos/{bad}")
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"


async def test_bad_saves_are_clear_4xx(client):
    assert (await save(client, "no-such-run")).status_code == 404
    rid = await start(client, example="x", preset="seed-xo")
    too_long = await save(client, rid, title="t" * 121)
    assert too_long.status_code == 422 and "title" in too_long.json()["detail"]
    assert (await save(client, rid, description="d" * 2001)).status_code == 422


async def test_a_demo_opens_from_the_database_alone_even_if_its_run_was_lost(client, settings):
    rid = await start(client, example="x", preset="seed-xo")
    did = (await save(client, rid, title="kept")).json()["id"]
    with sqlite3.connect(settings.database_path) as conn:
        conn.execute("DELETE FROM runs")  # plain runs are cheap to lose; demos are not
    other = create_app(settings)  # another process sees only the database file
    async with (
        other.router.lifespan_context(other),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=other), base_url="http://testserver"
        ) as c2,
    ):
        page = await c2.get(f"/d/{did}", params={"step": 6})
        assert page.status_code == 200
        assert parse(page.text).one("h2", id="prediction-heading").one("output").text == "X"
        picture = map_pictures(page.text)[0]
        assert (await c2.get(picture)).status_code == 200


async def test_the_share_box_gives_the_link_and_the_delete_link_once(client):
    rid = await start(client, example="x", preset="seed-xo")
    page = tags((await client.get(f"/runs/{rid}")).text)
    (form,) = [a for t, a in page.tags if t == "form" and a.get("hx-post")]
    assert form["hx-post"] == f"/runs/{rid}/share"
    first = await client.post(
        form["hx-post"], data={"title": "Mine"}, headers={"HX-Request": "true"}
    )
    fields = {
        a.get("id") or a.get("aria-label"): a["value"] for a in tags(first.text).find("input")
    }
    assert fields["share-link"].startswith("http://testserver/d/")
    assert "token=" in fields["share-delete"] and "<iframe" in fields["share-embed"]
    second = await client.post(
        form["hx-post"], data={"title": "Mine"}, headers={"HX-Request": "true"}
    )
    again = {
        a.get("id") or a.get("aria-label"): a["value"] for a in tags(second.text).find("input")
    }
    # the same content saved again: another demo, with its own link and delete link
    assert again["share-link"] != fields["share-link"]
    assert again["share-delete"] != fields["share-delete"]


async def test_saves_are_limited_per_address(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, saves_per_minute=2))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as c,
    ):
        response = await c.post("/runs", data={"example": "x", "preset": "seed-xo"})
        rid = response.headers["location"].split("/runs/")[1].split("?")[0]
        for title in ("a", "b"):
            assert (
                await c.post("/api/demos", json={"run_id": rid, "title": title})
            ).status_code == 201
        limited = await c.post("/api/demos", json={"run_id": rid, "title": "c"})
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert limited.json()["title"] == "Too many saves"


async def test_a_demo_link_unfurls_into_a_preview(tmp_path):
    settings = Settings(data_dir=tmp_path, public_url="https://convlens.example")
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://localhost:8000"
        ) as c,
    ):
        response = await c.post("/runs", data={"example": "x", "preset": "seed-xo"})
        rid = response.headers["location"].split("/runs/")[1].split("?")[0]
        did = (await c.post("/api/demos", json={"run_id": rid, "title": 'X & "O"'})).json()["id"]
        page = tags((await c.get(f"/d/{did}")).text)
        meta = {
            a.get("property") or a.get("name"): a["content"]
            for a in page.find("meta")
            if a.get("content")
        }
        assert meta["og:title"] == 'X & "O"' and meta["twitter:card"] == "summary_large_image"
        assert meta["og:url"] == f"https://convlens.example/d/{did}"
        assert meta["og:image"] == f"https://convlens.example/d/{did}/card.png"
        card = await c.get(f"/d/{did}/card.png")
        assert card.status_code == 200 and card.headers["content-type"] == "image/png"
        assert "immutable" in card.headers["cache-control"]
        picture = Image.open(io.BytesIO(card.content))
        assert picture.size == (1200, 630)
        again = await c.get(f"/d/{did}/card.png", headers={"If-None-Match": card.headers["etag"]})
        assert again.status_code == 304
        assert (await c.get("/d/nope/card.png")).status_code == 404


async def test_only_the_embed_view_may_be_framed_by_other_sites(client):
    rid = await start(client, example="x", preset="seed-xo")
    did = (await save(client, rid, title="Embedded")).json()["id"]
    embed = await client.get(f"/embed/{did}", params={"step": 2})
    assert embed.status_code == 200
    assert "frame-ancestors *" in embed.headers["content-security-policy"]
    assert "script-src 'self'" in embed.headers["content-security-policy"]
    assert len(tags(embed.text).find("li", **{"class": "stage"})) == 3
    for path in (f"/d/{did}", f"/runs/{rid}", "/"):
        csp = (await client.get(path)).headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp
    shared = await client.post(f"/runs/{rid}/share", data={"title": "Embedded"})
    snippet = parse(shared.text).one("input", id="share-embed")["value"]
    link = parse(shared.text).one("input", id="share-link")["value"]
    assert snippet.startswith(f'<iframe src="{link.replace("/d/", "/embed/")}"')
    assert (await client.get("/embed/nope")).status_code == 404


async def test_the_gallery_lists_the_featured_demos_only(client):
    rid = await start(client, example="x-shifted", preset="seed-xo")
    private = (await save(client, rid, title="Someone's own")).json()["id"]
    first = (await client.get("/gallery")).text
    assert (await client.get("/gallery")).text == first  # the same demos, the same links
    links = [a["href"] for a in tags(first).find("a") if "/d/" in a.get("href", "")]
    assert len(links) >= 4 and not any(private in link for link in links)
    assert "The slides&#39; X" in first and "Edges in a photo" in first
    for link in links:
        assert (await client.get(link)).status_code == 200


async def test_demo_pages_revalidate_with_an_etag(client):
    rid = await start(client, example="x", preset="seed-xo")
    body = (await save(client, rid, title="cached")).json()
    did, token = body["id"], body["delete_url"].split("token=")[1]
    first = await client.get(f"/d/{did}", params={"step": 2})
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    again = await client.get(f"/d/{did}", params={"step": 2}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag
    other_step = await client.get(f"/d/{did}", params={"step": 3}, headers={"If-None-Match": etag})
    assert other_step.status_code == 200 and other_step.headers["etag"] != etag
    await client.delete(f"/api/demos/{did}", params={"token": token})
    gone = await client.get(f"/d/{did}", params={"step": 2}, headers={"If-None-Match": etag})
    assert gone.status_code == 404


async def test_the_whole_app_on_either_backend(database):
    app = create_app(Settings(data_dir=database.sqlite_path.parent, database_url=database.url))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as c,
    ):
        run = await c.post("/runs", data={"example": "x", "preset": "seed-xo"})
        rid = run.headers["location"].split("/runs/")[1].split("?")[0]
        body = (await c.post("/api/demos", json={"run_id": rid, "title": "both"})).json()
        assert (await c.get(f"/d/{body['id']}", params={"step": 6})).status_code == 200
        again = await c.post("/api/demos", json={"run_id": rid, "title": "both"})
        assert again.status_code == 201 and again.json()["id"] != body["id"]
        token = body["delete_url"].split("token=")[1]
        assert (
            await c.delete(f"/api/demos/{body['id']}", params={"token": token})
        ).status_code == 204
        assert (await c.get(f"/d/{body['id']}")).status_code == 404
    assert database.execute("SELECT count(*) FROM runs") == [(1,)]


async def test_stepping_a_shared_demo_keeps_its_own_address(client):
    rid = await start(client, example="x", preset="seed-xo")
    did = (await save(client, rid, title="steps")).json()["id"]
    page = tags((await client.get(f"/d/{did}", params={"step": 1})).text)
    (nxt,) = page.find("a", rel="next")
    assert nxt["href"] == nxt["hx-push-url"] == f"/d/{did}?step=2"
    assert nxt["hx-get"] == f"/d/{did}?step=2&fragment=next"
    (explorer,) = page.find("div", id="explorer")
    assert explorer["data-page"] == f"/d/{did}"
    fragment = await client.get(nxt["hx-get"], headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert [a["id"] for a in tags(fragment.text).find("li", **{"class": "stage"})] == ["stage-2"]
    assert fragment.headers["x-robots-tag"] == "noindex"
    embed = tags((await client.get(f"/embed/{did}", params={"step": 1})).text)
    assert embed.find("a", rel="next")[0]["hx-get"] == f"/embed/{did}?step=2&fragment=next"
    inner = await client.get(f"/embed/{did}?step=2&cell=1.0.1.1", headers={"HX-Request": "true"})
    assert inner.status_code == 200 and '<div id="explorer"' in inner.text
    assert "frame-ancestors *" in inner.headers["content-security-policy"]


async def test_a_shared_link_opens_at_the_sharers_step_cell_and_scale(client):
    rid = await start(client, example="x", preset="seed-xo")
    body = (await client.post("/api/demos", json={
        "run_id": rid, "title": "placed", "step": 3, "cell": "1.0.2.2", "scale": "map",
    })).json()  # fmt: skip
    assert body["url"].endswith("?step=3&cell=1.0.2.2&scale=map")
    page = parse((await client.get(body["url"].removeprefix("http://testserver"))).text)
    assert len(page.find_all("li", class_="stage")) == 4  # opened cold at stage 3
    panel = page.one("aside", class_="explain")
    assert "row 2, column 2" in panel.text
    assert "Each map has its own colour scale" in page.text
    # a cell in a later stage opens at least that far; a step past the end opens at the end
    later = (
        await client.post("/api/demos", json={"run_id": rid, "step": 0, "cell": "3.0.1.1"})
    ).json()
    assert "step=3&cell=3.0.1.1" in later["url"]
    end = (await client.post("/api/demos", json={"run_id": rid, "step": 99})).json()
    assert end["url"].endswith("?step=6")
    # no place given: the bare link, as before
    assert "?" not in (await client.post("/api/demos", json={"run_id": rid})).json()["url"]
    for bad in ({"cell": "1.0.99.0"}, {"cell": "one"}, {"step": -1}, {"scale": "wide"}):
        response = await client.post("/api/demos", json={"run_id": rid, **bad})
        assert response.status_code == 422, bad
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_share_box_link_keeps_the_place_too(client):
    rid = await start(client, example="x", preset="seed-xo")
    shared = await client.post(
        f"/runs/{rid}/share",
        data={"title": "here", "step": "2", "cell": "1.1.3.3", "scale": "stage"},
        headers={"HX-Request": "true"},
    )
    link = tags(shared.text).find("input", id="share-link")[0]["value"]
    assert link.endswith("?step=2&cell=1.1.3.3")
    # the embed snippet opens at the same place, and its frame shows that step and cell
    snippet = tags(shared.text).find("input", id="share-embed")[0]["value"]
    frame = re.search(r'src="([^"]+)"', snippet).group(1)
    assert frame.endswith("?step=2&cell=1.1.3.3") and "/embed/" in frame
    embedded = parse((await client.get(frame.removeprefix("http://testserver"))).text)
    assert embedded.one("aside", class_="explain") is not None
    page = tags((await client.get(f"/runs/{rid}", params={"step": 4, "colours": "cividis"})).text)
    hidden = {a["name"]: a["value"] for a in page.find("input", type="hidden")}
    assert hidden == {"step": "4", "cell": "", "scale": "stage", "colours": "cividis"}
    shared = await client.post(
        f"/runs/{rid}/share", data={**hidden, "title": "in cividis"}, headers={"HX-Request": "true"}
    )
    link = tags(shared.text).find("input", id="share-link")[0]["value"]
    assert link.endswith("?step=4&colours=cividis")
    snippet = tags(shared.text).find("input", id="share-embed")[0]["value"]
    assert "?step=4&amp;colours=cividis" in snippet or "?step=4&colours=cividis" in snippet
    opened = parse((await client.get(link.removeprefix("http://testserver"))).text)
    sheets = [i["href"] for i in opened.find_all("image") if "maps.png" in i["href"]]
    assert sheets and all(h.endswith("maps.png?colours=cividis") for h in sheets)


async def test_the_embed_caches_like_the_demo_page(client):
    rid = await start(client, example="x", preset="seed-xo")
    body = (await save(client, rid)).json()
    did, token = body["id"], body["delete_url"].split("token=")[1]
    first = await client.get(f"/embed/{did}?step=1")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    assert etag != (await client.get(f"/d/{did}?step=1")).headers["etag"]
    again = await client.get(f"/embed/{did}?step=1", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert "frame-ancestors *" in again.headers["content-security-policy"]
    other = await client.get(f"/embed/{did}?step=2", headers={"If-None-Match": etag})
    assert other.status_code == 200
    assert (await client.delete(f"/api/demos/{did}", params={"token": token})).status_code == 204
    gone = await client.get(f"/embed/{did}?step=1", headers={"If-None-Match": etag})
    assert gone.status_code == 404


async def test_a_demo_page_is_kept_once_built_and_goes_with_its_demo(tmp_path):
    app = create_app(Settings(data_dir=tmp_path))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        rid = await start(client, example="x", preset="seed-xo")
        saved = (await save(client, rid, title="kept")).json()
        first = await client.get(f"/d/{saved['id']}", params={"step": 2})
        key = f"{saved['id']}?{first.headers['etag']}"
        kept = app.state.service.kept.recall("demo", key)
        assert kept == first.content  # built once, then sent from memory
        again = await client.get(f"/d/{saved['id']}", params={"step": 2})
        assert again.content == first.content and again.headers["vary"] == first.headers["vary"]
        await client.delete(saved["delete_url"].replace("http://testserver", ""))
        assert app.state.service.kept.recall("demo", key) is None
        assert (await client.get(f"/d/{saved['id']}", params={"step": 2})).status_code == 404


async def test_the_private_delete_link_opens_a_page_that_deletes(client):
    rid = await start(client, example="x", preset="seed-xo")
    body = (await save(client, rid, title="Mine")).json()
    did, page = body["id"], body["delete_page"].replace("http://testserver", "")
    assert page == f"/d/{did}/delete?token={body['delete_url'].split('token=')[1]}"
    opened = await client.get(page)
    assert opened.status_code == 200 and opened.headers["x-robots-tag"] == "noindex"
    html = parse(opened.text)
    assert html.one("h1").text == "Delete this demo?" and "Mine" in html.one("figcaption").text
    assert html.one("figure").one("img")["src"] == f"/d/{did}/card.png"
    form = html.one("form", method="post")
    assert form["action"] == f"/d/{did}/delete"
    token = form.one("input", name="token")["value"]
    # a wrong token deletes nothing, on the page as in the API
    wrong = await client.get(f"/d/{did}/delete", params={"token": "x" * 32})
    assert wrong.status_code == 404
    refused = await client.post(f"/d/{did}/delete", data={"token": "x" * 32}, headers=SAME)
    assert refused.status_code == 404 and (await client.get(f"/d/{did}")).status_code == 200
    # the button: deleted, said so, and the demo's link says it went
    done = await client.post(f"/d/{did}/delete", data={"token": token}, headers=SAME)
    assert done.status_code == 200 and "The demo is deleted" in done.text
    assert (await client.get(f"/d/{did}")).status_code in (404, 410)
    assert (await client.get(page)).status_code == 404
