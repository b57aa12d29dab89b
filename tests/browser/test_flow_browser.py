"""The explorer's flow in Chromium, at a laptop's and a phone's size: a learner never loses their
place (the first screen holds Run, a new stage comes into view, the builder is never ignored)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from app.letters.model import CONV1, CONV2
from app.service.examples import EXAMPLES

from .conftest import Shots
from .stepping import click_next, settle

SIZES = {"laptop": (1366, 900), "phone": (390, 844)}
PHOTO = EXAMPLES["photo"].data
STEP = re.compile(r"\?step=(\d+)")


def opened(browser: Browser, size: str, reduced_motion: bool = False) -> Page:
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height},
        reduced_motion="reduce" if reduced_motion else "no-preference",
    )
    return context.new_page()


def run_example(page: Page, url: str, example: str, preset: str | None = None) -> None:
    """From the home page: pick an example (and a pipeline), Run, and wait for stage 0."""
    page.goto(url + "/")
    page.check(f"input[name=example][value={example}]")
    if preset:
        page.check(f"input[name=preset][value={preset}]")
    page.click("#run")
    page.wait_for_url(STEP)


def in_view(page: Page, selector: str) -> tuple[float, float]:
    """(top, bottom) of the element in the window's coordinates."""
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return box["y"], box["y"] + box["height"]


@pytest.mark.parametrize("size", SIZES)
def test_the_first_screen_holds_the_ways_in_the_pipeline_and_run(
    server, browser, size, shot: Shots
):
    page = opened(browser, size)
    page.goto(server.url + "/")
    height = SIZES[size][1]
    for selector in ("#way-draw legend", "#way-upload legend", "#way-example legend",
                     "fieldset.pipeline legend", "#run"):  # fmt: skip
        top, bottom = in_view(page, selector)
        assert top >= 0 and bottom <= height, (selector, top, bottom)
    expect(page.locator("#build")).not_to_have_attribute("open", "")
    shot(page, f"{size}-first-screen", full_page=False)
    # the skip link is the first thing the keyboard reaches, and it lands on Run
    page.keyboard.press("Tab")
    expect(page.locator("a.skip")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#run")).to_be_focused()
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_run_and_its_errors_stay_on_the_first_screen_in_every_state(server, browser, size,
                                                                    shot: Shots):  # fmt: skip
    page = opened(browser, size)
    page.goto(server.url + "/")
    height = SIZES[size][1]

    def on_screen(selector: str, state: str) -> None:
        top, bottom = in_view(page, selector)
        assert top >= 0 and bottom <= height, (state, selector, top, bottom)

    page.check("input[name=source][value=draw]")  # the pad open (a phone: 1064 px down before)
    on_screen("#run", "draw open")
    page.click("#run")  # nothing drawn: the error, in place and in sight
    expect(page.locator("#start-error")).to_contain_text("empty")
    on_screen("#start-error", "empty pad")
    on_screen("#run", "empty pad")
    shot(page, f"{size}-empty-pad-error", full_page=False)
    page.check("#live")
    box = page.locator("#pad").bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + 40)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 40, box["y"] + box["height"] - 40, steps=8)
    page.mouse.up()
    expect(page.locator("#live-result img").first).to_be_visible()
    expect(page.locator("#start-error")).to_be_empty()  # drawing: the last error was not its
    on_screen("#run", "live on")
    page.set_input_files("#image", files=[{"name": "photo.png", "mimeType": "image/png",
                                           "buffer": PHOTO}])  # fmt: skip
    expect(page.locator("#preview")).to_be_visible()
    on_screen("#run", "a photo chosen")
    shot(page, f"{size}-photo-chosen", full_page=False)
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_next_back_and_the_arrow_keys_bring_the_stage_into_view_and_focus_it(
    server, browser, size, shot: Shots
):
    page = opened(browser, size, reduced_motion=True)
    run_example(page, server.url, "x")
    bar = page.locator("#steps")
    for step in (1, 2, 3):
        click_next(page, step)
        heading = page.locator(f"#stage-{step} h2")
        expect(heading).to_be_focused()
        top, _ = in_view(page, f"#stage-{step} h2")
        _, bar_bottom = in_view(page, "#steps")
        assert bar_bottom <= top < SIZES[size][1] / 2, (step, top, bar_bottom)
    assert page.evaluate("window.scrollY") > 0
    shot(page, f"{size}-after-three-nexts", full_page=False)
    page.click("#steps a[rel=prev]")
    page.wait_for_url(re.compile(r"step=2\b"))
    expect(page.locator("#stage-2 h2")).to_be_focused()
    top, _ = in_view(page, "#stage-2 h2")
    assert 0 <= top < SIZES[size][1] / 2
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"step=3\b"))
    expect(page.locator("#stage-3 h2")).to_be_focused()
    assert bar.is_visible()
    page.context.close()


