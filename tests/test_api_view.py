"""The API gives what the page shows: every stage's numbers, its colour scale, and any cell's
arithmetic, from the same view of the run."""

from __future__ import annotations

import ast
import io
import json
from pathlib import Path

import numpy as np
import pytest
from cmap import Colormap
from PIL import Image

from app.engine import KINDS, get_preset, run
from app.engine.explanations import num
from app.engine.presets import SLIDES_X
from app.engine.spec import LAYER_KINDS
from app.imaging.heatmap import SCHEMES
from app.service import EXAMPLES

from .helpers import X_PNG, assert_close, parse, start

APP = Path(__file__).parent.parent / "app"
PROBLEM = "application/problem+json"

pytestmark = pytest.mark.anyio


async def api_run(client, preset="seed-xo", data=X_PNG, spec=None):
    form = {"spec": json.dumps(spec)} if spec else {"preset": preset}
    response = await client.post("/api/run", files={"image": ("p.png", data)}, data=form)
    assert response.status_code == 200, response.text
    return response.json()


async def test_values_are_the_engines_numbers_at_every_stage(client):
    rid = (await api_run(client))["id"]
    plain = (await client.get(f"/api/runs/{rid}")).json()
    assert all("values" not in stage for stage in plain["stages"])
    body = (await client.get(f"/api/runs/{rid}", params={"values": "true"})).json()
    trace = run(get_preset("seed-xo").spec, SLIDES_X)
    assert len(body["stages"]) == len(trace)
    for stage, out in zip(body["stages"], trace, strict=True):
        assert_close(np.array(stage["values"], np.float32), out.data, rtol=1e-5, atol=1e-5)
    # the same answer as without values, apart from the values
    for with_values, without in zip(body["stages"], plain["stages"], strict=True):
        assert {k: v for k, v in with_values.items() if k != "values"} == without


async def test_explain_gives_the_pages_arithmetic_for_the_slides_first_cell(client):
    rid = (await api_run(client))["id"]
    response = await client.get(
        f"/api/runs/{rid}/explain", params={"stage": 1, "map": 0, "row": 0, "col": 0}
    )
    assert response.status_code == 200
    cell = response.json()
    assert cell["kind"] == "conv" and cell["stage"] == 1 and cell["stage_name"] == "conv1"
    assert cell["value"] == pytest.approx(0.7778, abs=1e-4)
    assert cell["divisor"] == 9 and cell["bias"] == 0
    assert cell["receptive_field"] == {"top": 0, "left": 0, "bottom": 3, "right": 3}
    window, kernel, products = (np.array(cell[k]) for k in ("window", "kernel", "products"))
    assert window.shape == kernel.shape == products.shape == (1, 3, 3)
    assert_close(products, window * kernel, dtype=None)
    assert cell["text"].endswith(f"/ 9 = {num(cell['value'])}")
    # the page's explain panel shows the same grids and the same line
    page = parse((await client.get(f"/runs/{rid}", params={"cell": "1.0.0.0"})).text)
    panel = page.one("aside", class_="explain")
    grids = [
        [[float(td.text) for td in tr.find_all("td")] for tr in table.find_all("tr")]
        for table in panel.find_all("table", class_="grid")
    ]
    assert grids == [window[0].tolist(), kernel[0].tolist(), products[0].tolist()]
    assert panel.one("p", class_="formula").text == cell["text"]


async def explain(client, rid, stage, map=0, row=0, col=0):
    params = {"stage": stage, "map": map, "row": row, "col": col}
    response = await client.get(f"/api/runs/{rid}/explain", params=params)
    assert response.status_code == 200, response.text
    return response.json()


CUSTOM = {
    "input": {"size": [9, 9], "values": "ink_signed"},
    "stages": [
        {"kind": "conv", "kernels": ["diagonal_down", "x_center"], "padding": "same"},
        {"kind": "tanh"},
        {"kind": "sigmoid"},
        {"kind": "pool", "op": "avg", "kernel_size": 3, "stride": 2},
    ],
}


