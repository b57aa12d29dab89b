"""Every page passes axe-core (no serious or critical violation) on a laptop and on a phone, and
the pages this issue touched are screenshotted at both sizes for a person to look at."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page

from app.service.lesson import CHAPTERS

from ..helpers import X_PNG
from .conftest import Shots

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
SIZES = {"laptop": (1366, 900), "phone": (390, 844)}


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, one line each."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:12]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture(scope="module")
def pages(server) -> dict[str, str]:
    """One of each page, by name: the paths to open."""
    run = httpx.post(f"{server.url}/api/run", files={"image": ("x.png", X_PNG)}).json()
    rid = run["id"]
    made = httpx.post(f"{server.url}/runs/{rid}/compare", data={"example": "x-shifted"})
    compared = made.headers["location"].removeprefix(server.url)
    demo = httpx.post(f"{server.url}/api/demos", json={"run_id": rid, "title": "An X"}).json()
    did = demo["id"]
    doomed = httpx.post(f"{server.url}/api/demos", json={"run_id": rid, "title": "Doomed"}).json()
    last = len(run["stages"]) - 1
    taught = httpx.post(f"{server.url}/learn", data={"start": "x-vs-o"})
    training = taught.headers["location"].removeprefix(server.url)
    httpx.post(f"{server.url}{training}/epoch")
    features = httpx.post(f"{server.url}/learn", data={"start": "x-vs-o", "way": "features"})
    learned = features.headers["location"].removeprefix(server.url)
    httpx.post(f"{server.url}{learned}/epoch")
    return {
        "home": "/",
        "run-start": f"/runs/{rid}?step=0",
        "run-conv-cell": f"/runs/{rid}?step=1&cell=1.0.3.3",
        "run-pool-cell-per-map": f"/runs/{rid}?step=3&cell=3.1.0.1&scale=map",
        "run-vote": f"/runs/{rid}?step={last}&cell={last}.0.0.0",
        "demo": f"/d/{did}?step=2",
        "overview": f"/runs/{rid}/overview",
        "demo-overview": f"/d/{did}/overview",
        "demo-delete": doomed["delete_page"].removeprefix(server.url),
        "embed": f"/embed/{did}?step=1",
        "gallery": "/gallery",
        "docs": "/docs",
        "not-found": "/runs/nothere",
        "compare": compared,
        "compare-all": compared + f"&step={last}",
        "run-presented": f"/runs/{rid}?step=2&present=1&lock=1",
        "chapter-presented": "/lesson/convolution?present=1&lock=1",
        "lesson": "/lesson",
        "lesson-embed": "/embed/lesson/pooling",
        "learn": "/learn",
        "training-rewound": f"{training}?step=0",  # the live page streams: never network-idle
        "training-slow-motion": f"{training}/steps/1",
        "training-locked": f"{training}?step=0&lock=1",  # rewound: not streaming
        "training-embedded": f"/embed{training}?step=0",
        "training-on-learned-features": f"{learned}?step=0",
        **{f"lesson-{c.slug}": f"/lesson/{c.slug}" for c in CHAPTERS},
    }


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.slow
def test_every_page_passes_axe_at_both_sizes(
    server, browser: Browser, pages: dict[str, str], size: str, shot: Shots
):
    width, height = SIZES[size]
    # bypass_csp lets the test inject axe; the pages themselves allow no inline script
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    problems = {}

    def check(name: str) -> None:
        """The page as it is now, screenshotted and run through axe."""
        shot(page, f"{name}-{size}", full_page=False)
        found = serious_violations(page)
        if found:
            problems[name] = found

    for name, path in pages.items():
        page.goto(server.url + path)
        page.wait_for_load_state("networkidle")
        if name == "docs":
            page.wait_for_selector(".swagger-ui .opblock")
        check(name)
    # the share box, saved without scripts' help (a real form post), and its answer page
    page.goto(server.url + pages["run-start"])
    page.click("details.share summary")
    page.fill("details.share input[name=title]", "Saved")
    page.click("details.share button[type=submit]")
    page.wait_for_selector("#share-link")
    check("share-box")
    # the builder open, its preview beside it after "Start from the slides"
    page.goto(server.url + "/")
    page.click("#build summary")
    page.click("#from-slides")
    page.wait_for_selector("#build-result .build-stage.changed")
    check("builder-open")
    context.close()
    report = "\n".join(f"{name}: {line}" for name, lines in problems.items() for line in lines)
    (shot.folder / "axe.txt").write_text(report)
    assert not problems, report


def test_sharing_works_with_scripts_off(
    server, browser: Browser, pages: dict[str, str], shot: Shots
):
    """The share box is a real form: with JavaScript off it still saves and shows the link."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(server.url + pages["run-start"])
    page.click("details.share summary")
    page.fill("details.share input[name=title]", "Without scripts")
    page.click("details.share button[type=submit]")
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == "Your demo is saved"
    link = page.locator("#share-link").input_value()
    shot(page, "saved-without-scripts")
    delete_link = page.locator("#share-delete").input_value()
    page.goto(link)
    assert page.locator(".demo-head h1").inner_text() == "Without scripts"
    # its private delete link: the demo's card, then a real Delete button, then "deleted"
    page.goto(delete_link)
    assert page.locator("h1").inner_text() == "Delete this demo?"
    assert page.locator(".delete-card img").evaluate("img => img.naturalWidth") == 1200
    page.click("button.danger")
    page.wait_for_selector("text=The demo is deleted")
    shot(page, "demo-deleted-without-scripts")
    assert httpx.get(link).status_code == 404  # a deleted demo is no more
    # a lesson's question without scripts: no guess buttons that would do nothing, and the
    # answer still one click away
    page.goto(server.url + "/lesson/relu")
    assert page.locator(".ask .choice").first.is_hidden()
    assert page.locator(".ask .ask-hold").is_hidden()  # nothing is held, so nothing said
    assert page.locator("#chapter").evaluate("c => c.inert") is False  # nothing held back
    page.click(".ask details.reveal summary")
    assert page.locator(".ask details.reveal p").is_visible()
    context.close()