def test_with_motion_allowed_the_stage_glides_into_view(server, browser):
    page = opened(browser, "laptop")
    run_example(page, server.url, "letter-a")
    click_next(page, 1)
    page.wait_for_function(  # smooth scrolling gets there in its own time
        "() => { const r = document.querySelector('#stage-1 h2').getBoundingClientRect();"
        " return r.top > 0 && r.top < innerHeight / 2; }"
    )
    expect(page.locator("#stage-1 h2")).to_be_focused()
    page.context.close()


def test_any_edit_in_the_builder_picks_build_your_own(server, watched: Page, shot: Shots):
    page = watched
    page.goto(server.url + "/")
    expect(page.locator("input[name=preset][value=seed-xo]")).to_be_checked()
    page.click("#build summary")
    page.select_option("select[name=blocks]", "2")
    expect(page.locator("input[name=preset][value=custom]")).to_be_checked()
    shot(page, "builder-picked", full_page=False)
    page.check("input[name=preset][value=seed-xo]")
    page.fill("#kernel-grid input[name=k] >> nth=0", "1")  # typing in the kernel grid too
    expect(page.locator("input[name=preset][value=custom]")).to_be_checked()
    page.click("#run")
    page.wait_for_url(STEP)
    page.goto(page.url.replace("step=0", "step=99"))
    assert page.locator("li.stage").count() > 1 + 3  # two blocks: conv, ReLU, pool each
    # and choosing Build your own opens the builder
    page.goto(server.url + "/")
    page.check("input[name=preset][value=custom]")
    expect(page.locator("#build")).to_have_attribute("open", "")


def test_an_empty_drawing_is_refused_in_place(server, watched: Page):
    page = watched
    page.goto(server.url + "/")
    page.check("input[name=source][value=draw]")
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    page.click("#run")
    expect(page.locator("#start-error [role=alert]")).to_contain_text("drawing pad is empty")
    assert page.url.rstrip("/") == server.url and not sent


def test_a_shared_link_opens_where_the_sharer_was(server, watched: Page, browser, shot: Shots):
    page = watched
    run_example(page, server.url, "x")
    for step in (1, 2, 3):
        click_next(page, step)
    pick = page.locator('.pick[data-stage="1"][data-map="0"]')
    page.wait_for_function("() => document.activeElement.matches('#stage-3 h2')")
    settle(page)  # let the smooth scroll to stage 3 finish before aiming
    box = pick.bounding_box()
    assert box
    pick.click(position={"x": box["width"] * 2.5 / 7, "y": box["height"] * 4.5 / 7})
    page.wait_for_url(re.compile(r"cell=1\.0\.4\.2"))
    page.click("details.share summary")
    page.click("details.share button[type=submit]")
    link = page.locator("#share-link").input_value()
    assert "step=3" in link and "cell=1.0.4.2" in link
    cold = browser.new_page(viewport={"width": 390, "height": 844})
    cold.goto(link)
    expect(cold.locator("li.stage")).to_have_count(4)
    expect(cold.locator("aside.explain")).to_contain_text("row 4, column 2")
    expect(cold.locator("#steps .where")).to_contain_text("Stage 3")
    # it opens scrolled to the picked cell's stage, its heading focused
    expect(cold.locator("#stage-1 h2")).to_be_focused()
    cold.wait_for_function(
        "() => { const r = document.querySelector('#stage-1 h2')"
        ".getBoundingClientRect(); return r.top > 0 && r.top < innerHeight / 2; }"
    )
    shot(cold, "shared-link-opened-cold", full_page=False)
    cold.close()


def test_a_spec_error_names_the_stage_and_kernel_in_the_pages_words(
    server, page: Page, shot: Shots
):
    # (not `watched`: Chromium logs the 422 answer as a console error)
    page.goto(server.url + "/")
    page.click("#build summary")
    page.check("input[name=own_kernel]")
    page.select_option("select[name=ksize]", "5")
    expect(page.locator("#kernel-grid input[name=k]")).to_have_count(25)
    page.fill("#kernel-grid input[name=k] >> nth=12", "1")
    expect(page.locator("input[name=preset][value=custom]")).to_be_checked()
    page.click("#run")
    alert = page.locator("#start-error [role=alert]")
    expect(alert).to_contain_text(
        "Stage 1 (conv), kernel 4 (my kernel) is 5x5 but kernel 1 (diagonal_down) is 3x3"
    )
    expect(alert).not_to_contain_text("stages[")
    alert.scroll_into_view_if_needed()
    shot(page, "kernel-size-error", full_page=False)


