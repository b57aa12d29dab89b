"""Running a picture and stepping through its stages: pages, heatmaps and the JSON API."""

from __future__ import annotations

import io

import httpx
import numpy as np
import pytest
from PIL import Image

from app.engine import get_preset, run
from app.engine.presets import SLIDES_X
from app.imaging.heatmap import palette as PALETTE
from app.web import create_app

from .helpers import X_PNG, map_pictures, parse, start, tags

pytestmark = pytest.mark.anyio


async def test_the_home_form_is_a_real_multipart_form(client):
    html = (await client.get("/")).text
    page = tags(html)
    (form,) = page.find("form")
    assert form["method"] == "post" and form["enctype"] == "multipart/form-data"
    assert form["action"] == "/runs"
    assert page.find("input", type="file", name="image")
    assert {a["value"] for a in page.find("input", name="preset")} == {
        "seed-xo",
        "sobel-edges",
        "classic-kernels",
        "letters",
        "digits",
        "capitals",
        "custom",
    }
    # what a drawing is read as: the three learned presets
    (reading,) = parse(html).find_all("select", id="reading")
    options = [o.attrs["value"] for o in reading.find_all("option")]
    assert options == ["letters", "digits", "capitals"]


async def test_an_example_runs_and_the_page_steps_through_every_stage(client):
    rid = await start(client, example="x", preset="seed-xo")
    for step in range(7):
        response = await client.get(f"/runs/{rid}", params={"step": step})
        assert response.status_code == 200
        assert "HX-Request" in response.headers["vary"]
        page = tags(response.text)
        assert len(page.find("li", **{"class": "stage"})) == step + 1
        scripts = [n["src"] for n in page.find("script") if n.get("src")]
        assert any(s.startswith("/static/vendor/htmx-4.0.1/htmx.min.js?v=") for s in scripts)
        nxt = page.find("a", rel="next")
        if step < 6:
            assert nxt[0]["hx-push-url"] == nxt[0]["href"] == f"/runs/{rid}?step={step + 1}"
        else:
            assert not nxt
    assert parse(response.text).one("h2", id="prediction-heading").one("output").text == "X"


async def test_htmx_requests_get_the_fragment_and_cold_loads_the_full_page(client):
    rid = await start(client, example="o", preset="seed-xo")
    fragment = (await client.get(f"/runs/{rid}?step=2", headers={"HX-Request": "true"})).text
    top = [n for n in parse(fragment).children if not isinstance(n, str)]
    assert [(n.tag, n.get("id")) for n in top] == [("div", "explorer")]
    full = parse((await client.get(f"/runs/{rid}?step=2")).text)
    assert full.one("html").one("div", id="explorer")


async def test_runs_are_served_from_the_database_alone(client, settings):
    rid = await start(client, example="x", preset="seed-xo")
    other = create_app(settings)  # a second process would see only the database file
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=other), base_url="http://testserver"
    ) as c2:
        body = (await c2.get(f"/api/runs/{rid}")).json()
    assert body["prediction"]["label"] == "X"
    assert [s["name"] for s in body["stages"]] == [
        "input",
        "conv1",
        "relu1",
        "pool1",
        "pool2",
        "flatten",
        "vote",
    ]


async def test_the_same_input_and_spec_give_the_same_id(client):
    assert await start(client, example="x", preset="seed-xo") == await start(
        client, example="x", preset="seed-xo"
    )
    assert await start(client, example="x", preset="seed-xo") != await start(
        client, example="x-shifted", preset="seed-xo"
    )


