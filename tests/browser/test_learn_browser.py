"""Watch it learn in Chromium, on a laptop and on a phone: draw 3 X's and 3 O's, train and see the
curves and filters move, pause, step, rewind to step 0 and back, open a step in the explorer and
click a cell, and open the shared link cold at the same step; axe-core finds nothing serious."""

from __future__ import annotations

import math
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import Shots
from .drawing import stroke
from .test_accessibility_browser import SIZES, serious_violations

pytestmark = pytest.mark.slow
STEP = re.compile(r"[Ss]tep (\d+)")


def draw_set(page: Page) -> None:
    for i in range(3):
        j = 0.04 * i
        stroke(page, "#learn-pad", [(0.2 + j, 0.2), (0.8, 0.8 - j)])
        stroke(page, "#learn-pad", [(0.8 - j, 0.2), (0.2 + j, 0.8)])
        page.select_option("#add-to", "0")
        page.click("#add")
        circle = [(0.5 + (0.3 - j) * math.cos(t * 0.63), 0.5 + 0.3 * math.sin(t * 0.63))
                  for t in range(11)]  # fmt: skip
        stroke(page, "#learn-pad", circle)
        page.select_option("#add-to", "1")
        page.click("#add")


def step_shown(page: Page) -> int:
    match = STEP.search(page.locator(".learn-status").inner_text())
    assert match
    return int(match.group(1))


def filters(page: Page) -> str | None:
    return page.locator(".learn-live .pair img").nth(1).get_attribute("src")


@pytest.mark.parametrize("size", list(SIZES))
def test_a_learner_trains_watches_rewinds_and_shares(
    server, browser: Browser, size: str, shot: Shots
):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + "/learn")
    draw_set(page)
    expect(page.locator(".teach-class .thumbs li")).to_have_count(6)
    page.locator(".teach-class").nth(1).locator("button.delete").first.click()  # delete one...
    expect(page.locator(".teach-class .thumbs li")).to_have_count(5)
    circle = [(0.5 + 0.25 * math.cos(t * 0.63), 0.5 + 0.3 * math.sin(t * 0.63)) for t in range(11)]
    stroke(page, "#learn-pad", circle)  # ...and draw it again
    page.click("#add")
    shot(page, f"set-{size}")
    page.click("text=Start training")
    page.wait_for_url(re.compile(r"/learn/\w+$"))
    expect(page.locator("h1")).to_have_text("Teach a network: X vs O")
    start = filters(page)
    assert not serious_violations(page)

    page.select_option("select[name=speed]", "10")
    page.click("button:text-is('Train')")
    expect(page.locator(".learn-status")).to_contain_text("Training", timeout=5000)
    page.wait_for_function(
        "() => /step <strong>([2-9]\\d|\\d{3})/i.test(document.querySelector('.learn-status').innerHTML)"
    )  # step 20 or more, pushed by the stream
    assert filters(page) != start
    assert len(page.locator("polyline.loss").get_attribute("points").split()) >= 20
    shot(page, f"training-{size}", full_page=False)
    page.click("button:text-is('Pause')")
    expect(page.locator(".learn-status")).to_contain_text("paused")
    paused = step_shown(page)
    page.click("button:text-is('Step')")
    expect(page.locator(".learn-status")).to_contain_text(f"Step {paused + 1}, paused")
    now = filters(page)

    page.locator("#rewind-step").fill("0")
    expect(page.locator(".learn-status")).to_contain_text("Showing step 0 of")
    assert filters(page) == start and "step=0" in page.url
    shot(page, f"rewound-{size}", full_page=False)
    page.click("text=live")
    expect(page.locator(".learn-status")).to_contain_text(f"Step {paused + 1}, paused")
    assert filters(page) == now

    page.click("button:text-is('Keep it and share the step shown')")
    shared = page.locator("#share-links dd a").first
    expect(shared).to_have_attribute("href", re.compile(f"step={paused + 1}$"))
    locked_link = page.locator("#share-links dd a").nth(1).get_attribute("href")

    board_url = page.url
    page.click(f"text=step {paused + 1} in slow motion")
    expect(page.locator("h1")).to_have_text(f"Step {paused + 1} in slow motion")
    weight = page.locator(".weight-picker a").nth(7)  # filter 1, row 2, column 3, by keyboard
    weight.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#conv-title")).to_contain_text("filter 1, row 2, column 3")
    shot(page, f"slow-motion-{size}", full_page=False)
    assert not serious_violations(page)
    page.goto(board_url)
    expect(page.locator(".learn-status")).to_contain_text(f"Step {paused + 1}")

    link = page.locator("a", has_text=f"Link to step {paused + 1}").get_attribute("href")
    page.click(f"text=Open step {paused + 1} in the explorer")
    page.wait_for_url(re.compile(r"/runs/\w+"))
    page.goto(page.url.split("?")[0] + "?step=1")  # the snapshot's first convolution
    pick = page.locator('.pick[data-stage="1"][data-map="0"]')
    box = pick.bounding_box()
    assert box
    pick.click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    expect(page.locator(".explain")).to_be_visible()

    cold = browser.new_context(viewport={"width": width, "height": height}).new_page()
    cold.goto(server.url + link)
    expect(cold.locator(".learn-status")).to_contain_text(f"Step {paused + 1}")
    assert filters(cold) == now
    assert locked_link
    cold.goto(locked_link)  # a class's copy: it rewinds, but no button trains it
    expect(cold.locator(".learn-status")).to_contain_text(f"Step {paused + 1}")
    expect(cold.locator("button:text-is('Train')")).to_have_count(0)
    cold.context.close()
    assert not errors, errors
    context.close()
