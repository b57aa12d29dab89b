"""New runs as the store grows, by hand: python bench/store_growth.py [--runs 100000]

Two stores side by side: one empty, one filled with ``--runs`` stored runs (rows written
straight into the runs table, each the size of a stored letters input). New pictures (each one
never seen, through the slides' small pipeline, so the store's own work is what is timed) go
into each in turn, a round at a time, and the median rate of each is quoted, with the ratio.
Then the full store is put at its size limit (``max_store_bytes`` just above what it holds) and
the p90 of a new run there is quoted against the p90 below the limit, in the same rounds.

With ``CONVLENS_BENCH_POSTGRES_URL`` naming a PostgreSQL server, both stores are databases made
on it (and dropped after) instead of SQLite files.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.engine.presets import get_preset
from app.service import Service
from app.service.catalog import canonical_bytes
from app.settings import Settings

ROW_BYTES = 1_000
"""About what a letters input (28x28, packed) takes in the runs table."""
ROUND = 40
"""New runs per store per round."""
rng = np.random.default_rng(1)


def picture() -> bytes:
    """A 9x9 picture never seen before."""
    pixels = (rng.random((9, 9)) > 0.5).astype(np.uint8) * 255
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG")
    return out.getvalue()


def fill(service: Service, count: int) -> None:
    """``count`` runs written straight into the store (as retention would see them)."""
    store = service.runs.store
    spec = canonical_bytes(get_preset("seed-xo").spec)
    blob = bytes(ROW_BYTES)
    now = time.time()
    with store._transaction() as conn:
        digest = store._put_spec(conn, spec)
        rows = [(f"bench{i:08d}", digest, blob, 1, 9, 9, ROW_BYTES, now - i) for i in range(count)]
        conn.cursor().executemany(
            store._sql(
                "INSERT INTO runs (id, spec_hash, input, channels, height, width, size,"
                " viewed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            ),
            rows,
        )


def timed(service: Service, n: int) -> list[float]:
    spec = get_preset("seed-xo").spec
    pictures = [picture() for _ in range(n)]
    times = []
    for data in pictures:
        start = time.perf_counter()
        service.runs.run_image(data, spec)
        times.append(time.perf_counter() - start)
    return times


def limit(service: Service, max_bytes: int) -> None:
    retention = service.runs.retention
    retention.settings = retention.settings.model_copy(update={"max_store_bytes": max_bytes})


def open_store(folder: Path, url: str | None, max_bytes: int) -> Service:
    settings = Settings(data_dir=folder, database_url=url, max_store_bytes=max_bytes)
    service = Service.open(settings)
    service.start()
    return service


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    server = os.environ.get("CONVLENS_BENCH_POSTGRES_URL")
    big = 1 << 40
    with databases(server) as (empty_url, full_url):
        empty = open_store(Path(tempfile.mkdtemp()), empty_url, big)
        full = open_store(Path(tempfile.mkdtemp()), full_url, big)
        measure(empty, full, args.runs, args.rounds, "PostgreSQL" if server else "SQLite")
        empty.stop()
        full.stop()


@contextmanager
def databases(server: str | None) -> Iterator[tuple[str | None, str | None]]:
    """Two empty PostgreSQL databases on ``server`` (dropped after), or two SQLite files."""
    if server is None:
        yield None, None
        return
    import psycopg

    names = [f"convlens_bench_{kind}_{os.getpid()}" for kind in ("empty", "full")]
    with psycopg.connect(server, autocommit=True) as conn:
        for name in names:
            conn.execute(f"CREATE DATABASE {name}")
    try:
        yield tuple(server.rsplit("/", 1)[0] + "/" + name for name in names)  # type: ignore[misc]
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            for name in names:
                conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def measure(empty: Service, full: Service, runs: int, rounds: int, where: str) -> None:
    big = 1 << 40
    start = time.perf_counter()
    fill(full, runs)
    print(f"filled {runs:,} runs in {time.perf_counter() - start:.1f} s ({where})")
    timed(empty, ROUND), timed(full, ROUND)  # warm both
    rates: dict[str, list[float]] = {"empty": [], "full": []}
    for _ in range(rounds):
        for name, service in (("empty", empty), ("full", full)):
            rates[name].append(ROUND / sum(timed(service, ROUND)))
    e, f = (statistics.median(rates[k]) for k in ("empty", "full"))
    print(f"new runs/s: empty store {e:.0f}, {runs:,} runs {f:.0f}: ratio {f / e:.2f}x "
          f"[{min(rates['full']) / max(rates['empty']):.2f}-"
          f"{max(rates['full']) / min(rates['empty']):.2f}]")  # fmt: skip
    # at the size limit: every new run pushes an older one out
    held = full.runs.store.stored_bytes()
    below: list[float] = []
    at: list[float] = []
    for _ in range(rounds):
        limit(full, big)
        below += timed(full, ROUND)
        limit(full, full.runs.store.stored_bytes() if held else big)
        at += timed(full, ROUND)
    p90 = {k: statistics.quantiles(v, n=10)[-1] * 1000 for k, v in (("below", below), ("at", at))}
    print(
        f"p90 of a new run: below the limit {p90['below']:.1f} ms, at it {p90['at']:.1f} ms: "
        f"{p90['at'] / p90['below']:.2f}x; the slowest at it (a prune) {max(at) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
