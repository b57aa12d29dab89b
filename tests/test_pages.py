"""The explorer's pages: the three ways in, build-your-own pipelines, stepping and explaining."""

from __future__ import annotations

import base64
import io
import re
import sqlite3

import numpy as np
import pytest
from PIL import Image

from app.engine import explain, get_preset, run
from app.engine.presets import SLIDES_X
from app.imaging.heatmap import palette
from app.letters.model import CONV1, CONV2, FLAT
from app.letters.weights import CLASSES
from app.service import EXAMPLES
from app.service.kernels_view import KernelsView
from app.service.run_view import LIVE_PER_ROW

from .helpers import X_PNG, map_pictures, parse, png, start, tags

pytestmark = pytest.mark.anyio

HX = {"HX-Request": "true"}


async def test_every_example_is_a_small_local_file_that_runs(client):
    page = tags((await client.get("/")).text)
    assert {a["value"] for a in page.find("input", name="example")} == set(EXAMPLES)
    for example in EXAMPLES.values():
        assert len(example.data) < 200_000
        rid = await start(client, source="example", example=example.name, preset=example.preset)
        assert (await client.get(f"/runs/{rid}")).status_code == 200
    assert {"x", "o", "x-shifted", "x-rotated", "letter-a", "photo"} <= set(EXAMPLES)


async def test_the_source_field_picks_the_drawing_the_upload_or_the_example(client):
    blank = png(np.full((40, 40), 255, np.uint8))
    files = {"drawing": ("drawing.png", X_PNG, "image/png"), "image": ("a.png", blank)}
    drawn = await start(client, files=files, source="draw", example="o", preset="seed-xo")
    uploaded = await start(client, files=files, source="upload", example="o", preset="seed-xo")
    example = await start(client, files=files, source="example", example="x", preset="seed-xo")
    assert drawn == example != uploaded  # the drawing is the slides' X; the upload is blank
    body = (await client.get(f"/api/runs/{drawn}")).json()
    assert body["prediction"]["label"] == "X"


@pytest.mark.parametrize(
    ("form", "words"),
    [({"source": "draw"}, "draw something first"), ({"source": "upload"}, "choose a picture")],
)
async def test_an_empty_way_in_is_explained_in_place(client, form, words):
    response = await client.post("/runs", data={**form, "example": "x"}, headers=HX)
    assert response.status_code == 422
    assert words in parse(response.text).one(role="alert").text
    assert tags(response.text).find("div", role="alert")


def custom(**fields: object) -> dict[str, object]:
    form: dict[str, object] = {"source": "example", "example": "x", "preset": "custom"}
    return {**form, **fields}


async def test_build_your_own_runs_the_blocks_and_kernels_chosen(client):
    form = custom(
        size="28", blocks="2", kernels=["sobel_gx", "sobel_gy"], padding="same", pool_size="2"
    )
    rid = await start(client, **form)
    body = (await client.get(f"/api/runs/{rid}")).json()
    shapes = [s["shape"] for s in body["stages"]]
    block1 = [[2, 28, 28], [2, 28, 28], [2, 14, 14]]
    block2 = [[2, 14, 14], [2, 14, 14], [2, 7, 7]]
    assert shapes == [[1, 28, 28], *block1, *block2]
    assert body["prediction"] is None


