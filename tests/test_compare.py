"""Two runs side by side: 'compare with...' from a run, one colour scale per stage, the
difference under them, the two verdicts; bad pairs answered with a clear 4xx."""

from __future__ import annotations

import re

import pytest

from .helpers import X_PNG, parse

pytestmark = pytest.mark.anyio


async def run_of(client, example: str, preset: str) -> str:
    made = await client.post(
        "/runs", data={"source": "example", "example": example, "preset": preset}
    )
    return re.search(r"/runs/([a-z2-7]+)", made.headers["location"])[1]


async def compared(client, a: str, example: str) -> str:
    made = await client.post(f"/runs/{a}/compare", data={"example": example})
    assert made.status_code == 303
    where = made.headers["location"]
    assert re.search(rf"/compare\?a={a}&b=[a-z2-7]+$", where)
    return where


async def test_the_x_and_the_shifted_x_get_the_same_verdict(client):
    x = await run_of(client, "x", "seed-xo")
    run_page = parse((await client.get(f"/runs/{x}")).text)
    assert (
        run_page.one("details", class_="compare-with").one("form")["action"] == f"/runs/{x}/compare"
    )
    where = await compared(client, x, "x-shifted")
    page = parse((await client.get(where + "&step=6")).text)
    stages = [li["id"] for li in page.find_all("li", class_="compared-stage")]
    assert stages == [f"cstage-{i}" for i in range(6, -1, -1)]
    verdict = page.one("p", class_="verdict").text
    assert re.fullmatch(r"A: X \(1\) · B: X \(0\.9111\): the same answer\.", verdict), verdict
    pooled = page.one("li", id="cstage-4").one("figure", class_="gap").one("figcaption").text
    gap = float(re.search(r"largest ([\d.]+)", pooled)[1])
    print(f"largest difference between the X's and the shifted X's pooled maps: {gap}")
    assert 0 < gap < 1


async def test_each_step_adds_a_stage_on_one_scale_for_both(client):
    x = await run_of(client, "x", "seed-xo")
    where = await compared(client, x, "o")
    response = await client.get(where + "&step=1")
    assert response.status_code == 200
    page = parse(response.text)
    assert [li["id"] for li in page.find_all("li", class_="compared-stage")] == [
        "cstage-1",
        "cstage-0",
    ]
    assert page.one("a", rel="next")["href"].endswith("&step=2")
    assert page.one("a", rel="prev")["href"].endswith("&step=0")
    stage = page.one("li", id="cstage-1")
    # the X's and the O's convolutions both lie in [-1, 1]: one diverging scale for both
    legend = [e.text for e in stage.one("p", class_="range").find_all("span", class_="end")]
    assert legend == ["\N{MINUS SIGN}1", "+1"]
    assert len(stage.find_all("img", class_="sheet")) == 3
    assert not page.find_all("p", class_="verdict")  # the verdicts come at the last stage
    fragment = await client.get(where + "&step=2", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="compare"')


async def test_a_vote_stage_compares_number_by_number(client):
    x = await run_of(client, "x", "seed-xo")
    page = parse((await client.get(await compared(client, x, "o") + "&step=6")).text)
    rows = page.one("li", id="cstage-6").find_all("tr")
    assert [r.find_all("th")[0].text for r in rows] == ["", "A", "B", "B \N{MINUS SIGN} A"]
    a, b, gap = ([float(td.text) for td in r.find_all("td")] for r in rows[1:])
    assert gap == pytest.approx([q - p for p, q in zip(a, b, strict=True)], abs=0.011)


async def test_an_upload_can_be_compared_and_bad_pairs_are_refused(client):
    x = await run_of(client, "x", "seed-xo")
    made = await client.post(f"/runs/{x}/compare", files={"image": ("x.png", X_PNG, "image/png")})
    assert made.status_code == 303
    photo = await run_of(client, "photo", "sobel-edges")
    other = await client.get(f"/compare?a={x}&b={photo}")
    assert other.status_code == 422 and "different pipelines" in other.text
    assert (await client.get(f"/compare?a={x}&b=nosuchrun")).status_code == 404
    assert (await client.get(f"/compare?a={x}")).status_code == 422
    nothing = await client.post(f"/runs/{x}/compare", data={})
    assert nothing.status_code == 422 and "pick an example" in nothing.text
    assert (await client.post("/runs/nosuchrun/compare", data={"example": "o"})).status_code == 404