async def test_every_stage_kind_explains_itself_through_the_api(client):
    """Each kind in the registry, explained at a cell, agrees with the stored value."""
    seen: dict[str, dict] = {}
    runs = [
        await api_run(client),  # conv, relu, pool (max), flatten, vote
        await api_run(client, "sobel-edges", EXAMPLES["photo"].data),  # magnitude
        await api_run(client, "letters", EXAMPLES["letter-a"].data),  # dense, softmax
        await api_run(client, spec=CUSTOM),  # tanh, sigmoid, average pooling
    ]
    for body in runs:
        values = (await client.get(f"/api/runs/{body['id']}", params={"values": "true"})).json()
        for stage in values["stages"][1:]:
            shape, stored_values = stage["shape"], np.array(stage["values"], np.float64)
            if len(shape) == 1:  # a vector: its last value
                where, stored = (stage["index"], 0, 0, shape[0] - 1), stored_values[-1]
            else:  # maps: row 1, column 1 of the first map (or 0, 0 on a 1x1 map)
                r, c = min(1, shape[1] - 1), min(1, shape[2] - 1)
                where, stored = (stage["index"], 0, r, c), stored_values[0, r, c]
            cell = await explain(client, body["id"], *where)
            assert cell["value"] == pytest.approx(float(stored), rel=1e-5, abs=1e-6)
            assert cell["kind"] == stage["kind"] and cell["text"]
            seen.setdefault(stage["kind"] + ("-avg" if cell.get("op") == "avg" else ""), cell)
    assert set(LAYER_KINDS) <= {kind.removesuffix("-avg") for kind in seen}
    assert "pool-avg" in seen
    assert seen["pool"]["winner"] is not None and np.array(seen["pool"]["window"]).ndim == 2
    assert seen["pool-avg"]["divisor"] == 9 and "winner" not in seen["pool-avg"]
    assert seen["relu"]["text"].startswith("max(0, ")
    assert seen["tanh"]["text"].startswith("tanh(") and "input_value" in seen["tanh"]
    assert seen["sigmoid"]["text"].startswith("1 / (1 + exp(")
    assert seen["tanh"]["value"] == pytest.approx(np.tanh(seen["tanh"]["input_value"]), abs=1e-6)
    assert len(seen["magnitude"]["components"]) == 2
    dense = seen["dense"]
    assert len(dense["terms"]) == 8 and dense["rest_count"] > 0 and "exp(" in dense["softmax"]
    assert all(t["source"].startswith("map ") for t in dense["terms"])
    vote = seen["vote"]
    assert vote["divisor"] == len(vote["terms"]) and all("weight" not in t for t in vote["terms"])
    assert seen["flatten"]["origin"] is not None


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"stage": 1, "map": 5}, "has 3 maps"),
        ({"stage": 1, "row": 99}, "is outside"),
        ({"stage": 0}, "input stage"),
        ({"stage": 99}, "no stage 99"),
        ({"stage": 6, "map": 1}, "is a vector"),
    ],
)
async def test_an_impossible_cell_is_a_422_problem(client, params, words):
    rid = (await api_run(client))["id"]
    response = await client.get(f"/api/runs/{rid}/explain", params=params)
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    assert words in response.json()["detail"]


async def test_explaining_an_unknown_run_is_a_404_problem(client):
    response = await client.get("/api/runs/nothere/explain", params={"stage": 1})
    assert response.status_code == 404 and response.headers["content-type"] == PROBLEM


ZERO = {
    "input": {"size": [9, 9], "values": "ink_signed"},
    "stages": [{"kind": "conv", "kernels": [{"name": "zero", "weights": [[0, 0], [0, 0]]}]}],
}


@pytest.mark.parametrize("colours", SCHEMES)
async def test_the_png_the_legend_and_the_api_use_one_colour_scale(client, colours):
    """An all-zero map: the API, the page's legend and the picture agree on 0 to 1, and on the
    published colour map (checked against cmap itself) in each colour scheme."""
    response = await client.post(
        "/api/run", data={"spec": json.dumps(ZERO), "colours": colours},
        files={"image": ("x.png", X_PNG, "image/png")},
    )  # fmt: skip
    body = response.json()
    stage = body["stages"][1]
    assert stage["min"] == stage["max"] == 0
    colormap = SCHEMES[colours].sequential
    assert stage["scale"] == {
        "palette": "sequential",
        "colormap": colormap,
        "low": 0.0,
        "high": 1.0,
    }
    lut = np.round(np.asarray(Colormap(colormap).lut(256))[:, :3] * 255).astype(int)
    query = {"step": 1, **({"colours": colours} if colours != "viridis" else {})}
    page = parse((await client.get(f"/runs/{body['id']}", params=query)).text)
    legend = page.one("li", id="stage-1").one("span", class_="legend")
    assert [end.text for end in legend.find_all("span", class_="end")] == ["0", "1"]
    ramp = page.one("lineargradient", id=legend.one("rect")["fill"][5:-1])
    stops = [s["stop-color"] for s in ramp.find_all("stop")]
    hexed = ["#" + "".join(f"{v:02x}" for v in lut[i]) for i in (0, 255)]
    assert [stops[0], stops[-1]] == hexed
    picture = await client.get(stage["heatmaps"][0].removeprefix("http://testserver"))
    rgb = np.asarray(Image.open(io.BytesIO(picture.content)).convert("RGB"))
    assert (rgb == lut[0]).all()  # 0 is the low end of 0..1
    again = (await client.get(f"/api/runs/{body['id']}", params={"colours": colours})).json()
    assert again["stages"][1]["scale"] == stage["scale"]
    signed = (await api_run(client))["stages"][1]["scale"]
    assert signed["palette"] == "diverging" and signed["low"] == -signed["high"]
    assert signed["colormap"] == SCHEMES["viridis"].diverging


