"""Drawing on a pad with Playwright's mouse, as a person would."""

from __future__ import annotations

from playwright.sync_api import Page


def stroke(page: Page, pad: str, points: list[tuple[float, float]]) -> None:
    """One stroke on the pad ``pad`` (a selector), points given as fractions of its size."""
    page.locator(pad).scroll_into_view_if_needed()
    box = page.locator(pad).bounding_box()
    assert box
    at = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in points]
    page.mouse.move(*at[0])
    page.mouse.down()
    for x, y in at[1:]:
        page.mouse.move(x, y, steps=4)
    page.mouse.up()