async def test_the_kernel_editor_numbers_are_what_the_convolution_uses(client):
    k = ["0"] * 25
    k[12] = "2"  # a 5x5 kernel that doubles the centre pixel
    form = custom(size="9", own_kernel="on", ksize="5", k=k, padding="same", values="ink_unit")
    rid = await start(client, **form)
    body = (await client.get(f"/api/runs/{rid}")).json()
    conv = body["stages"][1]
    assert conv["labels"] == ["my kernel"] and conv["shape"] == [1, 9, 9]
    page = parse((await client.get(f"/runs/{rid}?step=1")).text)
    how = page.one("li", id="stage-1").one("p", class_="conventions").text
    assert "5x5" in how and "same padding" in how and how.startswith("Cross-correlation")
    assert conv["max"] == pytest.approx(2.0) and conv["min"] == pytest.approx(0.0)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        (
            {"own_kernel": "on", "ksize": "3", "k": ["1", "abc"] + ["0"] * 7},
            "'abc' is not a number",
        ),
        ({"own_kernel": "on", "ksize": "3", "k": ["nan"] + ["0"] * 8}, "finite"),
        ({"own_kernel": "on", "ksize": "3", "k": ["1"] * 4}, "needs 9 numbers"),
        ({"own_kernel": "on", "ksize": "9", "k": ["1"] * 81}, "ksize"),
        ({"own_kernel": "on", "ksize": "3", "k": ["1e9"] * 9}, "weight"),
        ({"kernels": []}, "pick at least one kernel"),
        ({"kernels": ["nope"]}, "unknown kernel 'nope'"),
        ({"kernels": ["sharpen"], "size": "9", "blocks": "3"}, "Stage 6 (pool): window 2x2 is"),
        ({"kernels": ["sharpen"], "size": "1000"}, "size"),
    ],
)
async def test_a_silly_pipeline_is_refused_in_place(client, fields, words):
    response = await client.post("/runs", data=custom(**fields), headers=HX)
    assert response.status_code == 422, response.text
    assert words in parse(response.text).one("div", role="alert").text


async def test_the_kernel_editor_grows_and_starts_from_a_named_kernel(client):
    response = await client.get("/kernel-editor", params={"ksize": 5, "start": "sobel_gx"})
    cells = [a["value"] for a in tags(response.text).find("input", name="k")]
    assert len(cells) == 25
    assert cells[6:9] == ["-1", "0", "1"] and cells[11:14] == ["-2", "0", "2"]
    assert cells[0] == "0"
    assert (await client.get("/kernel-editor", params={"ksize": 8})).status_code == 422


async def test_colour_input_shows_red_green_and_blue(client):
    rid = await start(client, **custom(example="photo", colour="on", values="brightness", size="64",
                                        kernels=["box_blur"]))  # fmt: skip
    body = (await client.get(f"/api/runs/{rid}")).json()
    assert body["stages"][0]["labels"] == ["R", "G", "B"] and body["stages"][0]["shape"][0] == 3
    page = tags((await client.get(f"/runs/{rid}")).text)
    assert {a["aria-label"] for a in page.find("svg") if a.get("role") == "img"} >= {
        "R heatmap",
        "G heatmap",
        "B heatmap",
    }


async def test_next_sends_only_the_new_stage_the_nav_and_the_prediction(client):
    rid = await start(client, example="x", preset="seed-xo")
    response = await client.get(f"/runs/{rid}?step=3&fragment=next", headers=HX)
    page = tags(response.text)
    assert [a["id"] for a in page.find("li", **{"class": "stage"})] == ["stage-3"]
    targets = [a["hx-target"] for a in page.find("hx-partial")]
    assert targets == ["#steps", "#look", "#prediction"]
    (nxt,) = page.find("a", rel="next")
    assert nxt["hx-target"] == "#stages" and nxt["hx-swap"] == "beforeend"
    assert nxt["hx-get"] == f"/runs/{rid}?step=4&fragment=next"
    assert nxt["href"] == nxt["hx-push-url"] == f"/runs/{rid}?step=4"
    # the same URL without htmx is the whole page, and htmx without 'fragment' the explorer
    whole = tags((await client.get(f"/runs/{rid}?step=3&fragment=next")).text)
    assert len(whole.find("li", **{"class": "stage"})) == 4 and whole.find("html")
    explorer = tags((await client.get(f"/runs/{rid}?step=3", headers=HX)).text)
    assert explorer.find("div", id="explorer") and not explorer.find("html")


