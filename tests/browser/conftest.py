"""Real-browser tests: Debian's Chromium driven by Playwright against a real `convlens serve`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from ..helpers import LiveServer, live_server

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium (Playwright's own download does not work here), headless."""
    if not CHROMIUM.exists():
        pytest.fail(
            "browser tests need Debian's chromium: sh tools/install-test-deps (or apt-get install -y chromium)"
        )
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": CHROMIUM_FLAGS,
    }


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("browser") / "data") as running:
        yield running


@pytest.fixture(scope="session")
def base_url(server: LiveServer) -> str:
    """Replaces pytest-playwright's own base_url fixture: the live server's address."""
    return server.url


@pytest.fixture
def watched(page: Page) -> Iterator[Page]:
    """The page, failing the test on any script error or console error (a CSP block included)."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None,
    )
    yield page
    assert not problems, problems


class Shots:
    """Numbered screenshots of one test under test-artifacts/ (git-ignored)."""

    def __init__(self, name: str) -> None:
        self.folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", name)
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.count = 0

    def __call__(self, page: Page, label: str, full_page: bool = True) -> None:
        """A screenshot of the whole page, or (full_page=False) of what is in view: the letters
        network's pages are many screens tall."""
        self.count += 1
        path = str(self.folder / f"{self.count:02d}-{label}.png")
        page.screenshot(path=path, full_page=full_page)


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shots:
    return Shots(request.node.name)


def past_the_question(page: Page) -> None:
    """Show the chapter's answer without guessing, as a learner in a hurry does: the chapter
    held back behind its question opens."""
    page.locator(".ask details.reveal summary").click()
    expect(page.locator("body.asking")).to_have_count(0)
