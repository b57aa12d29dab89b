"""The live view of a training over a real server with two worker processes (issue 24): the
stream moves a running training on and pushes each step as HTML, any process can stream what
another started, Pause stops it, and the server keeps answering while eight trainings run."""

from __future__ import annotations

import re
import threading
import time

import httpx
import pytest

from tests.helpers import live_server

pytestmark = pytest.mark.slow
SAME = {"sec-fetch-site": "same-origin"}
STEP = re.compile(r"[Ss]tep <strong>(\d+)</strong>")


def events(client: httpx.Client, url: str, seconds: float) -> list[str]:
    """The messages a live view's stream sends in ``seconds``."""
    found, data = [], []
    ends = time.monotonic() + seconds
    with client.stream("GET", url, timeout=httpx.Timeout(10, read=seconds)) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        # never compressed (httpx asks for gzip): each step is sent the moment it is made
        assert "gzip" in client.headers["accept-encoding"]
        assert "content-encoding" not in stream.headers
        try:
            for line in stream.iter_lines():
                if line.startswith("data: "):
                    data.append(line[6:])
                elif not line and data:
                    found.append("\n".join(data))
                    data = []
                if time.monotonic() > ends:
                    break
        except httpx.ReadTimeout:  # nothing new to send: the stream is quiet
            pass
    return found


def new_training(client: httpx.Client) -> str:
    made = client.post("/learn", data={"start": "x-vs-o"}, headers=SAME)
    return httpx.URL(made.headers["location"]).path


def test_the_stream_moves_it_on_and_pause_stops_it(tmp_path):
    with live_server(tmp_path, "--workers", "2") as server, httpx.Client(
        base_url=server.url, follow_redirects=False
    ) as client:  # fmt: skip
        page = new_training(client)
        assert client.post(f"{page}/train", data={"speed": "10"}, headers=SAME).status_code == 303
        seen = events(client, f"{page}/live", 2.0)
        steps = [int(STEP.search(e).group(1)) for e in seen]
        assert len(steps) >= 4 and steps == sorted(steps) and steps[-1] >= 8, steps
        assert all("<hx-partial" in e and "<svg" in e for e in seen)
        assert max(len(e.encode()) for e in seen) <= 20_000
        client.post(f"{page}/pause", headers=SAME)
        paused = events(client, f"{page}/live", 1.0)
        assert len(paused) == 1 and "paused" in paused[0]
        at = int(STEP.search(paused[0]).group(1))
        assert int(STEP.search(events(client, f"{page}/live", 0.5)[0]).group(1)) == at


def test_healthz_answers_while_eight_trainings_run(tmp_path):
    with live_server(tmp_path, "--workers", "2") as server, httpx.Client(
        base_url=server.url, follow_redirects=False
    ) as client:  # fmt: skip
        pages = [new_training(client) for _ in range(8)]
        for page in pages:
            client.post(f"{page}/train", data={"speed": "0"}, headers=SAME)
        streams = [
            threading.Thread(target=events, args=(httpx.Client(base_url=server.url), f"{p}/live", 3))
            for p in pages
        ]  # fmt: skip
        for thread in streams:
            thread.start()
        time.sleep(0.5)
        waits = []
        for _ in range(10):
            began = time.monotonic()
            assert client.get("/healthz", timeout=5).status_code == 200
            waits.append(time.monotonic() - began)
            time.sleep(0.1)
        for thread in streams:
            thread.join()
        assert sorted(waits)[5] < 0.5, waits
        moved = [int(STEP.search(client.get(p).text).group(1)) for p in pages]
        assert all(step > 0 for step in moved), moved
