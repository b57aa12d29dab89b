"""A class on one board, run by hand (never a timed test):
python bench/board.py [--students 30] [--seconds 60] [--workers 2]

Starts `convlens serve --workers N` (its limits as shipped: the class must fit them). A teacher
makes a board and watches it over its stream; 30 students, each its own session (cookie) behind
the one address 127.0.0.1, join by code and send 10 drawings each, spread over --seconds, while
drawing live (the home page's live view, a run every second while they draw); halfway, the
teacher trains a network on what has arrived and lets it run at 10 steps a second. Prints:
requests a second, p50 and p99 by kind, statuses (target: no 5xx, no 429), drawings sent against
drawings on the board (target: none lost), and the time from a student's send to the teacher's
stream showing it (median, p95).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.learn import made
from bench.health import serve

SAME = {"Sec-Fetch-Site": "same-origin"}
HTMX = {**SAME, "HX-Request": "true"}
EACH = 10
SHOWN = re.compile(r"(\d+) drawings? shown")


def png(ink: np.ndarray) -> bytes:
    picture = Image.fromarray(np.round((1 - ink) * 255).astype(np.uint8)).resize((280, 280))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


class Log:
    def __init__(self) -> None:
        self.took: dict[str, list[float]] = {}
        self.statuses: Counter[int] = Counter()
        self.sent: list[float] = []
        """When each drawing the board took was sent (loop time)."""
        self.seen: list[tuple[float, int]] = []
        """When the teacher's stream showed how many drawings."""

    async def timed(self, kind: str, request) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            answer = await request
        except httpx.HTTPError:
            self.statuses[0] += 1
            return None
        self.took.setdefault(kind, []).append(time.perf_counter() - started)
        self.statuses[answer.status_code] += 1
        return answer


async def watch(url: str, board: str, token: str, until: float, log: Log) -> None:
    loop = asyncio.get_running_loop()
    async with (httpx.AsyncClient(base_url=url, timeout=None) as http,
                http.stream("GET", f"{board}/live", params={"token": token}) as stream):  # fmt: skip
        async for line in stream.aiter_lines():
            found = SHOWN.search(line)
            if found:
                log.seen.append((loop.time(), int(found.group(1))))
            if loop.time() > until:
                return


def drawn(n: int) -> list[tuple[int, bytes]]:
    """A student's drawings, as a pad sends them: made before the clock starts."""
    x, y = made.drawings("XO", EACH, seed=100 + n)
    return [(int(y[i]), png(x[i, 0])) for i in range(EACH)]


async def student(
    url: str, n: int, code: str, seconds: float, log: Log, drawings: list[tuple[int, bytes]]
) -> None:
    rng = random.Random(n)
    loop = asyncio.get_running_loop()
    async with httpx.AsyncClient(base_url=url, timeout=60, headers=SAME) as http:
        joined = await log.timed("join", http.get(f"/join/{code}", follow_redirects=True))
        assert joined is not None and joined.status_code == 200
        board = joined.url.path
        for label, picture in drawings:
            await asyncio.sleep(rng.uniform(0.3, 1.7) * seconds / EACH / 2)
            for _ in range(2):  # live updates while drawing
                files = {"drawing": ("d.png", picture, "image/png")}
                await log.timed("live", http.post("/runs", data={"source": "draw", "live": "1",
                                "preset": "letters"}, files=files, headers=HTMX))  # fmt: skip
            sent_at = loop.time()
            files = {"drawing": ("d.png", picture, "image/png")}
            answer = await log.timed("send", http.post(
                f"{board}/send", data={"label": str(label)}, files=files, headers=HTMX))  # fmt: skip
            if answer is not None and answer.status_code == 200:
                log.sent.append(sent_at)
            await asyncio.sleep(rng.uniform(0.3, 1.7) * seconds / EACH / 2)


async def teacher_trains(url: str, board: str, token: str, after: float, log: Log) -> None:
    await asyncio.sleep(after)
    async with httpx.AsyncClient(base_url=url, timeout=60, headers=HTMX) as http:
        made_one = await log.timed("train", http.post(f"{board}/train", data={"token": token}))
        if made_one is None or made_one.status_code != 204:
            print("train:", None if made_one is None else made_one.text[:200])
            return
        page = httpx.URL(made_one.headers["hx-redirect"]).path
        await log.timed("train", http.post(f"{page}/train", data={"speed": "10"}))
        async with http.stream("GET", f"{page}/live") as stream:  # the projector's stream
            async for _ in stream.aiter_lines():
                if asyncio.get_running_loop().time() > after + 30:
                    break


async def measure(url: str, students: int, seconds: float) -> None:
    log = Log()
    loop = asyncio.get_running_loop()
    sets = [drawn(n) for n in range(students)]
    async with httpx.AsyncClient(base_url=url, headers=SAME) as http:
        made_board = await http.post("/boards", data={"class": ["X", "O"]})
        location = httpx.URL(made_board.headers["location"])
        board, token = location.path, location.params["token"]
        code = (await http.get(board, params={"token": token})).text.split('board-code"')[1]
        code = code.split(">")[1].split("<")[0]
    started = loop.time()
    until = started + seconds + 5
    watcher = asyncio.create_task(watch(url, board, token, until, log))
    trainer = asyncio.create_task(teacher_trains(url, board, token, seconds / 2, log))
    await asyncio.gather(*(student(url, n, code, seconds, log, sets[n]) for n in range(students)))
    await asyncio.sleep(2)
    wall = loop.time() - started
    watcher.cancel()
    trainer.cancel()
    async with httpx.AsyncClient(base_url=url) as http:
        page = (await http.get(board, params={"token": token})).text
    on_board = sum(int(c.split("<")[0]) for c in page.split('board-count">')[1:])
    total = sum(len(v) for v in log.took.values())
    print(f"{students} students, {seconds:g} s: {total} requests ({total / wall:.0f}/s); "
          f"statuses {dict(log.statuses)}")  # fmt: skip
    for kind, took in sorted(log.took.items()):
        p50, p99 = np.percentile(took, [50, 99]) * 1e3
        print(f"  {kind}: {len(took)}, p50 {p50:.0f} ms, p99 {p99:.0f} ms")
    print(f"drawings: {len(log.sent)} accepted, {on_board} on the board (lost: "
          f"{len(log.sent) - on_board})")  # fmt: skip
    delays = []
    for k, at in enumerate(sorted(log.sent), 1):
        shown = next((t for t, n in log.seen if n >= k and t >= at), None)
        if shown is not None:
            delays.append(shown - at)
    if delays:
        delays.sort()
        print(f"send to the teacher's board: median {statistics.median(delays) * 1e3:.0f} ms, "
              f"p95 {delays[int(0.95 * len(delays))] * 1e3:.0f} ms ({len(delays)} matched)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    proc, url = serve(Path(__file__).resolve().parent.parent, args.workers, limits=True)
    try:
        asyncio.run(measure(url, args.students, args.seconds))
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
