"""Live drawing in Chromium, run by hand (never a timed test): python bench/live.py [rounds]

Starts `convlens serve`, opens the home page in Debian's Chromium (1366x900) and draws as a
person would, with Playwright's mouse:
  - requests: how many the letters network's walk costs, counted from the browser's own network
    log: one live update (pen lift to the last map), Show all, and Next through every stage;
    target: at most 15 for the whole walk;
  - pen lift: from the pointerup to every map of the last stage on screen (its pictures decoded),
    with Live on; median over the rounds; target: at most 200 ms;
  - pointer moves: the same 640 moves (8 strokes of 80) with Live off and then on; the page's
    own count of the points it drew, and moves per second; target: Live on >= 0.9x Live off,
    every point drawn.
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import live_server  # noqa: E402

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]  # fmt: skip
UNLIMITED = {"CONVLENS_RUNS_PER_MINUTE": "0", "CONVLENS_SAVES_PER_MINUTE": "0"}
STROKES, MOVES = 8, 80

# Watches the live result: when it changes, waits for its pictures to decode, then notes the time.
WATCH = """() => {
  window.benchShown = [];
  window.benchUp = 0;
  window.benchPoints = 0;
  const out = document.getElementById('live-result');
  new MutationObserver(() => {
    const imgs = [...out.querySelectorAll('img')];
    Promise.all(imgs.map(i => i.decode().catch(() => null)))
      .then(() => window.benchShown.push(performance.now()));
  }).observe(out, {childList: true, subtree: true});
  const pad = document.getElementById('pad');
  pad.addEventListener('pointerup', () => { window.benchUp = performance.now(); }, true);
  pad.addEventListener('pointermove', (e) => {
    window.benchPoints += e.getCoalescedEvents ? e.getCoalescedEvents().length : 1;
  }, true);
}"""


def stroke_points(box: dict[str, float], i: int, moves: int) -> list[tuple[float, float]]:
    """A stroke across the pad: a zigzag that differs from stroke to stroke."""
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    points = []
    for k in range(moves + 1):
        t = k / moves
        x = x0 + w * (0.2 + 0.6 * t)
        y = y0 + h * (0.2 + 0.6 * abs((t * (2 + i % 3)) % 2 - 1))
        points.append((x, y))
    return points


def draw(page: Page, i: int, moves: int) -> None:
    box = page.locator("#pad").bounding_box()
    assert box is not None
    points = stroke_points(box, i, moves)
    page.mouse.move(*points[0])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(x, y)
    page.mouse.up()


def open_home(page: Page, url: str, live: bool) -> None:
    page.goto(url + "/")
    page.evaluate(WATCH)
    if live:
        page.check("#live")


def settle(page: Page) -> None:
    """Wait until no live answer has arrived for half a second."""
    last, count = time.monotonic(), -1
    while time.monotonic() - last < 0.5:
        now = page.evaluate("window.benchShown.length")
        if now != count:
            count, last = now, time.monotonic()
        page.wait_for_timeout(50)


def pen_lift(page: Page, url: str, rounds: int) -> list[float]:
    """ms from pointerup to the last answer on screen, one short stroke at a time."""
    open_home(page, url, live=True)
    waits = []
    for i in range(rounds):
        page.click("#clear")
        draw(page, i, 20)
        settle(page)
        up, shown = page.evaluate("[window.benchUp, window.benchShown.at(-1)]")
        waits.append(shown - up)
    return waits


def pointer_moves(page: Page, url: str, live: bool) -> tuple[float, int]:
    """(moves per second, points the page drew) for STROKES strokes of MOVES moves."""
    open_home(page, url, live)
    start = time.perf_counter()
    for i in range(STROKES):
        draw(page, i, MOVES)
    seconds = time.perf_counter() - start
    if live:
        settle(page)
    return STROKES * MOVES / seconds, page.evaluate("window.benchPoints")


def count_requests(page: Page, url: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    log: list[str] = []
    page.on("request", lambda r: log.append(r.url))

    def between(name: str, action) -> None:
        page.wait_for_load_state("networkidle")
        before = len(log)
        action()
        page.wait_for_load_state("networkidle")
        counts[name] = len([u for u in log[before:] if "/static/" not in u])

    open_home(page, url, live=True)
    page.check("input[name=preset][value=letters]")
    page.click("#clear")
    between("one live update (a short stroke, the answers while drawing and after)",
            lambda: (draw(page, 0, 3), settle(page)))  # fmt: skip
    page.click("#live")
    between("Run, then the first stage", lambda: (page.click("button.run"),
                                                  page.wait_for_url(re.compile(r"step=0"))))  # fmt: skip
    run_page = page.url.split("?")[0]
    where = page.locator("#steps .where").inner_text()  # "Stage 0 of 9: input"
    stages = int(where.split(" of ")[1].split(":")[0])

    def walk() -> None:
        for i in range(stages):
            page.click("#steps a[rel=next]")
            page.wait_for_url(re.compile(rf"step={i + 1}\b"))

    between(f"Next through every stage after the first ({stages})", walk)
    between("Show all, opened cold", lambda: page.goto(run_page + f"?step={stages}"))
    return counts


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    with tempfile.TemporaryDirectory() as tmp, live_server(Path(tmp), **UNLIMITED) as server, \
            sync_playwright() as p:  # fmt: skip
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        print("requests, letters network (pictures and pages; static files left out):")
        for name, n in count_requests(page, server.url).items():
            print(f"  {name}: {n}")
        page.close()
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        waits = pen_lift(page, server.url, rounds)
        print(f"pen lift to the last stage on screen, Live on: median {statistics.median(waits):.0f}"
              f" ms, max {max(waits):.0f} ms over {rounds} strokes (target <= 200 ms)")  # fmt: skip
        rates = {}
        for live in (False, True, False, True):
            page.close()
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            rate, points = pointer_moves(page, server.url, live)
            rates.setdefault(live, []).append(rate)
            print(f"  {STROKES * MOVES} moves, Live {'on ' if live else 'off'}: {rate:.0f} moves/s,"
                  f" {points} points drawn")  # fmt: skip
        on, off = statistics.median(rates[True]), statistics.median(rates[False])
        print(f"pointer moves per second, Live on / Live off: {on / off:.2f}x (target >= 0.9x)")
        browser.close()


if __name__ == "__main__":
    main()
