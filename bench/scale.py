"""Many classes training at once over PostgreSQL, run by hand (never a timed test):
python bench/scale.py [--boards 20] [--seconds 60] [--web 2] [--database-url URL]

Starts a throw-away PostgreSQL (or uses --database-url, a database it may fill), `convlens serve
--workers WEB` on it with the limits as shipped (but for trainings a client may make a minute),
and then, once with 1 `convlens worker` and once with 2: 20 class boards, each filled by 3
students (their own sessions, all behind 127.0.0.1, joining over 5 seconds) sending 8 drawings
each, then trained by its teacher as fast as it goes (speed 0) while the teacher's projector
follows its live stream; each time a training stops, the teacher resets it (the same drawings,
a new seed) and trains again, until --seconds have passed. Then every training still running
must finish. Prints, for each phase: requests a second, p50 and p99 by kind, statuses (target:
no 5xx), drawings sent against drawings on the boards (target: none lost), the time from a send
to the teacher's board (median, p95), trainings finished a minute, and trainings lost (set
running, never finished: target 0).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.learn import made
from bench.board import HTMX, SAME, SHOWN, Log, png
from tests.helpers import free_port
from tests.postgres import throwaway_postgres

STUDENTS, EACH = 3, 8
JOINING = 5.0
"""Students join over this many seconds (they scan the code as it goes up, not all at once)."""
STOPPED = re.compile(r"Stopped at step <strong>(\d+)</strong>")
ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def process(args: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


class Arrivals:
    """When each drawing was sent to a board, and when the teacher's stream showed counts."""

    def __init__(self) -> None:
        self.sent: dict[str, list[float]] = {}
        self.seen: dict[str, list[tuple[float, int]]] = {}

    def delays(self) -> list[float]:
        """From each send to the first count on the teacher's board that includes it."""
        found = []
        for board, sent in self.sent.items():
            for k, at in enumerate(sorted(sent), 1):
                shown = [t for t, n in self.seen.get(board, []) if n >= k and t >= at]
                if shown:
                    found.append(min(shown) - at)
        return sorted(found)


async def fill(url: str, n: int, log: Log, arrivals: Arrivals) -> tuple[str, str, int]:
    """Board ``n``: made by its teacher, filled by its students; (board, token, drawings)."""
    async with httpx.AsyncClient(base_url=url, headers=SAME, timeout=60) as http:
        made_board = await log.timed("board", http.post("/boards", data={"class": ["X", "O"]}))
        assert made_board is not None and made_board.status_code == 303, made_board.text[:500]
        location = httpx.URL(made_board.headers["location"])
        board, token = location.path, location.params["token"]
        page = (await http.get(board, params={"token": token})).text
        code = page.split('board-code"')[1].split(">")[1].split("<")[0]
    watcher = asyncio.create_task(watch_board(url, board, token, arrivals))
    await asyncio.gather(
        *(student(url, code, 1000 * n + s, log, arrivals) for s in range(STUDENTS))
    )
    await asyncio.sleep(1.5)
    watcher.cancel()
    async with httpx.AsyncClient(base_url=url) as http:
        page = (await http.get(board, params={"token": token})).text
    shown = sum(int(c.split("<")[0]) for c in page.split('board-count">')[1:])
    return board, token, shown


async def watch_board(url: str, board: str, token: str, arrivals: Arrivals) -> None:
    loop = asyncio.get_running_loop()
    seen = arrivals.seen.setdefault(board, [])
    async with (httpx.AsyncClient(base_url=url, timeout=None) as http,
                http.stream("GET", f"{board}/live", params={"token": token}) as stream):  # fmt: skip
        async for line in stream.aiter_lines():
            if found := SHOWN.search(line):
                seen.append((loop.time(), int(found.group(1))))


