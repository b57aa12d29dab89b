"""The web app: home page, health check, static files and security headers."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest

from app.engine import PRESETS
from app.service.catalog import all_presets
from app.settings import Settings
from app.web import create_app

from .helpers import X_PNG, parse, start

pytestmark = pytest.mark.anyio


async def test_healthz(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_home_page_lists_the_presets_and_loads_only_local_assets(client):
    response = await client.get("/")
    assert response.status_code == 200
    page = parse(response.text)
    headings = [n.one("strong").text for n in page.find_all("label", class_="preset")]
    offered = {p.title for p in all_presets().values()}  # the engine's presets and the letters net
    assert {p.title for p in PRESETS.values()} <= offered
    assert sorted(headings) == sorted([*offered, "Build your own"])
    assets = [
        url
        for n in page.find_all()
        if n.tag in {"link", "script", "img"} and (url := n.get("href") or n.get("src"))
    ]
    assert assets and all(url.startswith("/static/") for url in assets)
    for url in assets:
        assert (await client.get(url)).status_code == 200
    assert not [n for n in page.find_all("script") if not n.get("src")]


async def test_static_files_are_linked_by_content_and_kept_a_year(client):
    page = parse((await client.get("/")).text)
    # every page names a description (what a search result or a link preview says)
    assert len(page.one("meta", name="description")["content"]) > 50
    sheet = page.one("link", rel="stylesheet")["href"]
    path, version = sheet.split("?v=")
    body = (await client.get(path)).content
    assert version == hashlib.sha256(body).hexdigest()[:12]  # a changed file: a new link
    kept = await client.get(sheet)
    assert kept.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert (await client.get(path)).headers["cache-control"] == "no-cache"  # unversioned
    chapter = parse((await client.get("/lesson/convolution")).text)
    about = chapter.one("meta", name="description")["content"]
    assert about.startswith("Lesson 5 of") and ("Convolution" in about or "convolution" in about)


async def test_text_answers_are_gzipped_to_the_same_bytes_and_pictures_are_not(client):
    page = parse((await client.get("/")).text)
    rid = await start(client, example="x", preset="seed-xo")
    texts = ["/", page.one("link", rel="stylesheet")["href"], f"/api/runs/{rid}",
             f"/runs/{rid}?step=2", "/lesson/convolution"]  # fmt: skip
    texts += [n["src"] for n in page.find_all("script")]
    for url in texts:
        plain = await client.get(url, headers={"accept-encoding": "identity"})
        packed = await client.get(url, headers={"accept-encoding": "gzip"})
        assert "content-encoding" not in plain.headers, url
        assert packed.headers.get("content-encoding") == "gzip", (url, packed.headers)
        assert "accept-encoding" in packed.headers["vary"].lower()
        assert int(packed.headers["content-length"]) < len(plain.content) / 2, url
        assert packed.content == plain.content, url  # httpx has undone the gzip
    run_page = (await client.get(f"/runs/{rid}?step=2")).text
    sheet = next(i["href"] for i in parse(run_page).find_all("image") if "/maps" in i["href"])
    picture = await client.get(sheet, headers={"accept-encoding": "gzip"})
    assert picture.headers["content-type"] == "image/png"
    assert "content-encoding" not in picture.headers  # a PNG is compressed already
    tiny = await client.get("/static/favicon.svg", headers={"accept-encoding": "gzip"})
    assert len(tiny.content) < 500 and "content-encoding" not in tiny.headers  # not worth it


async def test_every_response_carries_security_headers(client):
    for path in ["/", "/healthz", "/static/app.css", "/nope"]:
        headers = (await client.get(path)).headers
        csp = headers["content-security-policy"]
        assert (
            "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        )
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"]


async def test_request_bodies_are_capped(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, max_upload_bytes=1000))

    @app.post("/echo-size")
    async def echo_size(payload: dict) -> dict:  # a throw-away route to exercise the cap
        return {"keys": len(payload)}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        assert (await c.post("/echo-size", json={"a": "x" * 10})).status_code == 200
        assert (await c.post("/echo-size", json={"a": "x" * 5000})).status_code == 413


async def test_an_oversized_upload_is_a_clear_413_in_place_and_as_problem_json(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, max_upload_bytes=1000))
    transport = httpx.ASGITransport(app=app)
    big = {"image": ("a.png", b"x" * 5000)}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as c,
    ):
        page = await c.post("/runs", files=big, headers={"HX-Request": "true"})
        assert page.status_code == 413 and parse(page.text).find_all(role="alert")
        assert "at most 1,000 bytes" in parse(page.text).one(role="alert").text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        api = await c.post("/api/run", files=big)
        assert api.status_code == 413
        assert api.headers["content-type"] == "application/problem+json"
        # a body sent in chunks, with no length declared, is counted as it arrives
        request = c.build_request("POST", "/api/run", files=big)
        body = request.read()

        async def chunks():
            for i in range(0, len(body), 512):
                yield body[i : i + 512]

        headers = {"content-type": request.headers["content-type"]}
        streamed = await c.post("/api/run", content=chunks(), headers=headers)
        assert streamed.status_code == 413
        assert streamed.headers["content-type"] == "application/problem+json"


async def test_framework_errors_speak_our_language(client):
    missing = await client.get("/nope")
    assert missing.status_code == 404 and parse(missing.text).find_all(role="alert")
    api = await client.get("/api/nope")
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"
    wrong = await client.delete("/api/run")
    assert wrong.status_code == 405 and wrong.json()["title"] == "Method Not Allowed"
    assert wrong.headers["allow"] == "POST"
    step = await client.get("/runs/abc?step=abc", headers={"HX-Request": "true"})
    assert step.status_code == 422 and "step:" in step.text and "<html" not in step.text
    no_file = await client.post("/api/run")
    assert no_file.status_code == 422 and no_file.json()["detail"].startswith("image:")


async def test_every_page_has_one_h1_and_the_docs_list_the_json_api_first(client):
    rid = await start(client, example="x", preset="seed-xo")
    did = (await client.post("/api/demos", json={"run_id": rid})).json()["id"]
    for path in ["/", f"/runs/{rid}", f"/d/{did}", f"/embed/{did}", "/gallery", "/docs",
                 "/runs/nope"]:  # fmt: skip
        page = parse((await client.get(path)).text)
        assert len(page.find_all("h1")) == 1, path
    schema = (await client.get("/openapi.json")).json()
    assert [t["name"] for t in schema["tags"]] == ["api", "health"]
    first_tags = [op["tags"][0] for ops in schema["paths"].values() for op in ops.values()]
    assert set(first_tags) == {"api", "health"}  # the HTML pages are not the API's contract
    assert all(p.startswith("/api/") or p == "/healthz" for p in schema["paths"])


async def test_start_up_objects_are_kept_out_of_the_collectors_full_passes(client):
    """A full collection walking the start-up heap stalled the event loop for about 70 ms."""
    import gc

    assert gc.get_freeze_count() > 10_000
    assert "letters" in (await client.get("/api/presets")).text


async def test_head_works_wherever_get_does(client):
    made = await client.post("/api/run", files={"image": ("x.png", X_PNG)})
    rid = made.json()["id"]
    did = (await client.post("/api/demos", json={"run_id": rid})).json()["id"]
    for path in ("/healthz", "/", "/lesson", "/lesson/vote", f"/runs/{rid}", f"/d/{did}",
                 f"/embed/{did}", f"/api/runs/{rid}", "/static/app.css"):  # fmt: skip
        got, head = await client.get(path), await client.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b"", path
        assert head.headers["content-type"] == got.headers["content-type"], path
        assert head.headers["content-length"] == got.headers["content-length"], path
        assert head.headers.get("content-encoding") == got.headers.get("content-encoding"), path
    missing = await client.head("/runs/nosuchrun")
    assert missing.status_code == 404 and missing.content == b""
    assert (await client.head("/runs")).status_code == 405  # only POST makes a run


async def test_not_found_says_what_without_echoing_the_request(client):
    marker = "zz-echo-marker"
    for path in (f"/{marker}", f"/runs/{marker}", f"/d/{marker}", f"/lesson/{marker}",
                 f"/api/runs/{marker}", f"/api/demos/{marker}"):  # fmt: skip
        response = await client.get(path)
        assert response.status_code == 404, path
        assert marker not in response.text, path
    api = (await client.get(f"/api/runs/{marker}")).json()
    assert api["detail"] == "there is no run with this id"


async def test_form_posts_from_another_site_are_refused(client):
    example = {"source": "example", "example": "x", "preset": "seed-xo"}
    ours = await client.post("/runs", data=example, headers={"Sec-Fetch-Site": "same-origin"})
    assert ours.status_code == 303
    rid = ours.headers["location"].split("/runs/")[1].split("?")[0]
    assert (
        await client.post("/runs", data=example, headers={"Origin": "http://testserver"})
    ).status_code == 303
    forged = {"Sec-Fetch-Site": "cross-site"}
    old_browser = {"Origin": "https://evil.example"}
    for path, form in (("/runs", example), (f"/runs/{rid}/share", {"title": "x"}),
                       (f"/runs/{rid}/compare", {"example": "o"}),
                       ("/lesson/pictures", {"image": ""}), ("/lesson/learning", {"drawing": ""})):  # fmt: skip
        for headers in (forged, old_browser, {"Origin": "null"}):
            refused = await client.post(path, data=form, headers=headers)
            assert refused.status_code == 403, (path, headers)
            assert "can only be sent from ConvLens" in refused.text
    in_place = await client.post("/runs", data=example, headers={**forged, "HX-Request": "true"})
    assert in_place.status_code == 403 and in_place.text.startswith('<div class="error"')
    # the JSON API stays open to scripts and notebooks, wherever they run
    api = await client.post("/api/run", files={"image": ("x.png", X_PNG)}, headers=forged)
    assert api.status_code == 200


async def test_an_answers_heatmap_links_are_each_maps_own_address(client):
    letter = (Path(__file__).parents[1] / "static" / "examples" / "letter-a.png").read_bytes()
    sent = await client.post("/api/run", files={"image": ("a.png", letter)},
                             data={"preset": "letters", "colours": "cividis"})  # fmt: skip
    answer = sent.json()
    links = client._transport.app.state.links  # what the pages' links come from
    for stage in answer["stages"]:
        expected = [
            "http://testserver" + links.heatmap(answer["id"], stage["index"], i, colours="cividis")
            for i in range(len(stage["heatmaps"]))
        ]
        assert stage["heatmaps"] == expected
    many = max(answer["stages"], key=lambda s: len(s["heatmaps"]))["heatmaps"]
    assert len(many) > 16
    last = await client.get(many[-1])
    assert last.status_code == 200 and last.headers["content-type"] == "image/png"
