"""/healthz under load, run by hand (never a timed test):
python bench/health.py [--seconds 20] [--clients 32 200] [--workers 2] [checkout ...]

For each checkout (this one by default; name another to compare, its own app/), starts
`convlens serve --workers N` with the limits off, and for each client count runs, at once:
- a mixed load (asyncio + httpx) in --load-processes processes (2; one Python process sending
  the whole load saturates its core at about 320 requests a second here, and then its own
  queue is most of the latency it measures): runs of new pictures, Next fragments, saves, demo
  pages and heatmaps, as bench/share.py mixes them;
- a prober in another process: GET /healthz every 20 ms on its own connection.
Prints the prober's p50, p99 and max, and the load's requests per second, p50, p99 and statuses.
Targets (issue 25): /healthz p99 <= 50 ms with 32 clients, <= 200 ms with 200 clients while load
is shed (503s are fine, the health check answering is the point); the mixed load's p99 <= 300 ms
with 32 clients.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
UNLIMITED = {"CONVLENS_RUNS_PER_MINUTE": "0", "CONVLENS_SAVES_PER_MINUTE": "0",
             "CONVLENS_COMPUTES_PER_MINUTE": "0", "CONVLENS_TRAININGS_PER_MINUTE": "0"}  # fmt: skip


def picture(seed: int) -> bytes:
    pixels = (np.random.default_rng(seed).random((12, 12)) > 0.6).astype(np.uint8) * 255
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue()


async def mixed(
    url: str, clients: int, seconds: float, base: str, demo: str, first: int = 0
) -> dict:
    statuses: Counter[int] = Counter()
    took: list[float] = []
    by_kind: dict[str, list[float]] = {}
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:

        async def client(n: int) -> None:
            rng = random.Random(n)
            while time.monotonic() < deadline:
                kind, started = rng.random(), time.perf_counter()
                name = ("run" if kind < 0.25 else "next" if kind < 0.55 else "save" if kind < 0.65
                        else "demo" if kind < 0.9 else "png")  # fmt: skip
                try:
                    if kind < 0.25:
                        files = {"image": ("p.png", picture(rng.randrange(10**6)))}
                        r = await http.post("/api/run", files=files)
                    elif kind < 0.55:
                        r = await http.get(f"/runs/{base}", params={"step": rng.randrange(7),
                                           "fragment": "next"}, headers={"HX-Request": "true"})  # fmt: skip
                    elif kind < 0.65:
                        r = await http.post("/api/demos", json={"run_id": base, "title": "t"})
                    elif kind < 0.9:
                        r = await http.get(f"/d/{demo}", params={"step": rng.randrange(7)})
                    else:
                        r = await http.get(f"/runs/{base}/stages/1/maps/{rng.randrange(3)}.png")
                    statuses[r.status_code] += 1
                except httpx.HTTPError:
                    statuses[0] += 1
                took.append(time.perf_counter() - started)
                by_kind.setdefault(name, []).append(took[-1])

        await asyncio.gather(*(client(first + n) for n in range(clients)))
    return {"took": took, "statuses": dict(statuses), "by_kind": by_kind}


def summary(parts: list[dict]) -> dict:
    """The load's figures over every load process's answers."""
    took = [t for part in parts for t in part["took"]]
    statuses: Counter[str] = Counter()
    by_kind: dict[str, list[float]] = {}
    for part in parts:
        statuses.update(part["statuses"])
        for kind, times in part["by_kind"].items():
            by_kind.setdefault(kind, []).extend(times)
    p50, p99 = np.percentile(took, [50, 99]) * 1e3
    kinds = {k: round(float(np.percentile(v, 99)) * 1e3) for k, v in sorted(by_kind.items())}
    return {"count": len(took), "p50": p50, "p99": p99, "statuses": dict(statuses),
            "p99_by_kind": kinds}  # fmt: skip


def run_load(
    url: str, clients: int, seconds: float, base: str, demo: str, out: str, first: int
) -> None:
    answers = asyncio.run(mixed(url, clients, seconds, base, demo, first))
    Path(out).write_text(json.dumps(answers))


def run_probe(url: str, seconds: float, out: str) -> None:
    took = []
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=url, timeout=30) as http:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            http.get("/healthz")
            took.append(time.perf_counter() - started)
            time.sleep(0.02)
    Path(out).write_text(json.dumps(took))


def serve(
    checkout: Path, workers: int, limits: bool = False
) -> tuple[subprocess.Popen[bytes], str]:
    """`convlens serve` from ``checkout`` on a free port, the rate limits off unless ``limits``."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, **({} if limits else UNLIMITED), "CONVLENS_DATA_DIR": tempfile.mkdtemp(),
           "CONVLENS_PORT": str(port), "PYTHONPATH": str(checkout)}  # fmt: skip
    code = f"from app.cli import main; main(['serve', '--workers', '{workers}'])"
    log = open(os.devnull, "wb")  # noqa: SIM115 - the server's access log, thrown away
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=log, stderr=log,
                            cwd=checkout)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(url + "/healthz", timeout=1)
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def measure(checkout: Path, clients: int, seconds: float, workers: int, loaders: int) -> None:
    proc, url = serve(checkout, workers)
    try:
        base = httpx.post(url + "/api/run", files={"image": ("p.png", picture(0))}).json()["id"]
        demo = httpx.post(url + "/api/demos", json={"run_id": base}).json()["id"]
        with tempfile.TemporaryDirectory() as tmp:
            outs, probe_out = [f"{tmp}/load{i}.json" for i in range(loaders)], f"{tmp}/probe.json"
            share = [clients // loaders + (i < clients % loaders) for i in range(loaders)]
            loads = [multiprocessing.Process(target=run_load, args=(
                url, share[i], seconds, base, demo, outs[i], sum(share[:i])))
                for i in range(loaders)]  # fmt: skip
            probe = multiprocessing.Process(target=run_probe, args=(url, seconds, probe_out))
            for process in (*loads, probe):
                process.start()
            for process in (*loads, probe):
                process.join()
            mix = summary([json.loads(Path(out).read_text()) for out in outs])
            health = np.array(json.loads(Path(probe_out).read_text())) * 1e3
    finally:
        proc.terminate()
        proc.wait()
    p50, p99 = np.percentile(health, [50, 99])
    print(f"{checkout.name or checkout}, {workers} workers, {clients} clients "
          f"({loaders} load processes): /healthz p50 "
          f"{p50:.0f} ms, p99 {p99:.0f} ms, max {health.max():.0f} ms ({len(health)} probes); "
          f"load {mix['count'] / seconds:.0f}/s, p50 {mix['p50']:.0f} ms, p99 {mix['p99']:.0f} ms, "
          f"statuses {mix['statuses']}; p99 by kind (ms) {mix['p99_by_kind']}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("checkouts", nargs="*", type=Path, default=[ROOT])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, nargs="+", default=[32, 200])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--load-processes", type=int, default=2)
    args = parser.parse_args()
    for clients in args.clients:
        for checkout in args.checkouts:
            measure(checkout, clients, args.seconds, args.workers, args.load_processes)


if __name__ == "__main__":
    main()
