"""The explorer's controls keep the learner's place (issue 27, items 6 and 10), on a laptop and a
phone: a change of colours at stage 3 comes back to stage 3, Show all lands on the verdict, a
washed-out stage's "own scale" link comes back to that stage, and a file that is not a picture
says so without a broken preview."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from app.service.examples import EXAMPLES

from .conftest import Shots

SIZES = {"laptop": (1366, 900), "phone": (390, 844)}


def in_view(page: Page, selector: str) -> bool:
    """Whether the element's top comes to the top third of the screen below the sticky bar (or as
    near as the page's end allows), waiting out a smooth scroll."""
    page.wait_for_function(
        """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
        const bar = document.getElementById('steps');
        const top = bar ? bar.getBoundingClientRect().bottom : 0;
        const end = scrollY + innerHeight >= document.documentElement.scrollHeight - 2;
        return r.top >= top - 2 && (r.top < top + innerHeight / 3 || end && r.top < innerHeight); }""",
        arg=selector, timeout=3000,
    )  # fmt: skip
    return True


@pytest.mark.parametrize("size", list(SIZES))
def test_controls_keep_the_place(server, browser: Browser, size: str, shot: Shots):
    context = browser.new_context(viewport=dict(zip(("width", "height"), SIZES[size], strict=True)))
    page = context.new_page()
    made = httpx.post(f"{server.url}/api/run", files={"image": ("x.png", EXAMPLES["x"].data)},
                      data={"preset": "seed-xo"}).json()  # fmt: skip
    page.goto(f"{server.url}/runs/{made['id']}?step=3")
    page.click("#look >> text=Cividis")
    expect(page).to_have_url(re.compile(r"step=3.*colours=cividis"))
    page.wait_for_function("() => document.querySelector('#look a[aria-current]')?.textContent"
                           " .includes('Cividis')")  # fmt: skip
    expect(page.locator("#stage-3 h2")).to_be_focused()
    assert in_view(page, "#stage-3"), "colours changed: back at stage 3"
    page.click("#steps >> text=Show all")
    expect(page.locator("#prediction-heading")).to_be_focused()
    assert in_view(page, "#prediction"), "Show all: the verdict in view"
    shot(page, f"show-all-{size}", full_page=False)
    # the letters network's second convolution on one scale: washed out, and a way out
    letters = httpx.post(f"{server.url}/api/run", data={"preset": "letters"},
                         files={"image": ("a.png", EXAMPLES["letter-a"].data)}).json()  # fmt: skip
    conv2 = next(s["index"] for s in letters["stages"] if s["name"] == "conv2")
    page.goto(f"{server.url}/runs/{letters['id']}?step={conv2}")
    note = page.locator(f"#stage-{conv2} .washed")
    expect(note).to_be_visible()
    shot(page, f"washed-out-{size}", full_page=False)
    note.locator("a").click()
    expect(page).to_have_url(re.compile(r"scale=map"))
    expect(page.locator(f"#stage-{conv2} .washed")).to_have_count(0)
    assert in_view(page, f"#stage-{conv2}")
    context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_a_file_that_is_not_a_picture_says_so_without_a_broken_preview(
    server, browser: Browser, size: str, shot: Shots
):
    context = browser.new_context(viewport=dict(zip(("width", "height"), SIZES[size], strict=True)))
    page = context.new_page()
    page.goto(server.url + "/")
    page.set_input_files("#image", files=[{"name": "notes.txt", "mimeType": "text/plain",
                                           "buffer": b"not a picture at all"}])  # fmt: skip
    note = page.locator("#preview-note")
    expect(note).to_have_text(
        "\u201cnotes.txt\u201d is not a picture: choose a PNG, JPEG, GIF or WebP."
    )
    expect(page.locator("#preview")).to_be_hidden()
    shot(page, f"not-a-picture-{size}", full_page=False)
    # a picture after it: the preview shows and the note goes
    page.set_input_files("#image", files=[{"name": "x.png", "mimeType": "image/png",
                                           "buffer": EXAMPLES["x"].data}])  # fmt: skip
    expect(page.locator("#preview")).to_be_visible()
    expect(note).to_be_hidden()
    context.close()