@pytest.mark.parametrize("size", SIZES)
def test_the_texts_fit_each_preset_and_the_verdict_says_why(server, browser, size, shot: Shots):
    page = opened(browser, size, reduced_motion=True)
    expected = {"seed-xo": "ink as high values", "sobel-edges": "light as high values",
                "classic-kernels": "light as high values", "letters": "ink high and paper low"}  # fmt: skip
    for preset, words in expected.items():
        run_example(page, server.url, "x-rotated", preset)
        expect(page.locator("#stage-0 .about")).to_contain_text(words)
        expect(page.locator("main")).not_to_contain_text("Bright")
        if preset == "seed-xo":
            page.click("#steps a.quiet")  # Show all
            page.wait_for_url(re.compile(r"step=6\b"))
            why = page.locator("#prediction p.why")
            expect(why.first).to_contain_text("0.91 and 0.51")
            expect(why.nth(1)).to_contain_text("A close vote between O and X")
            why.nth(1).scroll_into_view_if_needed()
            shot(page, f"{size}-why-the-turned-x-is-an-o", full_page=False)
    page.context.close()


def test_picking_a_cell_keeps_the_maps_in_a_row_and_the_label_follows_the_keys(
    server, browser, shot: Shots
):
    page = opened(browser, "laptop", reduced_motion=True)
    run_example(page, server.url, "x")
    click_next(page, 1)
    tops = [page.locator(f'#stage-1 .pick[data-map="{m}"]').bounding_box()["y"] for m in range(3)]  # type: ignore[index]
    assert len(set(tops)) == 1  # one row before
    pick = page.locator('#stage-1 .pick[data-map="0"]')
    pick.focus()
    for key in ("ArrowRight", "ArrowRight", "ArrowDown"):
        page.keyboard.press(key)
    expect(pick).to_have_attribute("aria-label", re.compile(r"row 1, column 2: Enter explains"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"cell=1\.0\.1\.2"))
    expect(page.locator("#stage-1 aside.explain")).to_contain_text("row 1, column 2")
    tops = [page.locator(f'#stage-1 .pick[data-map="{m}"]').bounding_box()["y"] for m in range(3)]  # type: ignore[index]
    assert len(set(tops)) == 1  # still one row, the explanation beside it
    page.locator("#stage-1").screenshot(path=str(shot.folder / "stage-1-with-a-cell.png"))
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_overview_shows_every_stage_and_each_column_opens_it(
    server, browser, size, shot: Shots
):
    page = opened(browser, size, reduced_motion=True)
    run_example(page, server.url, "letter-a", "letters")
    page.click("#steps a:text('Overview')")
    page.wait_for_url(re.compile(r"/overview$"))
    expect(page.locator("li.column")).to_have_count(10)
    page.wait_for_load_state("networkidle")
    shot(page, f"{size}-overview", full_page=False)
    strip = page.locator(".overview")
    sideways = page.evaluate("(e) => e.scrollWidth > e.clientWidth", strip.element_handle())
    assert sideways == (size == "phone")  # a phone scrolls the columns, not the page
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size][0]
    page.locator("li.column").nth(4).locator("a.column-head").click()
    page.wait_for_url(re.compile(r"step=4\b"))
    expect(page.locator("li.stage")).to_have_count(5)
    expect(page.locator("#stage-4 h2")).to_be_focused()
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_each_kernel_is_big_labelled_and_opens_to_its_numbers(server, browser, size, shot: Shots):
    page = opened(browser, size, reduced_motion=True)
    run_example(page, server.url, "letter-a", "letters")
    page.goto(page.url.replace("step=0", "step=4"))
    tiles = page.locator("#stage-4 details.kernel")
    expect(tiles).to_have_count(CONV2)
    first = tiles.first.locator("summary > svg").bounding_box()
    assert first and first["height"] >= 3 * 6  # at least 6 screen pixels per weight
    expect(tiles.first.locator("summary")).to_contain_text("1. filter 1")
    tiles.first.locator("summary").click()
    tables = tiles.first.locator(".kernel-numbers table")
    expect(tables).to_have_count(CONV1)  # one 3x3 table per input map
    expect(tables.first.locator("caption")).to_contain_text("on filter 1")
    expect(tables.first.locator("tr")).to_have_count(3)
    tiles.first.scroll_into_view_if_needed()
    shot(page, f"{size}-a-kernel-opened", full_page=False)
    page.context.close()


