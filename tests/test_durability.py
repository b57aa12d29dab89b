"""Nothing acknowledged is lost: saves from several clients, the server killed with SIGKILL."""

from __future__ import annotations

import sqlite3
import threading
import time

import httpx
import numpy as np
import pytest

from app.imaging import load_input
from app.service.catalog import find_preset, preset_bytes
from app.store.records import unpack_input

from .helpers import live_server, png

CLIENTS = 4


def picture(i: int) -> bytes:
    """A different little picture for every save."""
    rng = np.random.default_rng(i)
    return png((rng.random((12, 12)) > 0.6).astype(np.uint8) * 255)


@pytest.mark.slow
def test_every_acknowledged_demo_survives_a_sigkill(tmp_path):
    data = tmp_path / "data"
    acknowledged: dict[str, int] = {}  # demo id -> picture number
    lock = threading.Lock()
    stop = threading.Event()

    def client(number: int, url: str) -> None:
        i = number
        with httpx.Client(base_url=url, timeout=5) as http:
            while not stop.is_set():
                try:
                    run = http.post("/api/run", files={"image": ("p.png", picture(i))})
                    saved = http.post(
                        "/api/demos", json={"run_id": run.json()["id"], "title": f"#{i}"}
                    )
                except (httpx.HTTPError, ValueError):
                    return  # the server is gone
                if saved.status_code in (200, 201):
                    with lock:
                        acknowledged[saved.json()["id"]] = i
                i += CLIENTS

    with live_server(data, CONVLENS_RUNS_PER_MINUTE="0", CONVLENS_SAVES_PER_MINUTE="0") as server:
        threads = [threading.Thread(target=client, args=(n, server.url)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 20
        while len(acknowledged) < 30 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.process.kill()  # SIGKILL, in the middle of the clients' saves
        stop.set()
        for t in threads:
            t.join()
    assert len(acknowledged) >= 30

    spec = preset_bytes("seed-xo")
    with live_server(data) as again:
        for did in acknowledged:
            assert httpx.get(f"{again.url}/d/{did}").status_code == 200
    expected_input = {
        i: load_input(picture(i), find_preset("seed-xo").spec.input, 10**6).pixels
        for i in acknowledged.values()
    }
    with sqlite3.connect(data / "convlens.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        for did, i in acknowledged.items():
            stored_spec, blob, codec, c, h, w, title = conn.execute(
                "SELECT specs.spec, input, codec, channels, height, width, title FROM demos"
                " JOIN specs ON specs.hash = demos.spec_hash WHERE demos.id = ?",
                (did,),
            ).fetchone()
            assert bytes(stored_spec) == spec and title == f"#{i}"
            assert unpack_input(blob, codec, c, h, w).tobytes() == expected_input[i].tobytes()