def test_a_tapped_cell_is_explained_in_view_on_a_phone_and_escape_returns(server, browser: Browser,
                                                                         shot: Shots):  # fmt: skip
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    letters = httpx.post(f"{server.url}/api/run", data={"preset": "letters"},
                         files={"image": ("a.png", EXAMPLES["letter-a"].data)}).json()  # fmt: skip
    page.goto(f"{server.url}/runs/{letters['id']}?step=1")
    pick = page.locator('#stage-1 .pick[data-map="0"]')
    pick.scroll_into_view_if_needed()
    box = pick.bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page).to_have_url(re.compile(r"cell=1\.0\.\d+\.\d+"))
    aside = page.locator("aside.explain")
    expect(aside).to_be_visible()
    assert in_view(page, "aside.explain"), "the explanation opens on screen"
    expect(page.locator('#stage-1 .pick[data-map="0"] rect.cell')).to_have_count(1)  # marked
    # the input patch the cell saw is drawn beside its arithmetic, on screen with it
    patch = page.locator("aside.explain figure.patch svg").first.bounding_box()
    assert (
        patch and patch["width"] >= 64 and patch["y"] >= 0 and patch["y"] + patch["height"] <= 844
    )
    shot(page, "explained-on-a-phone", full_page=False)
    page.keyboard.press("Escape")
    expect(aside).to_have_count(0)
    expect(page).not_to_have_url(re.compile(r"cell="))
    expect(pick).to_be_focused()
    context.close()


def test_the_close_link_returns_focus_to_the_cell_on_a_laptop(server, browser: Browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    made = httpx.post(f"{server.url}/api/run", files={"image": ("x.png", EXAMPLES["x"].data)},
                      data={"preset": "seed-xo"}).json()  # fmt: skip
    page.goto(f"{server.url}/runs/{made['id']}?step=1")
    pick = page.locator('#stage-1 .pick[data-map="1"]')
    pick.focus()
    page.keyboard.press("Enter")
    expect(page.locator("aside.explain")).to_be_visible()
    page.locator("aside.explain a.close").click()
    expect(page.locator("aside.explain")).to_have_count(0)
    expect(pick).to_be_focused()
    context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_a_chosen_picture_proposes_the_pipeline_that_fits_it(server, browser: Browser, size: str,
                                                            shot: Shots):  # fmt: skip
    context = browser.new_context(viewport=dict(zip(("width", "height"), SIZES[size], strict=True)))
    page = context.new_page()
    page.goto(server.url + "/")
    proposal = page.locator("#proposal")
    for example, preset, why in (("photo", "sobel-edges", "a photo"),
                                 ("letter-a", "letters", "a written letter or digit"),
                                 ("x", "seed-xo", "the slides' 9\u00d79 X and O")):  # fmt: skip
        page.set_input_files("#image", files=[{"name": f"{example}.png", "mimeType": "image/png",
                                               "buffer": EXAMPLES[example].data}])  # fmt: skip
        expect(proposal).to_contain_text(why)
        expect(page.locator(f"input[name=preset][value={preset}]")).to_be_checked()
        if example == "photo":
            shot(page, f"proposed-for-a-photo-{size}", full_page=False)
    # the learner may pick another, and Run runs what they picked
    page.check("input[name=preset][value=seed-xo]")
    page.set_input_files("#image", files=[{"name": "p.png", "mimeType": "image/png",
                                           "buffer": EXAMPLES["photo"].data}])  # fmt: skip
    expect(page.locator("input[name=preset][value=sobel-edges]")).to_be_checked()
    page.check("input[name=preset][value=seed-xo]")
    page.click("button.run")
    page.wait_for_url(re.compile(r"/runs/"))
    page.click("#steps >> text=Show all")
    expect(page.locator("#prediction .why").first).to_contain_text("only knows X and O")
    context.close()