def test_a_built_pipeline_votes_like_the_slides(server, watched: Page, shot: Shots):
    page = watched
    page.goto(server.url + "/")
    page.click("#build summary")
    page.select_option("select[name=size]", "9")
    page.check("input[name=mean]")
    page.select_option("select[name=pool_size]", "4")
    page.select_option("select[name=pool_stride]", "3")
    page.check("input[name=vote]")
    expect(page.locator("input[name=preset][value=custom]")).to_be_checked()
    page.click("#run")
    page.wait_for_url(STEP)
    page.click("#steps a:text('Show all')")
    page.wait_for_url(re.compile(r"step=5\b"))
    expect(page.locator("#prediction-heading output")).to_have_text("X")
    page.locator("#prediction").scroll_into_view_if_needed()
    shot(page, "built-vote", full_page=False)


@pytest.mark.parametrize("size", SIZES)
def test_a_wide_photo_shows_the_bands_added_around_it_and_no_edges_there(
    server, browser, size, shot: Shots, tmp_path
):
    rgb = np.full((150, 200, 3), (40, 110, 60), np.uint8)
    rgb[:, 100:] = (220, 200, 120)  # one real edge, down the middle
    picture = tmp_path / "wide.png"
    Image.fromarray(rgb).save(picture)
    page = opened(browser, size)
    page.goto(server.url + "/")
    page.check("input[name=source][value=upload]")
    page.set_input_files("input[name=image]", str(picture))
    page.check("input[name=preset][value=sobel-edges]")
    page.click("#run")
    page.wait_for_url(STEP)
    note = page.locator("#stage-0 .added-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("above and below")
    svg = page.locator("#stage-0 .pick > svg").bounding_box()
    outline = page.locator("#stage-0 rect.content").bounding_box()
    assert svg and outline
    # the picture spans the map's width and the middle three quarters of its height
    assert abs(outline["width"] - svg["width"]) <= 3  # its dashed line is 2 px wide
    assert abs(outline["height"] / svg["height"] - 0.75) < 0.03
    assert outline["y"] + outline["height"] <= SIZES[size][1]  # on the first screen
    shot(page, f"{size}-wide-photo", full_page=False)
    # the picture's only edge is upright, so Sobel Gy (across rows) is zero everywhere: the bands
    # met the picture without a step (light bars made one); Gx finds the real edge
    rid = page.url.split("/runs/")[1].split("?")[0]
    body = page.request.get(f"{server.url}/api/runs/{rid}?values=true").json()
    conv = body["stages"][1]
    gx, gy = (
        np.array(conv["values"][conv["labels"].index(name)]) for name in ("sobel_gx", "sobel_gy")
    )
    assert np.abs(gy).max() < 1e-5 and np.abs(gx).max() > 0.5


@pytest.mark.parametrize("size", SIZES)
def test_the_colour_scheme_is_a_choice_kept_while_stepping_and_in_the_link(
    server, browser, size, shot: Shots
):
    page = opened(browser, size)
    run_example(page, server.url, "x", "seed-xo")
    click_next(page, 1)
    legend = page.locator("#stage-1 .legend svg.ramp")
    expect(legend).to_be_visible()
    before = page.locator("#stage-1 .legend rect").get_attribute("fill")
    page.get_by_role("link", name="Cividis, for colour blindness").click()
    page.wait_for_url(re.compile(r"colours=cividis"))
    expect(page.locator("#look a[aria-current]")).to_have_text("Cividis, for colour blindness")
    after = page.locator("#stage-1 .legend rect").get_attribute("fill")
    assert before != after and "cbd1" in (after or "")
    expect(page.locator("#stage-1 .kernel-list figcaption")).to_contain_text(
        "yellow weights add, blue ones subtract"
    )
    sheets = page.locator("#stage-1 .pick image").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    assert sheets and all(h.endswith("colours=cividis") for h in sheets)
    # Next and the arrow keys keep the scheme; the share box's link carries it
    click_next(page, 2)
    assert "colours=cividis" in page.url
    expect(page.locator("#stage-2 .legend rect")).to_have_attribute("fill", re.compile("cividis"))
    loaded = page.locator("#stage-2 .pick image").first.evaluate(
        "img => fetch(img.getAttribute('href')).then(r => r.ok)"
    )
    assert loaded
    shot(page, f"{size}-cividis", full_page=False)
    page.locator("details.share summary").click()
    page.locator("details.share button[type=submit]").click()
    link = page.locator("#share-link")
    expect(link).to_have_value(re.compile(r"step=2&colours=cividis$"))
