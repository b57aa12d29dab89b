"""A class on its phones (issue 26): a teacher's board at 1366x900 and three students at 390x844.
They join by link and by code, draw and send; the board counts them within a second; the teacher
removes one, trains, and a student tests the class's network; axe-core finds nothing serious."""

from __future__ import annotations

import math
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import Shots
from .drawing import stroke
from .test_accessibility_browser import SIZES, serious_violations

pytestmark = pytest.mark.slow
LIVE = "() => !!(document.querySelector('#board-live')._htmx || {}).sse"
"""The board's stream is connected (a page opened later takes the focus in headless Chromium)."""


def draw(page: Page, pad: str, label: int, j: float) -> None:
    if label == 0:
        stroke(page, pad, [(0.2 + j, 0.2), (0.8, 0.8 - j)])
        stroke(page, pad, [(0.8 - j, 0.2), (0.2 + j, 0.8)])
    else:
        stroke(page, pad, [(0.5 + (0.3 - j) * math.cos(t * 0.63), 0.5 + 0.3 * math.sin(t * 0.63))
                           for t in range(11)])  # fmt: skip


def page_at(browser: Browser, size: str) -> Page:
    """A new browser of its own (its own cookies: a session) at a size; axe may be injected."""
    width, height = SIZES[size]
    viewport = {"width": width, "height": height}
    return browser.new_context(viewport=viewport, bypass_csp=True).new_page()


def test_a_class_fills_a_board_trains_and_tests_it(server, browser: Browser, shot: Shots):
    teacher = page_at(browser, "laptop")
    errors: list[str] = []
    teacher.on("pageerror", lambda error: errors.append(str(error)))
    teacher.goto(server.url + "/learn")
    teacher.click("button:text-is('Make a class board')")
    teacher.wait_for_url(re.compile(r"/boards/\w+\?token="))
    teacher.wait_for_function(LIVE)
    code = teacher.inner_text(".board-code")
    join = teacher.locator(".board-join a").first.get_attribute("href")
    assert not serious_violations(teacher)
    shot(teacher, "board-empty", full_page=False)

    phones = [page_at(browser, "phone") for _ in range(3)]
    for i, phone in enumerate(phones):
        phone.on("pageerror", lambda error: errors.append(str(error)))
        if i == 0:  # by the code, typed
            phone.goto(server.url + "/learn")
            phone.fill("input[name=code]", code.lower())
            phone.click("button:text-is('Join')")
        else:  # by the link (the QR code's)
            phone.goto(join)
        phone.wait_for_url(re.compile(r"/boards/\w+$"))
        phone.wait_for_selector("form.board-send[data-wired]")
    assert not serious_violations(phones[0])
    for n in range(2):
        for i, phone in enumerate(phones):
            label = (i + n) % 2
            phone.check(f"input[name=label][value='{label}']")
            draw(phone, "#board-pad", label, 0.03 * i)
            phone.click("button:has-text('Send it to the board')")
            expect(phone.locator(".board-sent")).to_contain_text("is on the board")
    shot(phones[0], "student-sent")
    teacher.bring_to_front()
    expect(teacher.locator(".board-count").first).to_have_text("3", timeout=2000)
    expect(teacher.locator(".board-count").nth(1)).to_have_text("3")
    shot(teacher, "board-full")

    teacher.locator("button:text-is('Remove')").first.click()
    expect(teacher.locator(".board-count").first).to_have_text("2")
    teacher.click("button:text-is('Train a network on the drawings shown')")
    expect(teacher.locator("#board-error")).to_contain_text("draw at least 3")
    phones[0].bring_to_front()
    phones[0].check("input[name=label][value='0']")
    draw(phones[0], "#board-pad", 0, 0.05)
    phones[0].click("button:has-text('Send it to the board')")
    expect(phones[0].locator(".board-sent")).to_contain_text("3 X's")
    teacher.bring_to_front()
    teacher.click("button:text-is('Train a network on the drawings shown')")
    teacher.wait_for_url(re.compile(r"/learn/\w+$"))
    teacher.click("button:text-is('Epoch')")
    expect(teacher.locator(".learn-status")).to_contain_text("Step 1")

    student = phones[1]
    student.bring_to_front()
    student.reload()
    student.wait_for_selector("#try[data-wired]")
    draw(student, "#try-pad", 1, 0.0)
    student.click("button:text-is('What does it read?')")
    expect(student.locator(".board-read")).to_have_text(re.compile("^[XO]$"))
    assert not serious_violations(student)
    shot(student, "student-tested")
    for page, size in ((student, "laptop"), (phones[0], "laptop")):  # each page at both sizes
        width, height = SIZES[size]
        page.set_viewport_size({"width": width, "height": height})
        assert not serious_violations(page)
    board = teacher.url
    teacher.set_viewport_size({"width": SIZES["phone"][0], "height": SIZES["phone"][1]})
    teacher.go_back()  # the teacher's board again, now on a phone
    teacher.wait_for_url(re.compile(r"/boards/"))
    assert not serious_violations(teacher), board
    shot(teacher, "board-phone")
    assert not errors, errors
