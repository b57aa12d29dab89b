"""The lesson in Chromium: every chapter walked by Next at both sizes, chapter 5's window moved
by keyboard, tap and drag, chapter 2's calculator, chapter 12's pad."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.service.lesson import CHAPTERS

from .conftest import Shots, past_the_question

SIZES = {"laptop": (1366, 900), "phone": (390, 844)}
SLIDES_NUMBERS = (
    "2,352",
    "120,000",
    "1",
    "0.55",
    "0.77",
    "0.33",
    "1.00",
    "4.56",
    "0.91",
    "2.07",
    "0.51",
)


@pytest.mark.parametrize("size", list(SIZES))
def test_next_walks_every_chapter_in_order(server, watched: Page, size: str, shot: Shots):
    width, height = SIZES[size]
    watched.set_viewport_size({"width": width, "height": height})
    watched.goto(server.url + "/lesson")
    shot(watched, "chapters")
    watched.click("text=Start with chapter 1")
    texts = []
    for number, chapter in enumerate(CHAPTERS, 1):
        expect(watched).to_have_url(re.compile(f"/lesson/{chapter.slug}$"))
        expect(watched.locator(".lesson-nav .progress")).to_have_text(f"{number} / {len(CHAPTERS)}")
        expect(watched.locator("h1")).to_contain_text(chapter.title)
        watched.wait_for_load_state("networkidle")
        shot(watched, f"{number:02d}-{chapter.slug}", full_page=False)
        # the chapter's question (it asks before it tells), else its words, start on the first
        # screen under the title; the words follow on the first screen of a laptop
        first = watched.locator("section.ask, #chapter > p").first.bounding_box()
        assert first and first["y"] < height * 0.5, chapter.slug
        words = watched.locator("#chapter > p").first.bounding_box()
        assert words and (size == "phone" or words["y"] < height * 0.6), chapter.slug
        if number < len(CHAPTERS):
            watched.click("a[rel=next]")
        texts.append(watched.locator("#chapter").inner_text())
    expect(watched.locator("a[rel=next]")).to_have_count(0)
    watched.click("a[rel=prev]")
    expect(watched).to_have_url(re.compile("/lesson/learning$"))
    watched.goto(server.url + "/lesson/fully-connected?width=200&height=200")
    texts.append(watched.locator("#chapter").inner_text())
    watched.goto(server.url + "/lesson/convolution?row=3&col=3")
    texts.append(watched.locator("#chapter").inner_text())
    shown = "\n".join(texts)
    for number in SLIDES_NUMBERS:  # every number the slides print, on the pages as computed
        assert re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", shown), number


def divide_step(page: Page) -> str:
    return page.locator(".four-steps li").nth(3).inner_text()


@pytest.mark.parametrize("size", list(SIZES))
def test_the_convolution_window_moves_by_keyboard_tap_and_drag(
    server, watched: Page, size: str, shot: Shots
):
    watched.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    watched.goto(server.url + "/lesson/convolution")
    past_the_question(watched)
    assert "9 / 9 = 1" in divide_step(watched)
    watched.locator("#walk").focus()
    for key in ("ArrowRight", "ArrowRight", "ArrowDown", "ArrowDown"):
        before = (
            watched.locator("#walk").get_attribute("data-col"),
            watched.locator("#walk").get_attribute("data-row"),
        )
        watched.keyboard.press(key)
        expect(watched.locator("#walk")).not_to_have_attribute(
            "data-col" if key == "ArrowRight" else "data-row",
            before[0] if key == "ArrowRight" else before[1],
        )
        expect(watched.locator("#walk")).to_be_focused()
    expect(watched).to_have_url(re.compile(r"row=3&col=3|col=3.*row=3"))
    text = divide_step(watched)
    assert "5 / 9 = 0.5556" in text and "0.55" in text
    assert "1 + 1 - 1 + 1 + 1 + 1 - 1 + 1 + 1 = 5" in watched.locator(".four-steps").inner_text()
    shot(watched, f"window-by-keys-{size}", full_page=False)
    # a tap on the X centres the window on that pixel (row 6, column 7 -> window at 5, 6)
    watched.locator(".walk table.drag tbody tr").nth(6).locator("td").nth(7).click()
    expect(watched.locator("#walk")).to_have_attribute("data-row", "5")
    expect(watched.locator("#walk")).to_have_attribute("data-col", "6")
    # a drag from the top-left corner along the first row takes the window with it
    cells = watched.locator(".walk table.drag tbody tr").nth(1).locator("td")
    start, end = cells.nth(1).bounding_box(), cells.nth(4).bounding_box()
    watched.mouse.move(start["x"] + 5, start["y"] + 5)
    watched.mouse.down()
    for step in range(1, 9):
        x, y = start["x"] + 5 + (end["x"] - start["x"]) * step / 8, start["y"] + 5
        watched.mouse.move(x, y)
        # the window follows to the cell under the pointer before the pointer moves on
        under = watched.evaluate(
            "([x, y]) => document.elementFromPoint(x, y).closest('td').dataset.col", [x, y]
        )
        expect(watched.locator("#walk")).to_have_attribute("data-col", under)
    watched.mouse.up()
    expect(watched.locator("#walk")).to_have_attribute("data-row", "0")
    expect(watched.locator("#walk")).to_have_attribute("data-col", "3")
    # the page at that address, opened cold, is the same place
    watched.goto(watched.url)
    expect(watched.locator("#walk")).to_have_attribute("data-col", "3")


@pytest.mark.parametrize("size", list(SIZES))
def test_the_pooling_window_moves_by_keyboard(server, watched: Page, size: str):
    watched.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    watched.goto(server.url + "/lesson/pooling")
    past_the_question(watched)
    watched.locator("#walk").focus()
    for col in (1, 2, 3, 3, 3):  # past the edge: it stops at the last window
        watched.keyboard.press("ArrowRight")
        expect(watched.locator("#walk")).to_have_attribute("data-col", str(col))
        expect(watched.locator("#walk")).to_be_focused()
    assert "window 4 of 16" in watched.locator(".four-steps").inner_text()


@pytest.mark.parametrize("size", list(SIZES))
def test_the_calculator_counts_as_the_sizes_change(server, watched: Page, size: str):
    watched.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    watched.goto(server.url + "/lesson/fully-connected")
    expect(watched.locator(".count.dense .big")).to_have_text("2,352")
    watched.fill("input[name=width]", "200")
    watched.fill("input[name=height]", "200")
    watched.locator("input[name=height]").dispatch_event("change")
    expect(watched.locator(".count.dense .big")).to_have_text("120,000")
    expect(watched.locator(".count.conv .big")).to_have_text("27")
    expect(watched).to_have_url(re.compile("width=200"))


@pytest.mark.parametrize("size", list(SIZES))
def test_chapter_twelve_reads_a_drawn_letter(server, watched: Page, size: str, shot: Shots):
    watched.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    watched.goto(server.url + "/lesson/learning")
    past_the_question(watched)
    watched.click("form.draw-lesson button[type=submit]")  # nothing drawn yet: said in place
    expect(watched.locator(".form-error")).to_contain_text("The drawing pad is empty")
    watched.locator("#lesson-pad").scroll_into_view_if_needed()
    pad = watched.locator("#lesson-pad").bounding_box()
    x, top = pad["x"] + pad["width"] * 0.3, pad["y"] + pad["height"] * 0.15
    watched.mouse.move(x, top)  # an L: down, then right
    watched.mouse.down()
    for i in range(1, 11):
        watched.mouse.move(x, top + pad["height"] * 0.7 * i / 10)
    for i in range(1, 11):
        watched.mouse.move(x + pad["width"] * 0.4 * i / 10, top + pad["height"] * 0.7)
    watched.mouse.up()
    watched.click("form.draw-lesson button[type=submit]")
    expect(watched.locator("#guess .verdict")).to_have_text("The network reads L.")
    shot(watched, f"the-drawn-letter-{size}", full_page=False)
    watched.click("#guess a")
    expect(watched).to_have_url(re.compile(r"/runs/[a-z2-7]+\?step=\d+"))
    expect(watched.locator(".prediction")).to_contain_text("L")


def test_an_embedded_chapter_works_inside_another_page(server, watched: Page, shot: Shots):
    watched.goto(server.url + "/lesson")  # a page on an http origin (frame-ancestors * needs one)
    watched.set_content(
        f'<h1>A post</h1><iframe src="{server.url}/embed/lesson/pooling" width="800" height="700"></iframe>'
    )
    frame = watched.frame_locator("iframe")
    expect(frame.locator("#walk")).to_have_attribute("data-col", "0")
    frame.locator(".ask details.reveal summary").click()  # the chapter opens once answered
    frame.locator("#walk").focus()
    frame.locator("#walk").press("ArrowRight")
    expect(frame.locator("#walk")).to_have_attribute("data-col", "1")
    assert "window 2 of 16" in frame.locator(".four-steps").inner_text()
    shot(watched, "embedded-chapter")


def test_chapter_twelve_reads_an_uploaded_letter_without_a_pointer(server, watched: Page):
    watched.goto(server.url + "/lesson/learning")
    past_the_question(watched)
    examples = Path(__file__).resolve().parents[2] / "static" / "examples"
    watched.set_input_files("form.draw-lesson input[type=file]", str(examples / "letter-a.png"))
    watched.locator("form.draw-lesson button[type=submit]").focus()
    watched.keyboard.press("Enter")
    expect(watched.locator("#guess .verdict")).to_have_text("The network reads A.")
