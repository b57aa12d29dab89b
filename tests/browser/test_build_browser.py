"""Build your own, in place (issue 27, item 4), at a laptop's and a phone's size: each edit re-runs
the chosen picture through the pipeline being built and shows the stages it changed and the
verdict beside the editor (above it, sticky, on a phone); "Start from the slides" loads the
slides' pipeline; what does not fit is said in place; Run stays in view."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import Shots

SIZES = {"laptop": (1366, 900), "phone": (390, 844)}


def box(page: Page, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return found


def on_screen(page: Page, selector: str, height: int) -> bool:
    b = box(page, selector)
    return b["y"] >= 0 and b["y"] + b["height"] <= height


@pytest.mark.parametrize("size", SIZES)
def test_the_builder_reruns_in_place_and_starts_from_the_slides(
    server, browser: Browser, size: str, shot: Shots
):
    width, height = SIZES[size]
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    previews: list[str] = []
    page.on("request", lambda r: previews.append(r.url) if "live=build" in r.url else None)
    page.goto(server.url + "/")
    page.click("#build summary")
    said = page.locator("#build-said")
    expect(page.locator("#build-result .build-view")).to_be_visible()  # opening runs it once

    page.click("#from-slides")
    expect(said).to_contain_text("Changed: 0. input")  # 28x28 became 9x9
    expect(page.locator(".build-verdict strong")).to_have_text("X")
    expect(page.locator(".build-verdict")).to_contain_text("X 1, O 0.5556")
    expect(page.locator("input[name=preset][value=custom]")).to_be_checked()
    assert page.locator("select[name=size]").input_value() == "9"
    assert page.locator("input[name=pool_again]").is_checked()

    # editing the pooling: the field, the verdict and Run are on screen together
    page.locator("select[name=pool_size]").scroll_into_view_if_needed()
    for selector in ("select[name=pool_size]", ".build-verdict", "#run"):
        assert on_screen(page, selector, height), selector
    if size == "laptop":  # beside the editor
        assert (
            box(page, ".build-result")["x"]
            >= box(page, "#tweaks")["x"] + box(page, "#tweaks")["width"]
        )
    shot(page, f"builder-slides-{size}", full_page=False)

    # an edit marks the stages it changed: from the activation on, not the input or conv1
    page.select_option("select[name=activation]", "tanh")
    expect(said).to_contain_text("Changed: 2. tanh1")
    changed = page.locator(".build-stage.changed")
    assert changed.first.get_attribute("data-stage") == "2"
    assert "conv1" not in said.inner_text() and "input" not in said.inner_text()
    page.select_option("select[name=activation]", "relu")
    expect(page.locator(".build-verdict")).to_contain_text("X 1, O 0.5556")

    # what does not fit is said in place, beside the field that did it
    page.select_option("select[name=pool_size]", "3")
    alert = page.locator("#build-result [role=alert]")
    expect(alert).to_contain_text("3 maps of 1x1 = 3")
    expect(alert).to_contain_text("Start from the slides")
    assert on_screen(page, "#build-result [role=alert]", height)
    shot(page, f"builder-does-not-fit-{size}", full_page=False)
    page.click("#from-slides")
    expect(page.locator(".build-verdict strong")).to_have_text("X")

    # typing a kernel quickly sends one preview when the typing stops, not one a keystroke
    page.uncheck("input[name=vote]")  # four kernels make 16 values: no vote for them
    page.check("input[name=own_kernel]")
    expect(said).to_contain_text("Changed: 1. conv1")
    expect(said).to_contain_text("No verdict yet")
    before = len(previews)
    with page.expect_response(lambda r: "live=build" in r.url):
        page.locator("#kernel-grid input[name=k]").first.press_sequentially("0.125", delay=30)
    expect(said).not_to_contain_text("No stage changed")
    assert len(previews) - before == 1, previews[before:]
    page.context.close()
