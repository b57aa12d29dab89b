"""The lesson: thirteen chapters in the slides' order, each computed live, each opening cold from
its URL; the slides' numbers on the pages; chapter 1's upload; bad input answered in place."""

from __future__ import annotations

import re

import numpy as np
import pytest

from app.service import NotFound
from app.service.lesson import CHAPTERS, chapter_number, slides_print

from .helpers import X_PNG, parse, png

pytestmark = pytest.mark.anyio


def chapter_text(html: str) -> str:
    """The chapter's text as a person reads it (no space before a comma after a bold number)."""
    text = parse(html).one("section", id="chapter").text.replace("\N{MULTIPLICATION SIGN}", "x")
    return re.sub(r" ([,.):])", r"\1", text)


async def test_the_chapter_list_links_all_thirteen_in_order(client):
    page = parse((await client.get("/lesson")).text)
    links = [a["href"] for a in page.one("ol", class_="chapters").find_all("a")]
    assert links == [f"/lesson/{c.slug}" for c in CHAPTERS]
    assert len(links) == 13


async def test_every_chapter_opens_cold_with_its_place_and_the_same_headers(client):
    home = (await client.get("/")).headers
    for number, chapter in enumerate(CHAPTERS, 1):
        response = await client.get(f"/lesson/{chapter.slug}")
        assert response.status_code == 200, chapter.slug
        for name in ("content-security-policy", "x-content-type-options", "referrer-policy"):
            assert response.headers[name] == home[name]
        page = parse(response.text)
        assert page.one("a", class_="progress").text == f"{number} / 13"
        back = page.find_all("a", rel="prev")
        after = page.find_all("a", rel="next")
        assert [a["href"] for a in back] == (
            [f"/lesson/{CHAPTERS[number - 2].slug}"] if number > 1 else []
        )
        assert [a["href"] for a in after] == (
            [f"/lesson/{CHAPTERS[number].slug}"] if number < 13 else []
        )
        assert chapter.title in page.one("h1").text


