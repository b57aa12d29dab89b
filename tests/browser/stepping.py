"""Stepping a run page as a person does: click Next once the page is ready for it.

htmx pushes the new address before it inserts the stage, and powers the new Next link a moment
after; the page then scrolls smoothly to the new stage. A click aimed in that moment can land on
an unpowered link or on a spot the bar is scrolling away from, so each step waits for all three.
"""

import re

from playwright.sync_api import Page, expect

STILL = """() => new Promise(done => {
  let last = window.scrollY, still = 0;
  (function look() {
    requestAnimationFrame(() => {
      still = window.scrollY === last ? still + 1 : 0;
      last = window.scrollY;
      still >= 3 ? done(true) : look();
    });
  })();
})"""


def settle(page: Page) -> None:
    """Wait until the page has stopped scrolling (three frames at the same place)."""
    page.evaluate(STILL)


def click_next(page: Page, to: int, scope: str = "#steps") -> None:
    """Click Next to reach step `to`, then wait for its stage and address."""
    link = page.locator(f"{scope} a[rel=next][data-htmx-powered]")
    expect(link).to_have_attribute("href", re.compile(rf"step={to}\b"))
    settle(page)
    link.click()
    page.wait_for_url(re.compile(rf"step={to}\b"))
    expect(page.locator(f"#stage-{to}")).to_be_attached()
