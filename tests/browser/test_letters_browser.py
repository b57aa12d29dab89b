"""The learned letters network in Chromium: scripted pen strokes on the pad, read the guess."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest
from playwright.sync_api import Page, expect

from app.letters.strokes import GLYPHS

from .conftest import Shots

# character, first glyph variant drawn, (x offset, y offset) in pad pixels, slant (x per y)
DRAWINGS = [
    ("A", 0, (-30, 10), 0.0),
    ("C", 0, (40, -20), 0.1),
    ("E", 0, (20, 30), -0.15),
    ("H", 0, (-40, -30), 0.12),
    ("K", 0, (0, 35), 0.0),
    ("L", 0, (35, 0), -0.1),
    ("T", 0, (-25, -25), 0.15),
    ("X", 0, (30, 30), 0.0),
    ("2", 0, (-35, 20), 0.1),
    ("4", 0, (25, -35), -0.12),
    ("7", 0, (-20, 0), 0.18),
    ("8", 0, (10, -10), 0.0),
    ("1", 0, (15, 5), 0.05),  # with a flag
    ("9", 1, (-15, 10), 0.1),  # a straight stem
    ("7", 1, (20, -15), 0.0),  # crossed
]
STEP = re.compile(r"/runs/[a-z2-7]{32}\?step=")


def draw_char(page: Page, char: str, variant: int, offset: tuple[int, int], slant: float) -> None:
    """Draw the character's strokes with the mouse, 160 px tall, shifted and slanted."""
    box = page.locator("#pad").bounding_box()
    assert box
    scale = box["width"] / 280
    for stroke in GLYPHS[char][variant]:
        points = [
            (
                140 + offset[0] + (x - 0.5) * 120 - slant * (y - 0.5) * 160,
                140 + offset[1] + (y - 0.5) * 160,
            )
            for x, y in stroke
        ]
        page.mouse.move(box["x"] + points[0][0] * scale, box["y"] + points[0][1] * scale)
        page.mouse.down()
        for (x0, y0), (x1, y1) in pairwise(points):
            for i in range(1, 4):
                t = i / 3
                page.mouse.move(
                    box["x"] + (x0 + (x1 - x0) * t) * scale, box["y"] + (y0 + (y1 - y0) * t) * scale
                )
        page.mouse.up()


@pytest.mark.slow
def test_ten_and_more_drawn_characters_come_out_top_1(server, watched: Page, shot: Shots):
    page = watched
    wrong = []
    for char, variant, offset, slant in DRAWINGS:
        page.goto(server.url + "/")
        draw_char(page, char, variant, offset, slant)
        expect(page.locator("input[name=preset][value=letters]")).to_be_checked()
        page.click("button.run")
        page.wait_for_url(STEP)
        page.click("#steps >> text=Show all")
        guess = page.locator("#prediction output")
        expect(guess).to_be_visible()
        page.locator("#prediction").scroll_into_view_if_needed()
        shot(page, f"drawn-{char}", full_page=False)
        if guess.inner_text() != char:
            wrong.append((char, guess.inner_text()))
    assert not wrong, wrong


def test_what_are_you_drawing_reads_a_ring_as_a_digit(server, watched: Page, shot: Shots):
    page = watched
    page.goto(server.url + "/")
    page.select_option("#reading", "digits")
    draw_char(page, "O", 0, (0, 0), 0.0)
    expect(page.locator("input[name=preset][value=digits]")).to_be_checked()
    page.click("button.run")
    page.wait_for_url(STEP)
    page.click("#steps >> text=Show all")
    expect(page.locator("#prediction output")).to_have_text("0")
    labels = page.locator("#prediction .scores button.label").all_inner_texts()
    assert labels and all(label.isdigit() for label in labels)
    shot(page, "read-as-digits", full_page=False)


def test_live_mode_guesses_under_the_pen(server, watched: Page, shot: Shots):
    page = watched
    page.goto(server.url + "/")
    page.check("#live")
    draw_char(page, "T", 0, (10, 10), 0.05)
    expect(page.locator("#live-result .live-guess output")).to_have_text("T")
    expect(page.locator("#live-result img")).not_to_have_count(0)
    shot(page, "live")
    page.click("#clear")
    expect(page.locator("#live-result")).to_be_empty()
    # the live view is kept nowhere; its button runs the drawing for real, to step through
    draw_char(page, "T", 0, (10, 10), 0.05)
    page.click("#live-result >> text=Step through this drawing")
    page.wait_for_url(STEP)
    expect(page.locator("li.stage")).not_to_have_count(0)


def test_a_big_stage_fetches_its_numbers_when_opened(server, watched: Page):
    page = watched
    page.goto(server.url + "/")
    page.check("input[name=example][value=letter-a]")
    page.click("button.run")
    page.wait_for_url(STEP)
    page.goto(page.url.replace("step=0", "step=4"))
    expect(page.locator("li.stage")).to_have_count(5)
    lazy = page.locator("#stage-4 details.numbers[hx-get]").first
    expect(lazy.locator("table")).to_have_count(0)
    lazy.locator("summary").click()
    expect(lazy.locator("table tr")).to_have_count(11)