async def test_an_htmx_request_gets_only_the_chapter(client):
    response = await client.get("/lesson/convolution?row=2&col=5", headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith('<section id="chapter"')
    assert "window at row 2, column 5" in chapter_text(response.text)
    assert "HX-Request" in response.headers["vary"]


async def test_the_fully_connected_calculator_counts_the_slides_weights(client):
    text = chapter_text((await client.get("/lesson/fully-connected")).text)
    assert "2,352 weights for one fully connected neuron: 28 x 28 x 3" in text
    assert "27 weights for one 3x3x3 filter" in text
    text = chapter_text((await client.get("/lesson/fully-connected?width=200&height=200")).text)
    assert "120,000 weights" in text
    text = chapter_text(
        (await client.get("/lesson/fully-connected?width=64&height=48&channels=1&kernel=5")).text
    )
    assert "3,072 weights" in text and "25 weights for one 5x5x1 filter" in text
    assert "used at all 2,640 positions" in text  # (64 - 4) x (48 - 4)


async def test_the_convolution_chapter_works_the_slides_two_cells(client, seed):
    text = chapter_text((await client.get("/lesson/convolution")).text)
    assert "(the slides" not in text  # 9 / 9 is exactly 1: nothing cut
    assert "1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 = 9" in text and "9 / 9 = 1" in text
    assert "Here 9 of 9 agree" in text
    text = chapter_text((await client.get("/lesson/convolution?row=3&col=3")).text)
    assert seed["conv_sums"][0][3][3] == 5
    assert "1 + 1 - 1 + 1 + 1 + 1 - 1 + 1 + 1 = 5" in text
    assert "5 / 9 = 0.5556" in text and "the slides cut it to 0.55" in text
    # another feature, and a place off the map is brought back onto it
    text = chapter_text((await client.get("/lesson/convolution?feature=1&row=9&col=9")).text)
    assert "window at row 6, column 6" in text
    total = seed["conv_sums"][1][6][6]
    assert f"= {total} " in text


async def test_relu_pooling_stacking_and_vote_show_the_slides_numbers(client, seed):
    relu = chapter_text((await client.get("/lesson/relu")).text)
    assert "0.77" in relu and "0.33" in relu and "-0.11" in relu
    negatives = int(np.sum(np.array(seed["conv_sums"][0]) < 0))
    assert f"{negatives} of 49 values were negative" in relu
    pooling = chapter_text((await client.get("/lesson/pooling?row=0&col=1")).text)
    window = [v / 9 for row in seed["relu_sums"][0][0:2] for v in row[2:4]]
    assert (
        f"max({', '.join(slides_print(v) for v in window)}) = {slides_print(max(window))}"
        in pooling
    )
    assert "max(0.11, 0.33, 0, 0.33) = 0.33" in pooling
    corner = chapter_text((await client.get("/lesson/pooling?row=3&col=3")).text)
    assert "3 of its cells hang over the edge" in corner and "max(0.77) = 0.77" in corner
    assert "window 16 of 16" in corner
    stacking = chapter_text((await client.get("/lesson/stacking")).text)
    assert "1.00" in stacking and "0.55" in stacking
    vote = chapter_text((await client.get("/lesson/vote")).text)
    assert "= 4.56, and 4.56 / 5 = 0.912 (the slides print 0.91)" in vote
    assert "= 2.07, and 2.07 / 4 = 0.5175 (the slides print 0.51)" in vote
    assert "the vote is X" in vote


async def test_the_x_moved_in_chapter_6_is_worked_out_again_and_keeps_its_verdict(client):
    def read(page: str) -> tuple[list[str], str, list[str]]:
        tree = parse(page)
        verdicts = [p.text for p in tree.find_all("p", class_="verdict")]
        titles = [s.one("h2").text for s in tree.find_all("section", class_="side")]
        hrefs = [a["href"] for a in tree.one("div", id="mover").find_all("a")]
        return verdicts, tree.one("p", id="moved-said").text, [*titles, *hrefs]

    verdicts, said, names = read((await client.get("/lesson/feature-map")).text)
    assert verdicts == ["Vote: X 1, O 0.5556: X"] * 2 and "move the one on the right" in said
    assert names[1] == "The X, not moved yet"
    # one pixel right: every map is worked out again, the vote holds at X 0.9111
    verdicts, said, names = read((await client.get("/lesson/feature-map?dx=1")).text)
    assert verdicts[1] == "Vote: X 0.9111, O 0.5556: X" and names[1] == "The X, 1 right"
    gap = float(re.search(r"pooled maps is ([\d.]+)", said)[1])
    print(f"largest difference between the X's and the shifted X's pooled maps: {gap}")
    assert 0 < gap < 1 and "read as X , with X 0.9111 against O 0.5556" in said
    # the arrows and turns keep the place: right from dx=1 is dx=2, the far edge stays put
    assert "dx=2&dy=0&turn=0" in names[2 + 2]
    edge = read((await client.get("/lesson/feature-map?dx=2&dy=-2&turn=25")).text)[2]
    assert edge[1] == "The X, 2 right and 2 up, turned 25\u00b0"
    assert "dx=2&dy=-2&turn=25" in edge[2] and "dx=2&dy=-2&turn=25" in edge[2 + 2]
    for silly in ("dx=3", "dy=-9", "turn=90", "dx=one"):
        assert (await client.get(f"/lesson/feature-map?{silly}")).status_code == 422


async def test_the_x_or_o_chapter_counts_differing_pixels(client):
    text = chapter_text((await client.get("/lesson/x-or-o")).text)
    assert "The slides' X: 0 of 81 pixels differ" in text
    counts = [int(n) for n in re.findall(r"(\d+) of 81 pixels differ", text)]
    assert counts[0] == 0  # yours, not flipped yet
    assert len(counts) == 5 and all(n > 10 for n in counts[2:])
    assert "Drawn with a pen" in text
    # your X with pixels flipped: the count follows, the network's reading with it; a pixel
    # named twice is flipped back
    page = parse((await client.get("/lesson/x-or-o?flip=4.4,0.0,2.2,0.0")).text)
    said = page.one("figcaption", id="flip-said").text
    assert said.startswith("Your X: 2 of 81 pixels differ; the slides' network reads it as")
    cells = {a["data-at"]: a for a in page.one("table", id="flip-grid").find_all("a")}
    assert len(cells) == 81 and "flip=2.2%2C4.4%2C8.8" in (cells["8.8"]["href"] or "")
    assert "flip=2.2" in (cells["4.4"]["href"] or "") and "4.4" not in (cells["4.4"]["href"] or "")
    assert cells["4.4"]["aria-label"] == "-1 at row 4, column 4: paper, differs"  # was ink
    # the shifted X, one click away, is the same 26 pixels
    shifted = next(a["href"] for a in page.find_all("a") if a.text == "shifted one pixel right")
    loaded = parse((await client.get(shifted or "")).text).one("figcaption", id="flip-said").text
    assert loaded.startswith(f"Your X: {counts[2]} of 81 pixels differ")
    for silly in ("9.1", "a", "1.2.3"):
        assert (await client.get(f"/lesson/x-or-o?flip={silly}")).status_code == 422


async def test_the_features_chapter_finds_each_feature_in_the_x(client):
    text = chapter_text((await client.get("/lesson/features")).text)
    assert (
        "Matches at 4 places: row 1, column 1; row 2, column 2; row 4, column 4; row 5, column 5"
        in text
    )
    assert "Matches at 1 place: row 3, column 3" in text


async def test_chapter_one_splits_an_uploaded_picture(client):
    pixels = np.zeros((16, 16, 3), np.uint8)
    pixels[..., 0] = 255  # all red
    pixels[0, 0] = (0, 0, 255)  # but the first pixel blue
    response = await client.post(
        "/lesson/pictures", files={"image": ("red.png", png(pixels), "image/png")}
    )
    assert response.status_code == 303
    where = response.headers["location"]
    assert re.search(r"/lesson/pictures\?run=[a-z2-7]+$", where)
    page = await client.get(where)
    assert "Row 0, column 0: red 0, green 0, blue 1" in chapter_text(page.text)
    values = parse(page.text).one("div", class_="pixels")["data-pixels"]
    assert values.startswith("[[0.0,0.0,1.0],[1.0,0.0,0.0]")


async def test_chapter_one_refuses_bad_input_in_place(client):
    broken = await client.post(
        "/lesson/pictures", files={"image": ("x.png", b"not a picture", "image/png")}
    )
    assert broken.status_code == 422 and "not a PNG" in broken.text
    in_place = await client.post(
        "/lesson/pictures", files={"image": ("x.png", b"GIF89a", "image/gif")},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert in_place.status_code == 422 and in_place.text.startswith('<div class="error"')
    sent = await client.post(
        "/lesson/pictures", files={"image": ("x.png", X_PNG, "image/png")},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert sent.status_code == 204 and "/lesson/pictures?run=" in sent.headers["hx-location"]
    nothing = await client.post("/lesson/pictures", data={"image": ""})
    assert nothing.status_code == 422 and "choose a picture" in nothing.text
    unknown = await client.get("/lesson/pictures?run=nosuchrun")
    assert unknown.status_code == 404
    # a grey run (the X through the slides' pipeline) is not a colour picture
    grey = (await client.post("/api/run", files={"image": ("x.png", X_PNG)})).json()["id"]
    refused = await client.get(f"/lesson/pictures?run={grey}")
    assert refused.status_code == 422 and "not in colour" in refused.text


def test_each_chapter_carries_its_own_page_and_an_unknown_slug_is_none_of_them():
    assert len({chapter.data for chapter in CHAPTERS}) == len(CHAPTERS)
    assert [chapter_number(c.slug) for c in CHAPTERS] == list(range(1, len(CHAPTERS) + 1))
    for slug in ("no-such-chapter", "", "Learning", "learning/"):
        with pytest.raises(NotFound):
            chapter_number(slug)


async def test_bad_chapter_addresses_get_clear_4xx(client):
    missing = await client.get("/lesson/no-such-chapter")
    assert missing.status_code == 404 and CHAPTERS[-1].title not in missing.text
    too_big = await client.get("/lesson/fully-connected?width=100000")
    assert too_big.status_code == 422 and "width" in too_big.text
    api_style = await client.get(
        "/lesson/convolution?feature=7", headers={"Accept": "application/problem+json"}
    )
    assert api_style.status_code == 422


def test_slides_print_cuts_after_two_decimals():
    assert [slides_print(v) for v in (7 / 9, -5 / 9, 5 / 9, 0.5175, 1.0, 0.912)] == [
        "0.77",
        "-0.55",
        "0.55",
        "0.51",
        "1.00",
        "0.91",
    ]
    assert slides_print(0.0) == "0"  # fmt: skip


async def test_chapter_twelve_reads_a_drawing_in_place(client):
    pixels = np.full((280, 280), 255, np.uint8)
    pixels[40:240, 120:150] = 0  # one straight stroke down: a 1 or an I
    answer = await client.post(
        "/lesson/learning", files={"drawing": ("d.png", png(pixels), "image/png")}
    )
    assert answer.status_code == 200
    page = parse(answer.text)
    verdict = page.one("p", class_="verdict").text
    assert re.fullmatch(r"The network reads (1|I) \.", verdict), verdict
    assert len(page.one("ol", class_="ranked").find_all("li")) == 3
    assert re.search(r"/runs/[a-z2-7]+\?step=\d+", page.one("a")["href"])
    empty = await client.post("/lesson/learning", data={"drawing": ""})
    assert empty.status_code == 422 and "draw a letter or digit" in empty.text


async def test_a_chapter_embeds_in_another_site(client):
    response = await client.get("/embed/lesson/convolution?row=3&col=3")
    assert response.status_code == 200
    assert "frame-ancestors *" in response.headers["content-security-policy"]
    plain = await client.get("/lesson/convolution")
    assert "frame-ancestors 'none'" in plain.headers["content-security-policy"]
    page = parse(response.text)
    assert page.one("header", class_="embed-head").one("a")["href"] == "/lesson/convolution"
    arrows = [a["href"] for a in page.one("nav", class_="arrows").find_all("a")]
    assert arrows and all(href.startswith("/embed/lesson/convolution?") for href in arrows)
    assert "5 / 9 = 0.5556" in chapter_text(response.text)
    fragment = await client.get("/embed/lesson/convolution?row=1", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<section id="chapter"')
    assert "frame-ancestors *" in fragment.headers["content-security-policy"]
    assert not parse((await client.get("/embed/lesson/pictures")).text).find_all("form")
    assert (await client.get("/embed/lesson/nope")).status_code == 404


async def test_chapter_thirteen_shows_filters_forming_and_leads_to_learn(client):
    page = parse((await client.get("/lesson/train-your-own")).text)
    moments = page.find_all("figure", class_="moment")
    captions = [m.one("figcaption").text for m in moments]
    assert [c.split(":")[0] for c in captions] == ["step 0", "step 5", "step 15", "step 40"]
    first, last = (int(c.split(": ")[1].split("%")[0]) for c in (captions[0], captions[-1]))
    assert first < 90 and last == 100  # from a guess to reading every one
    pictures = [m.one("img").attrs["src"] for m in moments]
    assert len(set(pictures)) == 4  # the filters change
    form = page.one("form", class_="lesson-train")
    assert form.attrs["action"] == "/learn"
    started = await client.post("/learn", data={"start": "x-vs-o"},
                                headers={"sec-fetch-site": "same-origin"})  # fmt: skip
    assert started.status_code == 303 and "/learn/" in started.headers["location"]
    twelve = parse((await client.get("/lesson/learning")).text)
    assert any(a.attrs.get("href") == "/lesson/train-your-own" for a in twelve.find_all("a"))
    # chapter 12 offers "Teach it yourself" too: the same X vs O start, and not when locked
    taught = twelve.one("form", class_="lesson-train")
    assert taught.attrs["action"] == "/learn" and taught.one("input", name="start")["value"]
    locked = parse((await client.get("/lesson/learning?lock=1")).text)
    assert not locked.find_all("form", class_="lesson-train")


async def test_the_explorers_learned_presets_link_to_the_learn_page(client):
    page = parse((await client.get("/")).text)
    [link] = [a for a in page.find_all("a") if a.text == "Watch a network learn"]
    assert link.attrs["href"] == "/learn"


async def test_the_number_grids_name_their_rows_and_columns_for_screen_readers(client):
    for slug in ("x-or-o", "convolution", "pooling"):
        page = parse((await client.get(f"/lesson/{slug}")).text)
        grids = [t for t in page.find_all("table") if "lgrid" in (t.get("class") or "")]
        big = [t for t in grids if len(t.find_all("tr")) > 4]
        assert big, slug
        for table in big:
            rows = [tr for tr in table.find_all("tr") if tr.find_all("td")]
            heads = table.one("thead").find_all("th")
            assert [h["scope"] for h in heads] == ["col"] * len(heads)
            body = rows[1:]  # the header row's corner is a td
            assert all(tr.find_all("th")[0]["scope"] == "row" for tr in body), slug
            assert len(heads) == len(body[0].find_all("td"))


async def test_the_vote_chapter_votes_on_the_values_given(client):
    o_like = "0.5556,1,1,0.5556,0.5556,0.5556,0.5556,0.5556,1,0.5556,0.5556,1"
    text = chapter_text((await client.get(f"/lesson/vote?v={o_like}")).text)
    assert "= 4, and 4 / 4 = 1" in text and "the vote is O" in text
    assert "the slides print" not in text  # these are not the slides' values
    # the form's way of sending them (one v per field) is the same vote
    form = "&".join(f"v={v}" for v in o_like.split(","))
    assert chapter_text((await client.get(f"/lesson/vote?{form}")).text) == text
    # the chapter offers the X's and the O's real vectors, from the engine's runs
    links = [a["href"] for a in parse((await client.get("/lesson/vote")).text).find_all("a")]
    assert any(o_like.replace(",", "%2C") in (h or "") for h in links)
    for silly, words in (("1,2", "takes 12 numbers"), (",".join(["x"] * 12), "12 numbers"),
                         (",".join(["1"] * 11 + ["99"]), "from -9 to 9"),
                         (",".join(["nan"] * 12), "from -9 to 9")):  # fmt: skip
        response = await client.get(f"/lesson/vote?v={silly}")
        assert response.status_code == 422 and words in response.text, silly


def edge_strength(html: str) -> str:
    found = re.search(r"Edge strength from (\S+) to (\S+)\.", chapter_text(html))
    assert found, "the chapter says the edge strength's range"
    return found.group(0)


async def test_chapter_seven_finds_the_edges_of_an_uploaded_picture(client):
    pixels = np.full((64, 64), 255, np.uint8)
    pixels[:, :24] = 0  # dark on the left: one upright edge
    picture = png(pixels)
    sent = await client.post("/lesson/edges", files={"image": ("edge.png", picture, "image/png")})
    assert sent.status_code == 303
    run = re.search(r"/lesson/edges\?run=([a-z2-7]+)$", sent.headers["location"]).group(1)
    # the same picture through the Sobel preset in the API is the very same run
    api = await client.post(
        "/api/run", files={"image": ("edge.png", picture)}, data={"preset": "sobel-edges"}
    )
    assert api.json()["id"] == run
    page = await client.get(f"/lesson/edges?run={run}")
    assert page.status_code == 200
    form = parse(page.text).one("form", class_="kernel-edit")
    assert form.one("input", type="hidden")["value"] == run
    assert form.one("input", value="yours").attrs.keys() >= {"checked"}
    images = parse(page.text).one("div", id="edge-maps").find_all("img")
    assert all(f"/runs/{run}/" in img["src"] for img in images)
    own = edge_strength(page.text)
    # Gx turned around: every map is worked out again, the strength (a square root) is not
    flipped = ",".join(str(-w) for w in (-1, 0, 1, -2, 0, 2, -1, 0, 1))
    turned = await client.get(f"/lesson/edges?run={run}&picture=yours&gx={flipped}")
    assert "With your G x:" in chapter_text(turned.text) and edge_strength(turned.text) == own
    maps = parse(turned.text).one("div", id="edge-maps").find_all("img")
    assert all(f"/runs/{run}/" not in img["src"] for img in maps)
    # an example picked keeps the upload one click away
    photo = parse((await client.get(f"/lesson/edges?run={run}&picture=photo")).text)
    assert photo.one("input", value="photo").attrs.keys() >= {"checked"}
    assert photo.one("input", value="yours")


async def test_chapter_seven_refuses_bad_pictures_and_runs_in_place(client):
    broken = await client.post(
        "/lesson/edges", files={"image": ("x.png", b"not a picture", "image/png")},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert broken.status_code == 422 and broken.text.startswith('<div class="error"')
    colour = await client.post("/lesson/pictures", files={"image": ("x.png", X_PNG)})
    other = colour.headers["location"].rsplit("=", 1)[1]
    refused = await client.get(f"/lesson/edges?run={other}")
    assert refused.status_code == 422 and "not made by this chapter" in refused.text
    assert (await client.get("/lesson/edges?run=nosuchrun")).status_code == 404
    assert (await client.get("/lesson/edges?picture=yours")).status_code == 422
    elsewhere = await client.post("/lesson/convolution", files={"image": ("x.png", X_PNG)})
    assert elsewhere.status_code == 404 and "chapters 1 and 7" in elsewhere.text


def test_a_grids_cells_read_as_each_cell_formatted_alone():
    from app.engine.explanations import num
    from app.web.lesson_filters import cells, shade, window_starts

    rng = np.random.default_rng(3)
    values = np.round(rng.uniform(-1.4, 1.4, (5, 7)), 3)
    values[0, 0], values[1, 2], values[2, 3] = np.nan, 0.125, 1.0  # off the edge, halves, whole
    for fmt, write in (("num", num), ("slides", slides_print)):
        expected = [[("·", "nan") if v != v else (write(v), shade(v)) for v in row]
                    for row in values.tolist()]  # fmt: skip
        assert cells(values, fmt) == expected
    assert window_starts(9, 3) == [0, 0, 1, 2, 3, 4, 5, 6, 6]
