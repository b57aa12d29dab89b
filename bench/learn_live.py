"""The learn page's live view under load, run by hand (never a timed test):
python bench/learn_live.py [--trainings 30] [--seconds 6] [--workers 2]

Starts `convlens serve --workers 2` (limits off; this process, the 30 pages' stand-in, takes
most of a core of the two here, so one worker shares what is left with it), makes N trainings
of 3 classes x 10 made drawings through the JSON API, sets each running at 10 steps a second and opens each one's live stream as a page
would (asyncio + httpx). Prints, over all streams:
- the time between updates (median and p95) and the largest update in bytes;
- Step: from pressing Step on a paused training to its answer (which is what the page swaps in);
- Pause: from pressing Pause to its answer (the paused board the page swaps in), and to the
  update that says "paused" on the streams of other viewers;
- that the slots fill: with every slot running, one more Train is a 503 with Retry-After.
Targets (issue 24): an update at least every 500 ms (median; p95 <= 750 ms) while 30 trainings
run; one Step on screen within 150 ms; each update <= 20 KB; Pause stops within 200 ms; 40
trainings run and the 41st is answered 503 with Retry-After.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import itertools
import statistics
import sys
import time
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.learn import made
from bench.health import serve

SLOTS = 40


def png(ink: np.ndarray) -> str:
    picture = Image.fromarray(np.round((1 - ink) * 255).astype(np.uint8)).resize((280, 280))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


def drawings(seed: int) -> list[dict]:
    x, y = made.drawings("XOT", 10, seed=seed)
    return [{"label": int(label), "image": png(ink[0])} for ink, label in zip(x, y, strict=True)]


async def new_training(client: httpx.AsyncClient, seed: int) -> str:
    body = {"classes": ["X", "O", "T"], "drawings": drawings(seed), "seed": seed}
    answer = await client.post("/api/trainings", json=body)
    answer.raise_for_status()
    return f"/learn/{answer.json()['id']}"


async def watch(client: httpx.AsyncClient, page: str, until: float, seen: list) -> None:
    """Note the arrival time and size of every update until ``until`` (loop time)."""
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(listen(client, page, seen), until - loop.time())
    except (TimeoutError, httpx.HTTPError):
        return


async def listen(client: httpx.AsyncClient, page: str, seen: list) -> None:
    loop = asyncio.get_running_loop()
    data: list[str] = []
    async with client.stream("GET", f"{page}/live", timeout=None) as stream:
        async for line in stream.aiter_lines():
            if line.startswith("data: "):
                data.append(line[6:])
            elif not line and data:
                seen.append((loop.time(), len("\n".join(data).encode()), "\n".join(data)))
                data = []


async def measure(url: str, trainings: int, seconds: float) -> None:
    limits = httpx.Limits(max_connections=trainings + 20)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        pages = [await new_training(client, seed) for seed in range(trainings)]
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds + 1
        streams: list[list] = [[] for _ in pages]
        watchers = [asyncio.create_task(watch(client, p, until, s))
                    for p, s in zip(pages, streams, strict=True)]  # fmt: skip
        await asyncio.gather(*(client.post(f"{p}/train", data={"speed": "10"}) for p in pages))
        await asyncio.gather(*watchers)
        gaps, sizes = [], []
        for seen in streams:
            times = [t for t, _, _ in seen if t < until - 1]
            gaps += [b - a for a, b in itertools.pairwise(times[1:])]  # after the first
            sizes += [n for _, n, _ in seen]
        gaps.sort()
        largest = max((n, html) for seen in streams for _, n, html in seen)
        print(f"{trainings} trainings running for {seconds:g} s: {len(gaps) + len(streams)} "
              f"updates; between updates median {statistics.median(gaps) * 1000:.0f} ms, p95 "
              f"{gaps[int(0.95 * len(gaps))] * 1000:.0f} ms; largest update {max(sizes):,} bytes "
              f"({'running' if 'Pause' in largest[1] else 'not running'})")  # fmt: skip

        # Pause: from the press to the stream's update that says so (others still running)
        took: list[float] = []
        answered: list[float] = []
        for page in pages[:10]:
            seen: list = []
            await client.post(f"{page}/train", data={"speed": "10"})  # some had stopped by now
            began = loop.time()
            watcher = asyncio.create_task(watch(client, page, began + 2, seen))
            await asyncio.sleep(0.3)
            pressed = loop.time()
            await client.post(f"{page}/pause", headers={"HX-Request": "true"})
            answered.append(loop.time() - pressed)
            while not any("paused" in html for _, _, html in seen) and loop.time() < began + 2:
                await asyncio.sleep(0.005)
            took += [t - pressed for t, _, html in seen if "paused" in html][:1]
            watcher.cancel()
        print(f"Pause answered (the board, paused) in median "
              f"{statistics.median(answered) * 1000:.0f} ms, max {max(answered) * 1000:.0f} ms; "
              f"other viewers' streams say paused after median "
              f"{statistics.median(took) * 1000:.0f} ms, max {max(took) * 1000:.0f} ms")  # fmt: skip

        steps = []
        for page in pages[:10]:
            for _ in range(3):
                began = time.perf_counter()
                (
                    await client.post(f"{page}/step", headers={"HX-Request": "true"})
                ).raise_for_status()
                steps.append(time.perf_counter() - began)
        print(f"Step to its answer (20 others running): median "
              f"{statistics.median(steps) * 1000:.0f} ms, max {max(steps) * 1000:.0f} ms")  # fmt: skip

        for page in pages:
            await client.post(f"{page}/pause")
        more = [await new_training(client, 100 + i) for i in range(SLOTS + 1)]
        answers = [await client.post(f"{p}/train", data={"speed": "1"}) for p in more]
        codes = [a.status_code for a in answers]
        print(f"{SLOTS + 1} Trains: {codes.count(303)} running, the last answered "
              f"{codes[-1]} Retry-After {answers[-1].headers.get('retry-after')}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trainings", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    proc, url = serve(Path(__file__).resolve().parent.parent, args.workers)
    try:
        asyncio.run(measure(url, args.trainings, args.seconds))
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
