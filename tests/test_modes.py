"""Presenter mode (?present=1) and a teacher's locked link (?lock=1) on runs, demos, chapters and
comparisons: what they hide, and that every link the page makes keeps them."""

from __future__ import annotations

import re

import pytest

from .helpers import parse

pytestmark = pytest.mark.anyio


async def x_run(client) -> str:
    made = await client.post(
        "/runs", data={"source": "example", "example": "x", "preset": "seed-xo"}
    )
    return re.search(r"/runs/([a-z2-7]+)", made.headers["location"])[1]


def nav_links(html: str) -> dict[str, str]:
    page = parse(html)
    return {rel: a["href"] for rel in ("prev", "next") for a in page.find_all("a", rel=rel)}


async def test_a_run_for_a_projector_and_locked_for_a_class(client):
    rid = await x_run(client)
    plain = parse((await client.get(f"/runs/{rid}?step=2")).text)
    assert plain.find_all("header", class_="site") and plain.find_all("details", class_="share")
    response = await client.get(f"/runs/{rid}?step=2&present=1&lock=1")
    page = parse(response.text)
    assert page.one("body")["class"] == "present"
    assert not page.find_all("header", class_="site")
    for hidden in ("share", "compare-with", "again"):
        assert not page.find_all(class_=hidden), hidden
    assert any("/present.js?v=" in (s.get("src") or "") for s in page.find_all("script"))
    links = nav_links(response.text)
    assert set(links) == {"prev", "next"}
    for rel, step in (("prev", 1), ("next", 3)):
        assert re.search(rf"present=1&lock=1&step={step}$", links[rel].replace("&amp;", "&"))
    # a picked cell keeps the mode too (the explorer's own links)
    cell = await client.get(f"/runs/{rid}?step=1&cell=1.0.3.3&lock=1")
    closing = parse(cell.text).one("a", class_="close")["href"]
    assert "lock=1" in closing and "cell=" not in closing


async def test_only_present_or_only_lock(client):
    rid = await x_run(client)
    locked = parse((await client.get(f"/runs/{rid}?lock=1")).text)
    assert locked.find_all("header", class_="site") and not locked.find_all(class_="share")
    shown = parse((await client.get(f"/runs/{rid}?present=1")).text)
    assert not shown.find_all(class_="share") and not shown.find_all("header", class_="site")
    assert (await client.get(f"/runs/{rid}?present=2")).status_code == 422


async def test_a_demo_locked_for_a_class(client):
    rid = await x_run(client)
    demo = (await client.post("/api/demos", json={"run_id": rid, "title": "X"})).json()["id"]
    page = parse((await client.get(f"/d/{demo}?lock=1&step=1")).text)
    assert not page.find_all(class_="share") and not page.find_all(class_="again")
    assert "lock=1" in nav_links((await client.get(f"/d/{demo}?lock=1&step=1")).text)["next"]


async def test_chapters_keep_the_mode_and_lock_hides_their_controls(client):
    response = await client.get("/lesson/convolution?present=1&lock=1")
    page = parse(response.text)
    assert page.one("body")["class"] == "present"
    assert not page.find_all("p", class_="pick-feature")  # the kernel choice is the teacher's
    links = nav_links(response.text)
    assert links == {
        "prev": "/lesson/features?present=1&lock=1",
        "next": "/lesson/feature-map?present=1&lock=1",
    }
    arrows = [a["href"] for a in page.one("nav", class_="arrows").find_all("a")]
    assert all("present=1" in href and "lock=1" in href for href in arrows)
    assert not parse((await client.get("/lesson/pictures?lock=1")).text).find_all("form")
    assert parse((await client.get("/lesson/pictures")).text).find_all("form")
    assert not parse((await client.get("/lesson/learning?lock=1")).text).find_all("canvas")
    index = parse((await client.get("/lesson?present=1")).text)
    assert (
        index.one("ol", class_="chapters").find_all("a")[0]["href"] == "/lesson/pictures?present=1"
    )


async def test_a_comparison_for_a_projector(client):
    rid = await x_run(client)
    made = await client.post(f"/runs/{rid}/compare", data={"example": "o"})
    where = made.headers["location"].removeprefix("http://testserver")
    response = await client.get(where + "&step=2&present=1")
    assert parse(response.text).one("body")["class"] == "present"
    assert nav_links(response.text)["next"].endswith("&step=3&present=1")


async def test_presented_and_compared_pages_answer_cold_with_the_same_headers(client):
    home = (await client.get("/")).headers
    rid = await x_run(client)
    made = await client.post(f"/runs/{rid}/compare", data={"example": "o"})
    compared = made.headers["location"].removeprefix("http://testserver")
    for path in (compared, compared + "&present=1", f"/runs/{rid}?present=1",
                 "/lesson/vote?present=1&lock=1", "/lesson?present=1"):  # fmt: skip
        response = await client.get(path)
        assert response.status_code == 200, path
        for name in ("content-security-policy", "x-content-type-options", "referrer-policy"):
            assert response.headers[name] == home[name], (path, name)


async def test_every_chapter_opens_presented_and_locked_with_its_thing_to_do(client):
    from app.service.lesson import CHAPTERS

    things = {"x-or-o": ("table", {"id": "flip-grid"}), "features": ("div", {"id": "walk"}),
              "feature-map": ("div", {"id": "mover"}), "relu": ("p", {"class_": "relu-readout"}),
              "stacking": ("p", {"id": "stack-said"}), "vote": ("form", {"class_": "vector"}),
              "edges": ("form", {"class_": "kernel-edit"})}  # fmt: skip
    for chapter in CHAPTERS:
        response = await client.get(f"/lesson/{chapter.slug}?present=1&lock=1")
        assert response.status_code == 200, chapter.slug
        page = parse(response.text)
        assert page.one("body")["class"] == "present"
        if chapter.slug in things:  # the thing to do stays in a locked lesson
            tag, attrs = things[chapter.slug]
            page.one(tag, **attrs)
        # every link the chapter's controls make keeps the mode
        for a in page.one("section", id="chapter").find_all("a"):
            if a.get("hx-get"):
                assert "present=1" in a["hx-get"] and "lock=1" in a["hx-get"], (chapter.slug, a)
    # chapter 7's kernel is the pipeline: locked, its weights are shown but not editable
    edges = parse((await client.get("/lesson/edges?lock=1")).text)
    assert all("readonly" in i.attrs for i in edges.find_all("input", name="gx"))
    assert edges.find_all("input", name="picture")  # the picture is still the class's choice
