"""Any worker serves any demo from the database alone: two real servers sharing one database."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from .helpers import X_PNG, live_server, map_pictures, parse


@pytest.mark.slow
def test_save_on_one_server_and_open_every_step_on_another(tmp_path):
    data = tmp_path / "data"
    with live_server(data) as one, live_server(data) as two:
        run = httpx.post(
            f"{one.url}/api/run", files={"image": ("x.png", X_PNG)}, data={"preset": "seed-xo"}
        )
        rid = run.json()["id"]
        saved = httpx.post(f"{one.url}/api/demos", json={"run_id": rid, "title": "from one"})
        assert saved.status_code == 201
        path = saved.json()["url"].removeprefix(one.url)
        stages = len(run.json()["stages"])
        for step in range(stages):
            page = httpx.get(f"{two.url}{path}", params={"step": step})
            assert page.status_code == 200
            tree = parse(page.text)
            assert len(tree.find_all("li", class_="stage")) == step + 1
            pictures = [str(n["src"]) for n in tree.find_all("img")] + map_pictures(page.text)
            for src in pictures:
                if src.startswith("/runs/"):
                    assert httpx.get(f"{two.url}{src}").status_code == 200
        card = httpx.get(f"{two.url}{path}/card.png")
        assert card.status_code == 200 and card.headers["content-type"] == "image/png"
        assert httpx.get(f"{two.url}/api/demos/{saved.json()['id']}").json()["title"] == "from one"
        # two processes answered: the save came from one, the pages from the other
        pids = {httpx.get(f"{s.url}/healthz").json()["pid"] for s in (one, two)}
        assert pids == {one.process.pid, two.process.pid}


def worker_pids(parent: int) -> list[int]:
    """uvicorn's worker processes under ``parent``, from /proc (multiprocessing's resource
    tracker is a child too, and is left out)."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return sorted(
        int(pid) for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    )


def answers_from(url: str, count: int) -> set[int]:
    """Which processes answered ``count`` runs, each on a new connection."""
    pids = set()
    for _ in range(count):
        with httpx.Client(timeout=20) as fresh:
            assert (
                fresh.post(f"{url}/api/run", files={"image": ("x.png", X_PNG)}).status_code == 200
            )
            pids.add(fresh.get(f"{url}/healthz").json()["pid"])
    return pids


@pytest.mark.slow
def test_serve_can_run_several_worker_processes(tmp_path):
    """Both workers serve: with one paused (SIGSTOP), every answer must come from the other."""
    with live_server(tmp_path / "data", "--workers", "2") as server:
        deadline = time.monotonic() + 20
        while len(workers := worker_pids(server.process.pid)) < 2:
            assert time.monotonic() < deadline, "uvicorn did not start two workers"
            time.sleep(0.1)
        assert len(workers) == 2
        for paused, running in (workers, workers[::-1]):
            os.kill(paused, signal.SIGSTOP)
            try:
                assert answers_from(server.url, 4) == {running}
            finally:
                os.kill(paused, signal.SIGCONT)
