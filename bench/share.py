"""Sharing benchmark, run by hand (never a timed test): python bench/share.py [--load-seconds 60]

1. In-process (the ASGI app, no sockets): median server time of GET /d/{id} at its first step
   (a cold page: the demo's trace is not in this process's cache), and of a save (POST /api/demos,
   flushed to disk). Targets: <= 10 ms each.
2. Real servers: 8 clients save 200 demos each against `convlens serve`; then every acknowledged
   demo must open (nothing lost).
3. Load: 32 concurrent clients mixing runs, steps, saves and views for --load-seconds against
   `convlens serve --workers 2`; no answer may be a 5xx.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.settings import Settings
from app.web import create_app
from tests.helpers import X_PNG, live_server, png

UNLIMITED = {"CONVLENS_RUNS_PER_MINUTE": "0", "CONVLENS_SAVES_PER_MINUTE": "0"}


async def in_process(rounds: int = 60) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), runs_per_minute=0, saves_per_minute=0)
        app, other = create_app(settings), create_app(settings)
        async with app.router.lifespan_context(app), other.router.lifespan_context(other):
            c1 = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://localhost"
            )
            c2 = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=other), base_url="http://localhost"
            )
            saves, views = [], []
            for i in range(rounds):
                run = await c1.post("/api/run", files={"image": ("p.png", picture(i))})
                rid = run.json()["id"]
                start = time.perf_counter()
                saved = await c1.post("/api/demos", json={"run_id": rid, "title": f"#{i}"})
                saves.append(time.perf_counter() - start)
                start = time.perf_counter()
                page = await c2.get(f"/d/{saved.json()['id']}")  # another worker: cold
                views.append(time.perf_counter() - start)
                assert page.status_code == 200
            await c1.aclose()
            await c2.aclose()
    print(
        f"save (POST /api/demos, flushed): median {statistics.median(saves) * 1e3:.2f} ms (<= 10)"
    )
    print(f"GET /d/{{id}} first step, cold: median {statistics.median(views) * 1e3:.2f} ms (<= 10)")


def picture(i: int) -> bytes:
    rng = np.random.default_rng(i)
    return png((rng.random((12, 12)) > 0.6).astype(np.uint8) * 255)


def many_savers(clients: int = 8, each: int = 200) -> None:
    with tempfile.TemporaryDirectory() as tmp, live_server(Path(tmp), **UNLIMITED) as server:
        saved: list[str] = []
        lock = threading.Lock()

        def client(n: int) -> None:
            with httpx.Client(base_url=server.url, timeout=30) as http:
                for k in range(each):
                    rid = http.post(
                        "/api/run", files={"image": ("p.png", picture(n * each + k))}
                    ).json()["id"]
                    answer = http.post("/api/demos", json={"run_id": rid, "title": f"{n}-{k}"})
                    if answer.status_code == 201:
                        with lock:
                            saved.append(answer.json()["id"])

        start = time.perf_counter()
        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - start
        with httpx.Client(base_url=server.url, timeout=30) as http:
            missing = [d for d in saved if http.get(f"/api/demos/{d}").status_code != 200]
    print(f"{clients} clients x {each} saves: {len(saved)} acknowledged in {seconds:.1f} s, "
          f"{len(missing)} missing")  # fmt: skip


def load(seconds: float, clients: int = 32) -> None:
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    with (
        tempfile.TemporaryDirectory() as tmp,
        live_server(Path(tmp), "--workers", "2", **UNLIMITED) as server,
    ):
        base = httpx.post(f"{server.url}/api/run", files={"image": ("x.png", X_PNG)}).json()["id"]
        demo = httpx.post(f"{server.url}/api/demos", json={"run_id": base}).json()["id"]
        deadline = time.monotonic() + seconds

        def client(n: int) -> None:
            rng = random.Random(n)
            with httpx.Client(base_url=server.url, timeout=30) as http:
                while time.monotonic() < deadline:
                    kind, started = rng.random(), time.perf_counter()
                    if kind < 0.25:
                        r = http.post(
                            "/api/run", files={"image": ("p.png", picture(rng.randrange(10**6)))}
                        )
                    elif kind < 0.55:
                        r = http.get(f"/runs/{base}",
                                     params={"step": rng.randrange(7), "fragment": "next"},
                                     headers={"HX-Request": "true", "HX-Target": "ol#stages"})  # fmt: skip
                    elif kind < 0.65:
                        r = http.post(
                            "/api/demos", json={"run_id": base, "title": str(rng.randrange(10**9))}
                        )
                    elif kind < 0.9:
                        r = http.get(f"/d/{demo}", params={"step": rng.randrange(7)})
                    else:
                        r = http.get(f"/runs/{base}/stages/1/maps/{rng.randrange(3)}.png")
                    with lock:
                        statuses[r.status_code] += 1
                        latencies.append(time.perf_counter() - started)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    total = sum(statuses.values())
    errors = sum(n for s, n in statuses.items() if s >= 500)
    p50, p99 = np.percentile(latencies, [50, 99]) * 1e3
    print(f"load: {clients} clients, {seconds:.0f} s, 2 workers: {total} requests "
          f"({total / seconds:.0f}/s), p50 {p50:.0f} ms, p99 {p99:.0f} ms, "
          f"statuses {dict(statuses)}, 5xx: {errors}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--load-seconds", type=float, default=60)
    parser.add_argument("--load-only", action="store_true", help="only the 32-client load")
    args = parser.parse_args()
    if not args.load_only:
        asyncio.run(in_process())
        many_savers()
    load(args.load_seconds)


if __name__ == "__main__":
    main()
