"""Presenter mode in Chromium: a clicker's keys step a run and the lesson, and only the current
stage is on the screen."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from ..helpers import X_PNG
from .conftest import Shots


def test_clicker_keys_step_a_run_showing_only_the_current_stage(server, watched: Page, shot: Shots):
    rid = httpx.post(f"{server.url}/api/run", files={"image": ("x.png", X_PNG)}).json()["id"]
    watched.set_viewport_size({"width": 1366, "height": 900})
    watched.goto(f"{server.url}/runs/{rid}?present=1&lock=1")
    where = watched.locator("#steps .where")
    for key, step in (("PageDown", 1), ("PageDown", 2), (" ", 3), ("ArrowRight", 4), ("PageUp", 3)):
        watched.keyboard.press(key)
        expect(where).to_contain_text(f"Stage {step} of")
        expect(watched).to_have_url(re.compile(rf"present=1&lock=1&step={step}$"))
    visible = [s for s in watched.locator("#stages > .stage").all() if s.is_visible()]
    assert len(visible) == 1 and visible[0].get_attribute("id") == "stage-3"
    assert watched.locator("header.site").count() == 0
    shot(watched, "run-presented", full_page=False)
    # a fresh load (a student opening the teacher's link) is the same place and mode
    watched.reload()
    expect(where).to_contain_text("Stage 3 of")
    expect(watched.locator("details.share")).to_have_count(0)


def test_clicker_keys_walk_the_lesson(server, watched: Page, shot: Shots):
    watched.set_viewport_size({"width": 1366, "height": 900})
    watched.goto(f"{server.url}/lesson/relu?present=1")
    watched.keyboard.press("PageDown")
    expect(watched).to_have_url(re.compile(r"/lesson/pooling\?present=1$"))
    shot(watched, "chapter-presented", full_page=False)
    watched.keyboard.press("PageUp")
    expect(watched).to_have_url(re.compile(r"/lesson/relu\?present=1$"))
    # inside the pooling window the arrows move the window, not the chapter
    watched.goto(f"{server.url}/lesson/pooling?present=1")
    watched.keyboard.press("a")  # the class has guessed: the teacher shows the answer
    watched.locator("#walk").focus()
    watched.keyboard.press("ArrowRight")
    expect(watched.locator("#walk")).to_have_attribute("data-col", "1")
    expect(watched).to_have_url(re.compile(r"/lesson/pooling\?"))
