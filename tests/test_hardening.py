"""Hard to knock over (issue 25): what a hostile or careless request sends is refused with a clear
4xx before it reaches a store, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import logging
import socket
import time

import httpx
import numpy as np
import pytest
from PIL import Image, ImageDraw

from app.imaging import ImageError, decode
from app.settings import Settings
from app.web import create_app
from app.web.security import RedactTokens

from .helpers import X_PNG, live_server, parse, png, start

pytestmark = pytest.mark.anyio
PROBLEM = "application/problem+json"


def local(url: str) -> str:
    return url.removeprefix("http://testserver")


def client_of(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_a_nul_in_an_id_a_token_or_a_title_is_a_4xx_on_either_store(database):
    app = create_app(Settings(data_dir=database.sqlite_path.parent, database_url=database.url))
    async with app.router.lifespan_context(app), client_of(app) as client:
        rid = (await client.post("/api/run", files={"image": ("x.png", X_PNG)})).json()["id"]
        did = (await client.post("/api/demos", json={"run_id": rid})).json()["id"]
        bad = "ab%00cd"
        for path in [f"/api/runs/{bad}", f"/api/runs/{bad}/explain?stage=1", f"/runs/{bad}",
                     f"/runs/{bad}/stages/1/maps.png", f"/runs/{bad}/overview", f"/d/{bad}",
                     f"/d/{bad}/card.png", f"/embed/{bad}", f"/api/demos/{bad}",
                     f"/lesson/pictures?run={bad}", f"/compare?a={rid}&b={bad}"]:  # fmt: skip
            answer = await client.get(path)
            assert answer.status_code == 404, path
        api = await client.get(f"/api/runs/{bad}")
        assert api.headers["content-type"] == PROBLEM
        saved = await client.post("/api/demos", json={"run_id": "ab\u0000cd"})
        assert saved.status_code == 404 and saved.headers["content-type"] == PROBLEM
        titled = await client.post("/api/demos", json={"run_id": rid, "title": "a\u0000b"})
        assert titled.status_code == 422 and "NUL" in titled.json()["detail"]
        described = await client.post("/api/demos", json={"run_id": rid, "description": "\u0000"})
        assert described.status_code == 422
        shared = await client.post(f"/runs/{rid}/share", data={"title": "a\u0000b"},
                                   headers={"HX-Request": "true"})  # fmt: skip
        assert shared.status_code == 422 and "NUL" in shared.text
        gone = await client.delete(f"/api/demos/{did}?token=ab%00cd")
        assert gone.status_code == 404
        assert (await client.get(f"/api/demos/{did}")).status_code == 200  # nothing lost


async def test_a_runs_numbers_come_a_stage_at_a_time_past_the_cap(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, max_answer_values=200, computes_per_minute=0))
    async with app.router.lifespan_context(app), client_of(app) as client:
        rid = (await client.post("/api/run", files={"image": ("x.png", X_PNG)})).json()["id"]
        everything = await client.get(f"/api/runs/{rid}", params={"values": "true"})
        assert everything.status_code == 413 and everything.headers["content-type"] == PROBLEM
        assert "449 numbers" in everything.json()["detail"]
        assert "stage=S" in everything.json()["detail"]
        one = await client.get(f"/api/runs/{rid}", params={"values": "true", "stage": 3})
        assert one.status_code == 200
        stages = one.json()["stages"]
        assert [("values" in s) for s in stages] == [i == 3 for i in range(len(stages))]
        assert len(stages[3]["values"]) == 3 and len(stages[3]["values"][0]) == 4
        missing = await client.get(f"/api/runs/{rid}", params={"values": "true", "stage": 9})
        assert missing.status_code == 404
        plain = await client.get(f"/api/runs/{rid}")
        assert plain.status_code == 200 and not any("values" in s for s in plain.json()["stages"])
    app = create_app(Settings(data_dir=tmp_path, max_answer_values=100))
    async with app.router.lifespan_context(app), client_of(app) as client:
        conv = await client.get(f"/api/runs/{rid}", params={"values": "true", "stage": 1})
        assert conv.status_code == 413 and "maps.png" in conv.json()["detail"]


async def test_computed_reads_count_against_a_clients_budget(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, computes_per_minute=3))
    async with app.router.lifespan_context(app), client_of(app) as client:
        rid = (await client.post("/api/run", files={"image": ("x.png", X_PNG)})).json()["id"]
        cell = {"stage": 1, "map": 0, "row": 1, "col": 1}
        answers = [await client.get(f"/api/runs/{rid}/explain", params=cell) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 200]
        over = await client.get(f"/api/runs/{rid}")
        assert over.status_code == 429 and int(over.headers["retry-after"]) >= 1
        page = await client.get(f"/compare?a={rid}&b={rid}", headers={"HX-Request": "true"})
        assert page.status_code == 429 and "Too many computed answers" in page.text
        assert (await client.get(f"/runs/{rid}")).status_code == 200  # pages from memory do not


async def test_chapter_one_shows_a_big_picture_sampled_not_whole(client):
    spec = '{"input": {"mode": "rgb", "size": [200, 200]}, "stages": [{"kind": "relu"}]}'
    made = await client.post("/api/run", files={"image": ("x.png", X_PNG)}, data={"spec": spec})
    page = await client.get(f"/lesson/pictures?run={made.json()['id']}")
    assert page.status_code == 200 and len(page.content) < 120_000
    box = parse(page.text).one("div", class_="pixels")
    assert (box["data-width"], box["data-height"], box["data-every"]) == ("29", "29", "7")
    text = parse(page.text).one("section", id="chapter").text
    assert "200\N{MULTIPLICATION SIGN}200 pixels" in text and "every 7th pixel" in text
    assert "120,000" in text  # the whole picture's numbers are counted, not the sample's


async def test_empty_present_and_lock_are_off_and_a_sibling_site_cannot_post(client):
    page = await client.get("/lesson/relu?present=&lock=")
    assert page.status_code == 200 and "present.js" not in page.text
    assert "present.js" in (await client.get("/lesson/relu?present=1&lock=")).text
    assert (await client.get("/lesson/relu?present=maybe")).status_code == 422
    example = {"source": "example", "example": "x", "preset": "seed-xo"}
    sibling = await client.post("/runs", data=example, headers={"Sec-Fetch-Site": "same-site"})
    assert sibling.status_code == 403
    ours = await client.post("/runs", data=example, headers={"Sec-Fetch-Site": "same-origin"})
    assert ours.status_code == 303


def test_the_access_log_never_shows_a_delete_token(tmp_path):
    create_app(Settings(data_dir=tmp_path))
    log = logging.getLogger("uvicorn.access")
    assert [f for f in log.filters if isinstance(f, RedactTokens)]
    line = '%s - "%s %s HTTP/%s" %d'
    args = ("127.0.0.1:5", "DELETE", "/api/demos/abc?token=s3cret-x&x=1", "1.1", 204)
    record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, line, args, None)
    assert RedactTokens().filter(record)
    assert "s3cret" not in record.getMessage() and "token=...&x=1" in record.getMessage()


def test_a_big_picture_is_decoded_small_a_strip_at_a_time():
    assert decode.enough((8000, 5000)) == 4 and decode.enough((2000, 2000)) == 1
    image = Image.new("RGBA", (2500, 2000), (30, 120, 200, 255))
    ImageDraw.Draw(image).rectangle([700, 300, 1900, 1700], (250, 250, 250, 90))
    data = io.BytesIO()
    image.save(data, "PNG")
    picture = decode.decode_picture(data.getvalue(), 40_000_000, need=3072)  # a 1024 input's
    assert picture.pixels.shape == (1000, 1250, 3)  # 5 MP: halved, to at most 4 MP
    # averaging a strip at a time gives what averaging the whole picture gives, to the bit
    for mode, size, factor in (("RGBA", (1001, 777), 3), ("P", (530, 611), 2), ("L", (64, 700), 7)):
        part = image.resize(size).convert(mode)
        if mode == "P":
            part.info["transparency"] = 0
        strips = np.asarray(decode._reduce(part, factor))
        assert np.array_equal(strips, np.asarray(decode._reduce_whole(part, factor))), mode


def test_a_webp_too_big_to_decode_whole_is_refused_at_once():
    data = io.BytesIO()
    Image.new("RGB", (4000, 3300), (30, 120, 200)).save(data, "WEBP", lossless=True)
    with pytest.raises(ImageError, match="WebP picture of 4000x3300 is 13,200,000 pixels"):
        decode.decode_picture(data.getvalue(), 40_000_000, need=84)


async def test_deleting_a_demo_never_takes_an_examples_run_and_says_who_deleted_one(client):
    example = await start(client, example="x", preset="seed-xo")
    saved = (await client.post("/api/demos", json={"run_id": example})).json()
    assert (await client.delete(local(saved["delete_url"]))).status_code == 204
    assert (await client.get(f"/runs/{example}")).status_code == 200  # everyone's X stays
    drawn = png(np.kron(np.eye(9, dtype=np.uint8) * 255, np.ones((10, 10), np.uint8)))
    mine = (await client.post("/api/run", files={"image": ("d.png", drawn)})).json()["id"]
    saved = (await client.post("/api/demos", json={"run_id": mine})).json()
    assert (await client.delete(local(saved["delete_url"]))).status_code == 204
    page = await client.get(f"/runs/{mine}")
    assert page.status_code == 410
    said = parse(page.text).find_all(role="alert")[0].text
    assert "deleted by whoever shared it" in said and "expired" not in said
    api = await client.get(f"/api/runs/{mine}")
    assert api.status_code == 410 and api.json()["title"] == "This run was deleted"


async def test_a_refused_host_is_answered_like_every_error_even_for_options(client):
    for method in ("GET", "OPTIONS", "HEAD"):
        refused = await client.request(method, "/api/presets", headers={"Host": "evil.example"})
        assert refused.status_code == 400, method
        assert "default-src 'self'" in refused.headers["content-security-policy"]
        if method == "GET":
            assert refused.headers["content-type"] == PROBLEM
            assert refused.json()["title"] == "Unknown host"
    page = await client.get("/", headers={"Host": "evil.example"})
    assert page.status_code == 400 and parse(page.text).find_all(role="alert")
    # without a public URL, absolute links come from the Host: another port is refused
    assert (await client.get("/", headers={"Host": "localhost:6666"})).status_code == 400
    assert (await client.get("/", headers={"Host": "localhost"})).status_code == 200


def test_a_stalled_upload_is_answered_408_and_closed(tmp_path):
    with live_server(tmp_path, CONVLENS_BODY_SECONDS="1") as server:
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as conn:
            conn.sendall(
                f"POST /api/run HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: 5000000\r\n"
                "Content-Type: multipart/form-data; boundary=x\r\n\r\n--x\r".encode()
            )
            started = time.monotonic()
            answer = b""
            while chunk := conn.recv(65536):  # until the server closes the connection
                answer += chunk
            waited = time.monotonic() - started
        assert answer.startswith(b"HTTP/1.1 408") and waited < 5
        assert b"The upload stalled" in answer