async def test_a_history_restore_gets_the_whole_page(client):
    rid = await start(client, example="x", preset="seed-xo")
    headers = {**HX, "HX-History-Restore-Request": "true"}
    text = (await client.get(f"/runs/{rid}?step=2", headers=headers)).text
    assert text.lstrip().lower().startswith("<!doctype html>")


async def test_every_page_or_fragment_answer_restores_whole_and_varies_alike(client):
    rid = await start(client, example="x", preset="seed-xo")
    restore = {**HX, "HX-History-Restore-Request": "true"}
    paths = [f"/runs/{rid}?step=2", f"/compare?a={rid}&b={rid}", "/lesson/relu",
             "/embed/lesson/relu", "/runs/no-such-run", "/lesson/no-such-chapter"]  # fmt: skip
    for path in paths:
        whole, part = (
            (await client.get(path, headers=restore)),
            (await client.get(path, headers=HX)),
        )
        assert whole.text.lstrip().lower().startswith("<!doctype html>"), path
        assert not part.text.lstrip().lower().startswith("<!doctype html>"), path
        for answer in (whole, part):
            vary = {v.strip() for v in answer.headers["vary"].split(",")}
            assert {"HX-Request", "HX-History-Restore-Request"} <= vary, path


async def test_a_selected_conv_cell_shows_the_slides_arithmetic(client):
    rid = await start(client, example="x", preset="seed-xo")
    response = await client.get(f"/runs/{rid}", params={"step": 0, "cell": "1.0.1.1"})
    assert response.status_code == 200
    text = response.text
    trace = run(get_preset("seed-xo").spec, SLIDES_X)
    formula = parse(text).one("aside", class_="explain").one("p", class_="formula").text
    assert formula == explain(trace, 1, 0, 1, 1).formula
    assert formula == "(1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1) / 9 = 1"
    page = tags(text)
    assert len(page.find("li", **{"class": "stage"})) == 2  # the step grows to show the cell
    (cell,) = page.find("rect", **{"class": "cell"})
    assert (cell["x"], cell["y"]) == ("1", "1")
    (field,) = page.find("rect", **{"class": "field"})
    assert (field["x"], field["y"], field["width"], field["height"]) == ("1", "1", "3", "3")
    (close,) = page.find("a", **{"class": "close"})
    assert "cell" not in close["href"]
    (nav,) = page.find("a", rel="next")
    assert "cell=1.0.1.1" in nav["href"]  # stepping on keeps the selection in the URL


async def test_pooling_and_vote_cells_explain_themselves(client):
    rid = await start(client, example="x", preset="seed-xo")
    pool = (await client.get(f"/runs/{rid}", params={"step": 3, "cell": "3.0.0.0"})).text
    assert parse(pool).one("p", class_="formula").text == "max(0.78, 0, 0, 1) = 1"
    assert len(tags(pool).find("td", **{"class": "winner"})) == 1
    vote = (await client.get(f"/runs/{rid}", params={"step": 6, "cell": "6.0.0.0"})).text
    explained = parse(vote).one("aside", class_="explain")
    assert explained.one("p", class_="formula").text == "(1 + 1 + 1 + 1 + 1) / 5 = 5 / 5 = 1"
    buttons = tags(vote).find("button", **{"class": "label"})
    assert [b["data-cell"] for b in buttons] == ["6.0.0.0", "6.0.0.1"]


@pytest.mark.parametrize(
    ("cell", "words"),
    [("1.0.99.0", "outside"), ("one", "stage.map.row.column"), ("0.0.0.0", "stages 1 to"),
     ("9.0.0.0", "stages 1 to"), ("6.0.0.5", "vector")],
)  # fmt: skip
async def test_a_bad_cell_is_a_clear_422(client, cell, words):
    rid = await start(client, example="x", preset="seed-xo")
    response = await client.get(f"/runs/{rid}", params={"cell": cell}, headers=HX)
    assert response.status_code == 422
    assert words in parse(response.text).one(role="alert").text