async def student(url: str, code: str, seed: int, log: Log, arrivals: Arrivals) -> None:
    loop = asyncio.get_running_loop()
    x, y = made.drawings("XO", EACH // 2, seed=seed)
    await asyncio.sleep(random.Random(seed).uniform(0, JOINING))  # a class scans over seconds
    async with httpx.AsyncClient(base_url=url, timeout=60, headers=SAME) as http:
        joined = await log.timed("join", http.get(f"/join/{code}", follow_redirects=True))
        assert joined is not None and joined.status_code == 200, (
            joined,
            joined and joined.text[:400],
        )
        board = joined.url.path
        for i in range(len(y)):
            files = {"drawing": ("d.png", png(x[i, 0]), "image/png")}
            sent_at = loop.time()
            answer = await log.timed("send", http.post(
                f"{board}/send", data={"label": str(int(y[i]))}, files=files, headers=HTMX))  # fmt: skip
            if answer is not None and answer.status_code == 200:
                arrivals.sent.setdefault(board, []).append(sent_at)
            await asyncio.sleep(0.3)


class Trainings:
    def __init__(self) -> None:
        self.started: list[str] = []
        self.finished: list[tuple[float, str]] = []


async def teach(url: str, board: str, token: str, until: float, log: Log, done: Trainings) -> None:
    """Train on the board, follow it, and train again each time it stops, until ``until``."""
    loop = asyncio.get_running_loop()
    async with httpx.AsyncClient(base_url=url, timeout=60, headers=HTMX) as http:
        await http.get("/learn", headers=SAME)  # a session, as a browser has
        made_one = await log.timed("train", http.post(f"{board}/train", data={"token": token}))
        assert made_one is not None and made_one.status_code == 204, made_one
        page = httpx.URL(made_one.headers["hx-redirect"]).path
        while True:
            played = await log.timed("train", http.post(f"{page}/train", data={"speed": "0"}))
            assert played is not None and played.status_code == 200, played.text[:300]
            done.started.append(page)
            async with http.stream("GET", f"{page}/live") as stream:  # the projector
                async for line in stream.aiter_lines():
                    if STOPPED.search(line):
                        done.finished.append((loop.time(), page))
                        break
            if loop.time() > until:
                return
            again = await log.timed("reset", http.post(f"{page}/reset", data={"seed": "new"}))
            assert again is not None and again.status_code in (200, 204), again
            page = httpx.URL(again.headers["hx-redirect"]).path


async def phase(url: str, boards: int, seconds: float) -> None:
    log = Log()
    loop = asyncio.get_running_loop()
    began = loop.time()
    arrivals = Arrivals()
    filled = await asyncio.gather(*(fill(url, n, log, arrivals) for n in range(boards)))
    delays = arrivals.delays()
    done = Trainings()
    started = loop.time()
    await asyncio.gather(*(teach(url, b, t, started + seconds, log, done) for b, t, _ in filled))
    ended = loop.time()
    in_window = [t for t, _ in done.finished if t <= started + seconds]
    total = sum(len(v) for v in log.took.values())
    wall = ended - began
    print(f"  {total} requests ({total / wall:.0f}/s over {wall:.0f} s); statuses "
          f"{dict(sorted(log.statuses.items()))}")  # fmt: skip
    for kind, took in sorted(log.took.items()):
        p50, p99 = np.percentile(took, [50, 99]) * 1e3
        print(f"    {kind}: {len(took)}, p50 {p50:.0f} ms, p99 {p99:.0f} ms")
    on_boards = sum(shown for _, _, shown in filled)
    accepted = sum(len(v) for v in arrivals.sent.values())
    print(f"  drawings: {accepted} accepted, {on_boards} on the boards "
          f"(lost: {accepted - on_boards})")  # fmt: skip
    if delays:
        print(f"  send to the teacher's board: median {statistics.median(delays) * 1e3:.0f} ms, "
              f"p95 {delays[int(0.95 * len(delays))] * 1e3:.0f} ms")  # fmt: skip
    print(f"  trainings: {len(in_window)} finished in {seconds:g} s "
          f"({len(in_window) / seconds * 60:.0f} a minute); {len(done.started)} started, "
          f"{len(done.finished)} finished, lost {len(done.started) - len(done.finished)}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--boards", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--web", type=int, default=2)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        url = args.database_url or stack.enter_context(throwaway_postgres())
        port = free_port()
        # each teacher here starts a new training every few seconds: past the 30 a minute a
        # person may make, so that one limit is off
        env = {**os.environ, "CONVLENS_DATABASE_URL": url, "CONVLENS_PORT": str(port),
               "CONVLENS_DATA_DIR": tempfile.mkdtemp(), "CONVLENS_TRAININGS_PER_MINUTE": "0"}  # fmt: skip
        stack.enter_context(process(["serve", "--workers", str(args.web)], env))
        web = f"http://127.0.0.1:{port}"
        for _ in range(300):
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(web + "/healthz", timeout=1).raise_for_status()
                break
            time.sleep(0.1)
        for workers in (1, 2):
            with contextlib.ExitStack() as running:
                for _ in range(workers):
                    running.enter_context(process(["worker"], env))
                time.sleep(3)
                print(f"{args.boards} boards, {args.web} web processes, {workers} worker(s):")
                asyncio.run(phase(web, args.boards, args.seconds))


if __name__ == "__main__":
    main()
