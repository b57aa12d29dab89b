"""Side by side in Chromium: 'compare with...' from a run, Next through the stages, and on a
phone the two columns stacked."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import Shots

SIZES = {"laptop": (1366, 900), "phone": (390, 844)}


@pytest.mark.parametrize("size", list(SIZES))
def test_compare_with_an_example_and_step_through(server, watched: Page, size: str, shot: Shots):
    width, height = SIZES[size]
    watched.set_viewport_size({"width": width, "height": height})
    watched.goto(server.url + "/")
    watched.click("text=The slides' X")
    watched.click("button.run")
    expect(watched).to_have_url(re.compile(r"/runs/[a-z2-7]+"))
    watched.click("text=Compare with another picture")
    watched.check("input[name=example][value=x-shifted]")
    shot(watched, "compare-with", full_page=False)
    watched.click("details.compare-with button[type=submit]")
    expect(watched).to_have_url(re.compile(r"/compare\?a=[a-z2-7]+&b=[a-z2-7]+$"))
    for step in range(1, 7):
        watched.click("a[rel=next]")
        expect(watched.locator(".steps-bar .where")).to_contain_text(f"Stage {step} of 6")
    expect(watched.locator(".verdict")).to_contain_text("the same answer")
    shot(watched, "compared", full_page=False)
    a, b = (f.bounding_box() for f in watched.locator("#cstage-4 figure.side").all())
    if size == "phone":
        assert b["y"] >= a["y"] + a["height"] - 1  # stacked
    else:
        assert abs(a["y"] - b["y"]) < 2 and b["x"] > a["x"] + a["width"] - 1  # side by side


def test_compare_with_a_drawing(server, watched: Page, shot: Shots):
    watched.set_viewport_size({"width": 1366, "height": 900})
    watched.goto(server.url + "/")
    watched.click("text=The slides' X")
    watched.click("button.run")
    expect(watched).to_have_url(re.compile(r"/runs/[a-z2-7]+"))
    watched.click("text=Compare with another picture")
    pad = watched.locator("details.compare-with canvas")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    for (x0, y0), (x1, y1) in (((0.2, 0.2), (0.8, 0.8)), ((0.8, 0.2), (0.2, 0.8))):  # an X
        watched.mouse.move(box["x"] + box["width"] * x0, box["y"] + box["height"] * y0)
        watched.mouse.down()
        for i in range(1, 11):
            t = i / 10
            watched.mouse.move(
                box["x"] + box["width"] * (x0 + (x1 - x0) * t),
                box["y"] + box["height"] * (y0 + (y1 - y0) * t),
            )
        watched.mouse.up()
    shot(watched, "drawn-to-compare", full_page=False)
    watched.click("details.compare-with button[type=submit]")
    expect(watched).to_have_url(re.compile(r"/compare\?a=[a-z2-7]+&b=[a-z2-7]+$"))
    watched.click("text=Show all")
    expect(watched.locator(".verdict")).to_contain_text("B: X")