async def test_per_map_scale_is_its_own_picture_and_link(client):
    rid = await start(client, example="photo", preset="classic-kernels")
    html = (await client.get(f"/runs/{rid}", params={"step": 1, "scale": "map"})).text
    srcs = map_pictures(html)
    assert srcs and all(s.endswith("/maps.png?scale=map") for s in srcs)
    own = await client.get(f"/runs/{rid}/stages/1/maps/1.png?scale=map")
    shared = await client.get(f"/runs/{rid}/stages/1/maps/1.png")
    assert own.headers["etag"] != shared.headers["etag"] and own.content != shared.content
    assert (await client.get(f"/runs/{rid}?scale=wide")).status_code == 422


async def test_docs_are_served_from_here_only(client):
    response = await client.get("/docs")
    assert response.status_code == 200
    page = tags(response.text)
    assets = [a.get("src") or a.get("href") for t, a in page.tags if t in {"script", "link"}]
    assert assets and all(re.match(r"/static/", url) for url in assets)
    for url in assets:
        assert (await client.get(url)).status_code == 200
    schema = (await client.get("/openapi.json")).json()
    assert {"/api/run", "/api/runs/{run_id}", "/api/presets"} <= set(schema["paths"])


async def test_the_slides_example_vector_votes_x_091_against_o_051(client):
    rid = await start(client, example="o", preset="seed-xo")
    page = parse((await client.get(f"/runs/{rid}", params={"step": 6})).text)
    slides = page.one("details", class_="slides-vote")
    assert [p.text for p in slides.find_all("p", class_="formula")] == [
        "X: (0.90 + 0.87 + 0.96 + 0.89 + 0.94) / 5 = 4.56 / 5 = 0.912",
        "O: (0.65 + 0.45 + 0.44 + 0.53) / 4 = 2.07 / 4 = 0.5175",
    ]
    other = await start(client, example="x", preset="classic-kernels")
    last = parse((await client.get(f"/runs/{other}?step=3")).text)
    assert not last.find_all("details", class_="slides-vote")


def test_a_kernel_with_many_input_maps_wraps_its_tiles_onto_lines_of_eight():
    def lines(channels: int) -> list[tuple[int, int, int]]:
        weights = np.zeros((2, channels, 3, 3), np.float32)
        return KernelsView(2, channels, 3, 3, weights).tile_lines

    assert lines(3) == [(0, 0, 11)]  # three 3x3 tiles 1px apart on one line
    assert lines(16) == [(0, 0, 31), (4, 32, 31)]  # two full lines, the second from tile 9
    assert lines(10) == [(0, 0, 31), (4, 32, 7)]  # the last line holds what is left
    view = KernelsView(2, 16, 3, 3, np.zeros((2, 16, 3, 3), np.float32))
    assert view.tile_box == (31, 7) and view.tile_zoom * 7 >= 3 * 6


