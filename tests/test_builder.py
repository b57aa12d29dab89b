"""Build your own in place (issue 27, item 4): the slides' own pipeline as the builder writes it,
the preview that re-runs the chosen picture as the fields change, and what it stores (nothing)."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest

from app.engine import get_preset, run
from app.imaging import load_input
from app.service import SLIDES, form_fields
from app.service.builder import build_spec, tweaks_from_fields
from app.service.examples import EXAMPLES

from .helpers import parse

HX = {"HX-Request": "true"}

PREVIEW = "/runs?live=build"
pytestmark = pytest.mark.anyio


def fields_of(t: object) -> dict[str, object]:
    """The form a browser sends for these tweaks: checkbox groups as lists, ticked boxes 'on'."""
    out: dict[str, object] = {}
    for name, value in form_fields(t).items():  # type: ignore[arg-type]
        if value is True:
            out[name] = "on"
        elif value is not False:
            out[name] = value
    return out


@pytest.mark.parametrize("example", ["x", "o", "x-shifted", "x-rotated"])
def test_the_slides_pipeline_built_by_hand_computes_what_the_slides_preset_does(example):
    slides = get_preset("seed-xo").spec
    built = build_spec(SLIDES)
    picture = EXAMPLES[example].data
    ours = run(built, load_input(picture, built.input, 10**6)[0])
    theirs = run(slides, load_input(picture, slides.input, 10**6)[0])
    assert [o.shape for o in ours.outputs] == [o.shape for o in theirs.outputs]
    for a, b in zip(ours.outputs, theirs.outputs, strict=True):
        np.testing.assert_array_equal(a, b)
    assert ours.prediction == theirs.prediction


def test_the_slides_fields_read_back_as_the_slides_tweaks():
    form = fields_of(SLIDES)
    assert form["size"] == "9" and form["kernels"] == ["diagonal_down", "x_center", "diagonal_up"]
    assert {"mean", "edge", "pool_again", "vote"} <= {k for k, v in form.items() if v == "on"}

    def getlist(name: str) -> list[str]:
        value = form.get(name, [])
        return value if isinstance(value, list) else [str(value)]

    read = tweaks_from_fields(lambda name: form.get(name) if name != "kernels" else None, getlist)
    assert read == SLIDES


async def test_the_home_page_offers_the_slides_fields_to_load(client):
    page = parse((await client.get("/")).text)
    button = page.one("button", id="from-slides")
    assert json.loads(button["data-fields"] or "") == json.loads(json.dumps(form_fields(SLIDES)))
    # every field it sets is one the builder has
    names = {a.get("name") for a in page.one("fieldset", id="tweaks").find_all("input")}
    names |= {a.get("name") for a in page.one("fieldset", id="tweaks").find_all("select")}
    assert set(form_fields(SLIDES)) <= names


async def test_the_preview_runs_the_chosen_picture_and_stores_nothing(client, settings):
    form = {"source": "example", "example": "x", "preset": "custom", **fields_of(SLIDES)}
    response = await client.post(PREVIEW, data=form, headers=HX)
    assert response.status_code == 200, response.text
    view = parse(response.text)
    verdict = view.one("p", class_="build-verdict")
    assert verdict.one("strong").text == "X"
    assert [s.text for s in verdict.find_all("span", class_="build-score")] == ["X 1", "O 0.5556"]
    stages = view.find_all("li", class_="build-stage")
    assert [s["data-stage"] for s in stages] == ["0", "1", "2", "3", "4"]  # the maps, not the vote
    assert all(s.one("img")["src"].startswith("data:image/png;base64,") for s in stages)
    assert view.one("button")["form"] == "start"  # "Run it" is the form's own Run
    with sqlite3.connect(settings.database_path) as db:
        assert db.execute("SELECT count(*) FROM runs").fetchone() == (0,)
    # without the vote: what the blocks end with, and how to get a verdict
    bare = {k: v for k, v in form.items() if k != "vote"}
    said = parse((await client.post(PREVIEW, data=bare, headers=HX)).text)
    assert (
        "these blocks end with 3\u00d72\u00d72 = 12 values"
        in said.one("p", class_="build-verdict").text
    )


async def test_the_preview_says_what_does_not_fit_in_place(client):
    form = {"source": "example", "example": "x", "preset": "custom", **fields_of(SLIDES)}
    response = await client.post(PREVIEW, data={**form, "pool_size": "3"}, headers=HX)
    assert response.status_code == 422
    text = parse(response.text).one("div", role="alert").text
    assert "3 maps of 1x1 = 3" in text and "“Start from the slides”" in text
    # the edge kept or not: 7x7 pools to 4x4, or to 3x3
    no_edge = {k: v for k, v in form.items() if k not in ("edge", "vote", "pool_again")}
    view = parse((await client.post(PREVIEW, data=no_edge, headers=HX)).text)
    assert view.find_all("li", class_="build-stage")[-1].one("small").text == "3\u00d73\u00d73"
    # a drawing previewed with nothing drawn is the drawing's problem, said as for Run
    empty = await client.post(PREVIEW, data={**form, "source": "draw", "example": ""}, headers=HX)
    assert empty.status_code == 422