async def test_build_your_own_offers_tanh_and_sigmoid(client):
    home = parse((await client.get("/")).text)
    options = home.one("select", name="activation").find_all("option")
    assert [o["value"] for o in options] == ["relu", "tanh", "sigmoid"]
    for kind in ("tanh", "sigmoid"):
        form = {"source": "example", "example": "x", "preset": "custom", "size": "9"}
        rid = await start(client, **form, kernels=["x_center"], activation=kind)
        body = (await client.get(f"/api/runs/{rid}")).json()
        assert [s["kind"] for s in body["stages"]] == ["input", "conv", kind, "pool"]
        page = parse((await client.get(f"/runs/{rid}", params={"cell": "2.0.1.1"})).text)
        stage = page.one("li", id="stage-2")
        assert stage.one("p", class_="about").text == KINDS[kind].about
        assert stage.one("p", class_="formula").text.startswith(
            "tanh(" if kind == "tanh" else "1 /"
        )


async def test_the_share_form_works_without_scripts(client):
    rid = await start(client, example="x", preset="seed-xo")
    form = parse((await client.get(f"/runs/{rid}")).text).one("details", class_="share").one("form")
    assert form["action"] == f"/runs/{rid}/share"
    saved = await client.post(form["action"], data={"title": "no scripts"})
    assert saved.status_code == 200
    page = parse(saved.text)
    assert page.find_all("html") and page.one("h1").text == "Your demo is saved"
    link = page.one("input", id="share-link")["value"]
    assert (await client.get(link.removeprefix("http://testserver"))).status_code == 200


def test_the_web_layer_imports_only_the_service_and_the_settings():
    below = ("app.engine", "app.imaging", "app.letters", "app.store", "app.catalog")
    for path in sorted((APP / "web").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                name = "app." + (node.module or "") if node.level == 2 else node.module or ""
                if node.level == 1:
                    name = "app.web." + (node.module or "")
            elif isinstance(node, ast.Import):
                name = ",".join(a.name for a in node.names)
            else:
                continue
            assert not name.startswith(below), f"{path.name} imports {name}"


def test_one_place_maps_a_stage_to_its_step():
    trace = run(get_preset("seed-xo").spec, SLIDES_X)
    assert [trace.step(i).name for i in range(1, len(trace))] == [s.name for s in trace][1:]
    with pytest.raises(ValueError, match="not made by a step"):
        trace.step(0)
    web_and_service = [*(APP / "web").glob("*.py"), *(APP / "service").glob("*.py")]
    for path in web_and_service:
        assert "pipeline.steps[" not in path.read_text(), path.name


async def test_spec_errors_speak_the_pages_words_and_keep_the_path_apart(client):
    """An error names the stage as the page numbers it and the kernel by its number and name;
    the API's problem gives the schema path in its own field."""
    spec = {"input": {"size": [28, 28]}, "stages": [{"kind": "repeat", "times": 2, "stages": [
        {"kind": "conv", "kernels": ["diagonal_down", {"name": "mine", "weights": [[1] * 5] * 5}]},
        {"kind": "relu"}]}]}  # fmt: skip
    response = await client.post(
        "/api/run", data={"spec": json.dumps(spec)}, files={"image": ("x.png", X_PNG, "image/png")}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == (
        "Stage 1 (conv), kernel 2 (mine) is 5x5 but kernel 1 (diagonal_down) is 3x3: "
        "all kernels of one stage must have the same size"
    )
    assert body["field"] == "stages[0].stages[0].kernels[1]"
    # the same on the page, in place
    page = await client.post(
        "/runs",
        data={"source": "example", "example": "x", "spec": json.dumps(spec)},
        headers={"HX-Request": "true"},
    )
    assert page.status_code == 422 and "Stage 1 (conv), kernel 2 (mine) is 5x5" in page.text
    assert "stages[0]" not in page.text


def test_the_web_layer_offers_exactly_the_colour_schemes_there_are():
    from typing import get_args

    from app.imaging.heatmap import DEFAULT_SCHEME
    from app.web.deps import DEFAULT_COLOURS, Colours

    assert get_args(Colours) == tuple(SCHEMES) and DEFAULT_COLOURS == DEFAULT_SCHEME
    for scheme in SCHEMES.values():  # each colour map is the published one, 256 entries
        for name in (scheme.sequential, scheme.diverging):
            assert Colormap(name).lut(256).shape == (256, 4)