async def test_each_conv_stage_shows_its_kernels_as_one_picture(client):
    rid = await start(client, example="x", preset="seed-xo")
    page = tags((await client.get(f"/runs/{rid}", params={"step": 1})).text)
    (sheet,) = [a for a in page.find("image") if a.get("id") == "kernels-1"]
    # the page holds the picture itself (no request); the same bytes are at kernels.png
    response = await client.get(f"/runs/{rid}/stages/1/kernels.png")
    assert (
        base64.b64decode(sheet["href"].removeprefix("data:image/png;base64,")) == response.content
    )
    # each kernel its own labelled tile (a view of that picture's row), opening to its numbers
    tiles = [a for a in page.find("svg") if (a.get("aria-label") or "").startswith("kernel ")]
    assert [t["aria-label"] for t in tiles] == [
        "kernel 1, diagonal_down",
        "kernel 2, x_center",
        "kernel 3, diagonal_up",
    ]
    lines = [a for a in page.find("svg") if "y" in a]  # inside each tile, its lines of input maps
    assert len(lines) == 3  # one input map: one line each
    assert lines[1]["viewbox"] == "0 4 3 3"  # kernel 2 is the sheet's second row
    toggles = page.find("details", **{"class": "kernel"})
    numbers = await client.get(toggles[0]["hx-get"])
    assert numbers.status_code == 200
    rows = [r.text.split() for r in parse(numbers.text).find_all("tr")]
    assert rows == [["1", "-1", "-1"], ["-1", "1", "-1"], ["-1", "-1", "1"]]
    assert (await client.get(f"/runs/{rid}/stages/1/kernels/3")).status_code == 404
    assert (await client.get(f"/runs/{rid}/stages/2/kernels/0")).status_code == 404
    assert (
        response.headers["content-type"] == "image/png"
        and "immutable" in response.headers["cache-control"]
    )
    picture = Image.open(io.BytesIO(response.content)).convert("RGB")
    assert picture.size == (3, 11)  # three 3x3 kernels, one above the other, 1px apart
    pixels = np.asarray(picture)
    assert (pixels[3] == 255).all() and (pixels[7] == 255).all()  # the gaps are white
    # diagonal_down: +1 on the diagonal (red end), -1 elsewhere (blue end)
    assert tuple(pixels[0, 0]) == tuple(palette("diverging")[255])
    assert tuple(pixels[0, 1]) == tuple(palette("diverging")[0])
    again = await client.get(
        f"/runs/{rid}/stages/1/kernels.png", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304
    assert (await client.get(f"/runs/{rid}/stages/2/kernels.png")).status_code == 404  # ReLU
    assert (await client.get(f"/runs/{rid}/stages/0/kernels.png")).status_code == 404


async def test_the_letters_preset_answers_the_same_in_the_api_and_the_page(client):
    files = {"image": ("a.png", EXAMPLES["letter-a"].data, "image/png")}
    body = (await client.post("/api/run", files=files, data={"preset": "letters"})).json()
    assert body["stages"][0]["shape"] == [1, 28, 28]
    assert list(body["prediction"]["scores"]) == list(CLASSES)
    assert sum(body["prediction"]["scores"].values()) == pytest.approx(1.0, abs=1e-4)
    page = (await client.get(f"/runs/{body['id']}", params={"step": len(body["stages"]) - 1})).text
    label = parse(page).one("h2", id="prediction-heading").one("output").text
    assert label == body["prediction"]["label"] == "A"
    buttons = tags(page).find("button", **{"class": "label"})
    assert len(buttons) == 5  # the five most likely classes
    dense_index = len(body["stages"]) - 2
    assert all(b["data-cell"].startswith(f"{dense_index}.0.0.") for b in buttons)
    explained = await client.get(f"/runs/{body['id']}", params={"cell": buttons[0]["data-cell"]})
    panel = parse(explained.text).one("aside", class_="explain")
    assert "The 8 largest terms" in panel.text and len(panel.one("tbody").find_all("tr")) == 8
    assert f"(the other {FLAT - 8})" in panel.find_all("p", class_="formula")[0].text
    assert panel.find_all("span", class_="formula")[0].text.startswith("exp(")


async def test_live_drawing_answers_with_every_stage_at_once(client, settings):
    form = {"source": "draw", "live": "1", "preset": "letters"}
    files = {"drawing": ("drawing.png", EXAMPLES["letter-a"].data, "image/png")}
    response = await client.post("/runs", data=form, files=files, headers=HX)
    assert response.status_code == 200
    # one picture per stage with maps, inside the answer: nothing more to fetch
    sheets = [a["src"] for a in tags(response.text).find("img")]
    assert len(sheets) == 7 and all(s.startswith("data:image/png;base64,") for s in sheets)
    pictures = [Image.open(io.BytesIO(base64.b64decode(s.split(",", 1)[1]))) for s in sheets]
    for index, side, count in ((1, 26, CONV1), (4, 11, CONV2)):  # conv1, conv2: rows of 8
        columns, rows = min(count, LIVE_PER_ROW), -(-count // LIVE_PER_ROW)
        assert pictures[index].size == (columns * (side + 1) - 1, rows * (side + 1) - 1)
    assert parse(response.text).one("p", class_="live-guess").one("output").text == "A"
    # stored nowhere (the pen's next move replaces it): stepping through it is Run's job
    assert parse(response.text).one("button").get("form") == "start"
    with sqlite3.connect(settings.database_path) as db:
        assert db.execute("SELECT count(*) FROM runs").fetchone() == (0,)
    blank = {"drawing": ("drawing.png", png(np.full((50, 50), 255, np.uint8)), "image/png")}
    empty = await client.post("/runs", data=form, files=blank, headers=HX)
    assert empty.status_code == 422 and "no ink" in parse(empty.text).one(role="alert").text


async def test_numbers_tables_are_the_slides_tables_inline_or_on_demand(client, seed):
    rid = await start(client, example="x", preset="seed-xo")
    page = parse((await client.get(f"/runs/{rid}", params={"step": 1})).text)
    table = page.one("li", id="stage-1").find_all("details", class_="numbers")[0]
    values = [[float(td.text) for td in tr.find_all("td")] for tr in table.find_all("tr")]
    expected = np.asarray(run(get_preset("seed-xo").spec, SLIDES_X).stage(1).data[0])
    np.testing.assert_allclose(values, np.round(expected, 2), atol=0.006)
    # a big stage (the letters network's second convolution) sends its tables when opened
    lid = await start(client, example="letter-a", preset="letters")
    text = (await client.get(f"/runs/{lid}", params={"step": 4})).text
    lazy = [
        a
        for a in tags(text).find("details", **{"class": "numbers"})
        if "/stages/4/" in a.get("hx-get", "")
    ]
    assert len(lazy) == CONV2 and all(a["hx-trigger"] == "toggle once" for a in lazy)
    table = await client.get(lazy[0]["hx-get"])
    assert table.status_code == 200 and len(parse(table.text).find_all("tr")) == 11
    assert "immutable" in table.headers["cache-control"]
    assert (await client.get(f"/runs/{rid}/stages/5/maps/0/numbers")).status_code == 404


async def test_the_verdict_says_why_and_tiny_probabilities_read_as_under_one_hundredth(client):
    x = await start(client, example="x", preset="seed-xo")
    why = [
        p.text
        for p in parse((await client.get(f"/runs/{x}?step=6")).text).find_all("p", class_="why")
    ]
    assert len(why) == 1 and "0.91 and 0.51" in why[0] and "example vector" in why[0]
    turned = await start(client, example="x-rotated", preset="seed-xo")
    page = parse((await client.get(f"/runs/{turned}?step=6")).text)
    assert page.one("h2", id="prediction-heading").one("output").text == "O"
    why = [p.text for p in page.find_all("p", class_="why")]
    assert any("A close vote between O and X" in s and "upright" in s for s in why)
    letters = await start(client, example="x-rotated", preset="letters")
    page = parse((await client.get(f"/runs/{letters}?step=9")).text)
    assert page.one("h2", id="prediction-heading").one("output").text == "X"  # not fooled
    scores = [s.text for s in page.find_all("span", class_="score")]
    assert scores[0] == "1" and "<0.01" in scores[1:] and "0" not in scores
    assert not page.find_all("p", class_="why")  # a clear verdict needs no excuse


async def test_a_built_pipeline_can_end_with_the_slides_vote_so_kernel_edits_move_the_verdict(
    client,
):
    xo = ["diagonal_down", "x_center", "diagonal_up"]
    fields = dict(size="9", kernels=xo, mean="on", pool_size="4", pool_stride="3", vote="on")
    rid = await start(client, **custom(**fields))
    body = (await client.get(f"/api/runs/{rid}")).json()
    assert [s["kind"] for s in body["stages"]][-2:] == ["flatten", "vote"]
    assert body["prediction"]["label"] == "X"
    x_score = body["prediction"]["scores"]["X"]
    # the same X with an edited middle kernel (every weight negated): the verdict moves
    edited = dict(fields, kernels=["diagonal_down", "diagonal_up"], own_kernel="on", ksize="3",
                  k=["1", "-1", "1", "-1", "-1", "-1", "1", "-1", "1"])  # fmt: skip
    other = (await client.get(f"/api/runs/{await start(client, **custom(**edited))}")).json()
    assert other["prediction"]["scores"]["X"] < x_score
    # shapes that do not fit are refused in words
    response = await client.post("/runs", data=custom(kernels=xo, vote="on"), headers=HX)
    assert response.status_code == 422
    text = parse(response.text).one("div", role="alert").text
    assert "The slides' X/O vote takes 12 values" in text and "3 maps of 13x13 = 507" in text


async def test_a_photo_of_another_shape_shows_what_was_added_around_it(client):
    # A 4:3 picture through the 128x128 Sobel preset fills 128x96; the bands above and below are
    # filled in, marked on stage 0 (page, overview and API alike) and said in words.
    rgb = np.zeros((150, 200, 3), np.uint8)
    rgb[:, :100] = (200, 60, 20)  # one real edge, down the middle
    files = {"image": ("wide.png", png(rgb), "image/png")}
    rid = await start(client, files=files, source="upload", preset="sobel-edges")
    page = parse((await client.get(f"/runs/{rid}?step=1")).text)
    note = page.one("p", **{"class": "added-note"}).text
    assert "128x96" in note and "above and below" in note
    stage0 = page.one("li", id="stage-0")
    outline = stage0.one("rect", **{"class": "content"})
    assert (outline["x"], outline["y"], outline["width"], outline["height"]) == (
        "0",
        "16",
        "128",
        "96",
    )
    assert stage0.one("path", **{"class": "added"})["d"].endswith("M0 16V112H128V16Z")
    assert not page.one("li", id="stage-1").find_all("path", **{"class": "added"})
    overview = parse((await client.get(f"/runs/{rid}/overview")).text)
    assert overview.find_all("rect", **{"class": "content"})
    body = (await client.get(f"/api/runs/{rid}")).json()
    assert body["content"] == {"top": 16, "left": 0, "bottom": 112, "right": 128}
    saved = (await client.post("/api/demos", json={"run_id": rid, "title": "wide"})).json()
    demo = (await client.get(f"/d/{saved['id']}?step=1")).text
    assert "128x96" in parse(demo).one("p", **{"class": "added-note"}).text
    square = await start(client, source="example", example="photo", preset="sobel-edges")
    assert not parse((await client.get(f"/runs/{square}")).text).find_all(
        "p", **{"class": "added-note"}
    )
    assert (await client.get(f"/api/runs/{square}")).json()["content"] is None


async def test_the_colour_scheme_is_kept_in_every_link_and_picture(client):
    # Chosen on the home page, it goes through Run into the run's address, then into every step
    # link, picture address, kernel picture, overview and share link; the default stays out.
    home = parse((await client.get("/", params={"colours": "cividis"})).text)
    assert home.one("input", name="colours")["value"] == "cividis"
    assert not parse((await client.get("/")).text).find_all("input", name="colours")
    response = await client.post(
        "/runs", data={"source": "example", "example": "x", "preset": "seed-xo",
                       "colours": "cividis"},
    )  # fmt: skip
    location = response.headers["location"]
    assert location.endswith("?step=0&colours=cividis")
    rid = location.split("/runs/")[1].split("?")[0]
    page = parse((await client.get(f"/runs/{rid}", params={"step": 1, "colours": "cividis"})).text)
    steps = page.one("nav", id="steps")
    schemes = page.one("span", **{"class": "schemes"}).find_all("a")
    look = page.one("p", id="look").find_all("a")
    moves = [
        a["href"]
        for a in [*steps.find_all("a"), *look]
        if a not in schemes and "step=" in a["href"]
    ]
    assert len(moves) == 4 and all("colours=cividis" in h for h in moves)  # back, next, all, scale
    assert [a.get("aria-current") for a in schemes] == [None, "true"]
    assert schemes[0]["href"] == f"/runs/{rid}?step=1"  # viridis, the default: left out
    assert page.one("a", href="/?colours=cividis").text.startswith("← Try another")
    overview_link = page.one("a", href=f"/runs/{rid}/overview?colours=cividis")
    assert overview_link.text == "Overview"
    sheets = [i["href"] for i in page.find_all("image") if "maps.png" in (i["href"] or "")]
    assert sheets and all(h.endswith("?colours=cividis") for h in sheets)
    caption = page.one("figure", **{"class": "kernel-list"}).one("figcaption").text
    assert "yellow weights add, blue ones subtract" in caption
    plain = parse((await client.get(f"/runs/{rid}", params={"step": 1})).text)
    assert (
        "red weights add, blue ones subtract"
        in plain.one("figure", **{"class": "kernel-list"}).one("figcaption").text
    )
    kernels = {p.one("image", id="kernels-1")["href"] for p in (page, plain)}
    assert len(kernels) == 2  # the kernel picture is drawn in each scheme's colours
    # the pictures differ by scheme, and so do their ETags
    one = await client.get(f"/runs/{rid}/stages/1/maps.png")
    other = await client.get(f"/runs/{rid}/stages/1/maps.png", params={"colours": "cividis"})
    assert one.content != other.content and one.headers["etag"] != other.headers["etag"]
    stale = await client.get(
        f"/runs/{rid}/stages/1/maps.png", params={"colours": "cividis"},
        headers={"If-None-Match": one.headers["etag"]},
    )  # fmt: skip
    assert stale.status_code == 200
    overview = parse(
        (await client.get(f"/runs/{rid}/overview", params={"colours": "cividis"})).text
    )
    assert all(
        "colours=cividis" in a["href"] for a in overview.find_all("a", **{"class": "column-head"})
    )
    assert (await client.get(f"/runs/{rid}", params={"colours": "rainbow"})).status_code == 422
    saved = await client.post(
        "/api/demos", json={"run_id": rid, "title": "c", "step": 1, "colours": "cividis"}
    )
    assert saved.json()["url"].endswith("?step=1&colours=cividis")


async def test_digits_say_when_a_picture_looks_more_like_a_letter(client):
    # the letter A under Digits: the whole network reads an A, so Digits' best is only the
    # least unlike digit, and the page says so rather than showing it as certain
    rid = await start(client, example="letter-a", preset="digits")
    last = len((await client.get(f"/api/runs/{rid}")).json()["stages"]) - 1
    page = parse((await client.get(f"/runs/{rid}", params={"step": last})).text)
    verdict = page.one("section", id="prediction")
    assert "it looks more like A" in verdict.one("h2").text
    assert "looks more like the letter A than any digit" in verdict.one("p", class_="why").text
    assert "among" in verdict.one("ul")["class"]
    # Letters and digits reads it as A: nothing to say; nor for an A under Capitals
    for preset in ("letters", "capitals"):
        other = await start(client, example="letter-a", preset=preset)
        shown = (await client.get(f"/runs/{other}", params={"step": last})).text
        assert "looks more like" not in shown, preset


async def test_the_slides_vote_on_a_photo_says_it_only_knows_x_and_o(client):
    photo = await start(client, example="photo", preset="seed-xo")
    last = len((await client.get(f"/api/runs/{photo}")).json()["stages"]) - 1
    said = parse((await client.get(f"/runs/{photo}", params={"step": last})).text)
    assert "only knows X and O" in said.one("section", id="prediction").text
    # and does not send a photo to the letters network, as a close vote on a drawing does
    assert "Letters and digits network was trained" not in said.one("section", id="prediction").text
    # a drawing of an X, even turned, is what the vote is for: nothing to warn about
    for example in ("x", "x-rotated"):
        drawn = await start(client, example=example, preset="seed-xo")
        page = (await client.get(f"/runs/{drawn}", params={"step": last})).text
        assert "only knows X and O" not in page, example