async def test_heatmaps_are_native_size_pngs_with_long_caching(client):
    rid = await start(client, example="x", preset="seed-xo")
    response = await client.get(f"/runs/{rid}/stages/1/maps/2.png")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert (
        "immutable" in response.headers["cache-control"]
        and "max-age=31536000" in response.headers["cache-control"]
    )
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (7, 7)
    again = await client.get(
        f"/runs/{rid}/stages/1/maps/2.png", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304
    assert (await client.get(f"/runs/{rid}/stages/1/maps/3.png")).status_code == 404
    assert (await client.get(f"/runs/{rid}/stages/99/maps/0.png")).status_code == 404


async def test_a_stage_sheet_holds_every_map_side_by_side_as_its_own_picture_shows_it(client):
    rid = await start(client, example="photo", preset="classic-kernels")
    count = (await client.get(f"/api/runs/{rid}")).json()["stages"][1]["shape"][0]
    assert count > 1
    for scale in ("stage", "map"):
        query = "?scale=map" if scale == "map" else ""
        response = await client.get(f"/runs/{rid}/stages/1/maps.png{query}")
        assert response.status_code == 200 and "immutable" in response.headers["cache-control"]
        sheet = np.asarray(Image.open(io.BytesIO(response.content)).convert("RGBA"))
        maps = [Image.open(io.BytesIO((await client.get(f"/runs/{rid}/stages/1/maps/{m}.png{query}"))
                .content)).convert("RGBA") for m in range(count)]  # fmt: skip
        width, height = maps[0].size
        assert sheet.shape == (height, count * (width + 1) - 1, 4)
        for m, picture in enumerate(maps):
            part = sheet[:, m * (width + 1) : m * (width + 1) + width]
            assert np.array_equal(part, np.asarray(picture))
            if m < count - 1:  # the gap after each map is transparent
                assert (sheet[:, m * (width + 1) + width, 3] == 0).all()
        again = await client.get(
            f"/runs/{rid}/stages/1/maps.png{query}",
            headers={"If-None-Match": response.headers["etag"]},
        )
        assert again.status_code == 304
    page = (await client.get(f"/runs/{rid}", params={"step": 1})).text
    assert list(dict.fromkeys(map_pictures(page))) == [
        f"/runs/{rid}/stages/0/maps.png",
        f"/runs/{rid}/stages/1/maps.png",
    ]  # one picture per stage, however many maps
    assert (await client.get(f"/runs/{rid}/stages/9/maps.png")).status_code == 404


async def test_signed_maps_are_centred_on_zero(client):
    rid = await start(client, example="x", preset="seed-xo")
    conv = Image.open(io.BytesIO((await client.get(f"/runs/{rid}/stages/1/maps/0.png")).content))
    relu = Image.open(io.BytesIO((await client.get(f"/runs/{rid}/stages/2/maps/0.png")).content))
    trace = run(get_preset("seed-xo").spec, SLIDES_X)
    # conv1 spans -0.78..1 on a symmetric -1..1 scale: a zero cell sits mid-palette (index 127/128).
    conv_values = trace.stage("conv1").data[0]
    colours = np.asarray(conv.convert("RGB")).astype(int)

    def near_palette(rgb: np.ndarray, palette: str, index: int) -> bool:
        rows = PALETTE(palette)[max(index - 1, 0) : index + 2].astype(int)
        return bool((np.abs(rows - rgb).max(axis=1) <= 1).any())

    assert near_palette(colours[conv_values == conv_values.max()][0], "diverging", 255)
    # ...and the minimum, -0.78, lands a ninth of the way up, not at the bottom as lo..hi would put it.
    expected_min_index = round((conv_values.min() + 1.0) / 2.0 * 255)
    assert near_palette(
        colours[conv_values == conv_values.min()][0], "diverging", expected_min_index
    )
    relu_colours = np.asarray(relu.convert("RGB")).astype(int)
    zeros = relu_colours[trace.stage("relu1").data[0] == 0]
    assert (zeros == PALETTE("sequential")[0]).all()  # the sequential scale starts at 0


async def test_the_api_runs_an_upload_and_lists_presets(client):
    response = await client.post(
        "/api/run", files={"image": ("x.png", X_PNG, "image/png")}, data={"preset": "seed-xo"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["prediction"] == {
        "label": "X",
        "scores": {"X": pytest.approx(1.0), "O": pytest.approx(5 / 9)},
    }
    conv = body["stages"][1]
    assert conv["shape"] == [3, 7, 7] and len(conv["heatmaps"]) == 3
    assert (await client.get(conv["heatmaps"][0])).status_code == 200
    assert body["url"] == f"http://testserver/runs/{body['id']}"
    assert (await client.get(f"/api/runs/{body['id']}")).json() == body
    presets = (await client.get("/api/presets")).json()
    assert [p["name"] for p in presets] == [
        "seed-xo",
        "sobel-edges",
        "classic-kernels",
        "letters",
        "digits",
        "capitals",
    ]


async def test_the_api_accepts_a_spec(client):
    spec = '{"input":{"size":[16,16]},"stages":[{"kind":"conv","kernels":"sobel"},{"kind":"magnitude"}]}'
    response = await client.post("/api/run", files={"image": ("x.png", X_PNG)}, data={"spec": spec})
    assert response.status_code == 200
    assert [s["shape"] for s in response.json()["stages"]] == [
        [1, 16, 16],
        [2, 14, 14],
        [1, 14, 14],
    ]


@pytest.mark.parametrize(
    ("files", "data", "words"),
    [
        ({"image": ("a.png", b"not a picture")}, {}, "not a PNG, JPEG, GIF or WebP"),
        ({"image": ("a.png", X_PNG[:80])}, {}, "truncated or corrupt"),
        ({"image": ("a.png", X_PNG)}, {"preset": "nope"}, "unknown preset 'nope'"),
        ({"image": ("a.png", X_PNG)}, {"spec": "{"}, "spec: Invalid JSON"),
        (
            {"image": ("a.png", X_PNG)},
            {
                "spec": '{"input":{"size":[9,9]},"stages":[{"kind":"conv","kernels":[{"name":"k","weights":[[1,"x"]]}]}]}'
            },
            "valid number",
        ),
    ],
)
async def test_bad_api_input_is_problem_json(client, files, data, words):
    response = await client.post("/api/run", files=files, data=data)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert words in response.json()["detail"]


async def test_bad_page_input_is_shown_in_place(client):
    response = await client.post(
        "/runs", files={"image": ("a.png", b"junk")}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    (alert,) = tags(response.text).find("div", role="alert")
    assert alert["class"] == "error"
    page = parse(response.text)
    assert "not a PNG" in page.one(role="alert").text and not page.find_all("html")
    full = await client.post("/runs", files={"image": ("a.png", b"junk")})
    assert full.status_code == 422 and parse(full.text).one("html").one(role="alert")


async def test_unknown_runs_are_404_everywhere(client):
    assert (await client.get("/runs/abc")).status_code == 404
    response = await client.get("/api/runs/abc")
    assert (
        response.status_code == 404
        and response.headers["content-type"] == "application/problem+json"
    )
    assert (await client.get("/runs/abc/stages/0/maps/0.png")).status_code == 404


async def test_nothing_is_stored_from_rejected_input(client, settings):
    await client.post("/api/run", files={"image": ("a.png", b"junk")})
    import sqlite3

    with sqlite3.connect(settings.database_path) as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone() == (0,)


async def test_the_overview_shows_every_stage_as_a_column_that_opens_it(client):
    rid = await start(client, example="x", preset="seed-xo")
    page = (await client.get(f"/runs/{rid}")).text
    assert f'href="/runs/{rid}/overview"' in page  # reachable from the run
    response = await client.get(f"/runs/{rid}/overview")
    assert response.status_code == 200
    tree = parse(response.text)
    columns = tree.find_all("li", class_="column")
    assert len(columns) == 7
    heads = [c.one("a", class_="column-head")["href"] for c in columns]
    assert heads == [f"/runs/{rid}?step={i}" for i in range(7)]
    pictures = list(dict.fromkeys(map_pictures(response.text)))
    assert len(pictures) == 6  # one sheet per stage; the last column lists the scores
    for url in pictures:  # the flatten stage's strip is a sheet too
        assert (await client.get(url)).status_code == 200
    assert columns[-1].one("ul", class_="column-scores").find_all("li")[0].text.startswith("X")
    did = (await client.post("/api/demos", json={"run_id": rid, "title": "ov"})).json()["id"]
    demo = await client.get(f"/d/{did}")
    assert f'href="/d/{did}/overview"' in demo.text
    shared = parse((await client.get(f"/d/{did}/overview")).text)
    assert shared.find_all("li", class_="column")[2].one("a")["href"] == f"/d/{did}?step=2"
    assert (await client.get("/runs/nothere/overview")).status_code == 404
    assert (await client.get("/d/nothere/overview")).status_code == 404


async def test_the_slides_cut_where_the_page_rounds_and_the_page_says_so(client):
    rid = await start(client, example="x", preset="seed-xo")
    cut = parse((await client.get(f"/runs/{rid}", params={"cell": "1.0.0.0"})).text)
    note = cut.one("aside", class_="explain").find_all("p", class_="hint")
    assert any(
        "The slides print 0.77: they cut 0.7778" in p.text and "0.78" in p.text for p in note
    )
    # a value both print alike (1 at the window's centre) has no note
    same = parse((await client.get(f"/runs/{rid}", params={"cell": "1.0.1.1"})).text)
    assert not any(
        "slides print" in p.text for p in same.one("aside", class_="explain").find_all("p")
    )
    # the numbers tables say it once under each table that has such a value
    tables = parse((await client.get(f"/runs/{rid}", params={"step": 1})).text)
    notes = [d.find_all("p", class_="hint") for d in tables.find_all("details", class_="numbers")]
    assert notes[0] == []  # the input: 1 and -1, nothing to cut
    assert len(notes) == 4 and all("the slides cut instead" in n[0].text for n in notes[1:])
    # another pipeline's 0.7778 is its own: no note about the slides
    other = await start(client, example="x", preset="classic-kernels")
    page = (await client.get(f"/runs/{other}", params={"cell": "1.1.0.0", "step": 1})).text
    assert "slides print" not in page and "the slides cut" not in page


async def test_a_washed_out_stage_says_so_and_offers_each_map_its_own_scale(client):
    rid = await start(client, example="letter-a", preset="letters")
    stages = (await client.get(f"/api/runs/{rid}")).json()["stages"]
    conv2 = next(s["index"] for s in stages if s["name"] == "conv2")
    page = parse((await client.get(f"/runs/{rid}", params={"step": conv2})).text)
    notes = {
        li["id"]: li.find_all("p", class_="washed") for li in page.find_all("li", class_="stage")
    }
    assert notes[f"stage-{conv2}"], "conv2 on one scale is washed out"
    link = notes[f"stage-{conv2}"][0].one("a")["href"]
    assert "scale=map" in link and link.endswith(f"#stage-{conv2}")
    assert not notes["stage-0"]  # the drawing itself: plenty of contrast
    per_map = (await client.get(link.split("#")[0])).text
    assert 'class="washed"' not in per_map and "Each map has its own colour scale" in per_map
    # the slides' stages read fine on one scale
    xid = await start(client, example="x", preset="seed-xo")
    assert 'class="washed"' not in (await client.get(f"/runs/{xid}", params={"step": 6})).text


async def test_a_picked_cell_outlines_the_window_it_read_on_the_stage_before(client):
    rid = await start(client, example="x", preset="seed-xo")

    def outlines(html: str, stage: int) -> list[tuple[int, tuple[str, ...]]]:
        page = parse(html)
        found = []
        for fig in page.one("li", id=f"stage-{stage}").find_all("div", class_="pick"):
            for rect in fig.find_all("rect", class_="read"):
                found.append((int(fig["data-map"]) if fig.get("data-map") else 0,
                              (rect["x"], rect["y"], rect["width"], rect["height"])))  # fmt: skip
        return found

    # a pooling cell (stage 3, map 1, row 0, column 1): its 2x2 window on the same map of stage 2
    pooled = (await client.get(f"/runs/{rid}", params={"cell": "3.1.0.1"})).text
    assert outlines(pooled, 2) == [(1, ("2", "0", "2", "2"))]
    said = parse(pooled).one("aside", class_="explain").text
    assert "It read rows 0 to 1 and columns 2 to 3 of map 1 of stage 2, outlined there." in said
    # a convolution cell reads a 3x3 window on every map of the stage before it (the input)
    conv = (await client.get(f"/runs/{rid}", params={"cell": "1.2.4.5"})).text
    assert outlines(conv, 0) == [(0, ("5", "4", "3", "3"))]
    # a ReLU cell reads the one cell under it
    relu = (await client.get(f"/runs/{rid}", params={"cell": "2.0.3.3"})).text
    assert outlines(relu, 1) == [(0, ("3", "3", "1", "1"))]


async def test_a_picked_cell_draws_the_input_patch_it_sees_beside_its_arithmetic(client):
    rid = await start(client, example="letter-a", preset="letters")
    stages = (await client.get(f"/api/runs/{rid}")).json()["stages"]
    conv2 = next(s["index"] for s in stages if s["name"] == "conv2")
    page = parse((await client.get(f"/runs/{rid}", params={"cell": f"{conv2}.3.5.5"})).text)
    explain = page.one("aside", class_="explain")
    patch = explain.one("figure", class_="patch")
    asked = {"stage": conv2, "map": 3, "row": 5, "col": 5}
    field = (await client.get(f"/api/runs/{rid}/explain", params=asked)).json()["receptive_field"]
    top, left, bottom, right = (field[k] for k in ("top", "left", "bottom", "right"))
    # the patch is the input cut to the cell's receptive field, and says which rows and columns
    assert patch.find_all("svg")[0]["viewbox"] == f"{left} {top} {right - left} {bottom - top}"
    assert (bottom - top, right - left) == (8, 8)  # 3x3 conv, 2x2 pool, 3x3 conv
    assert patch.one("image")["href"].startswith(f"/runs/{rid}/stages/0/")
    caption = patch.one("figcaption").text
    assert f"rows {top}\u2013{bottom - 1}, columns {left}\u2013{right - 1}" in caption
    # it comes first after the heading, before the arithmetic, where the eye starts
    assert [c.tag for c in explain.children if not isinstance(c, str)][:2] == ["h3", "figure"]
