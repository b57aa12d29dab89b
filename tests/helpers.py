"""Shared test helpers."""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

from app.engine.presets import SLIDES_X

FORWARD_RTOL = 1e-5
FORWARD_ATOL = 1e-5


def assert_close(actual, expected, *, rtol=FORWARD_RTOL, atol=FORWARD_ATOL, dtype=np.float32):
    """Shape first, then dtype (when ``dtype`` is given), then values."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
    if dtype is not None:
        assert actual.dtype == dtype, f"dtype {actual.dtype} != {dtype}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def find(self, tag, **attrs):
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())
        ]


def tags(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    return parser


def png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue()


X_PNG = png(np.kron(np.where(SLIDES_X[0] > 0, 0, 255), np.ones((10, 10))).astype(np.uint8))


async def start(client, files=None, **form) -> str:
    """POST the home form; the new run's id (the answer must be a 303 to its step 0)."""
    response = await client.post("/runs", data=form, files=files)
    assert response.status_code == 303
    match = re.fullmatch(
        r"http://testserver/runs/([a-z2-7]{32})\?step=0", response.headers["location"]
    )
    assert match, response.headers["location"]
    return match.group(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    output: str = ""
    """What the server printed; filled in when it has stopped."""


@contextmanager
def live_server(data_dir: Path, *args: str, **env: str) -> Iterator[LiveServer]:
    """A real `convlens serve` (uvicorn) on a free port, stopped on exit; output kept for asserts.

    The output goes to a file, not a pipe: a pipe nobody reads fills up with access-log lines and
    then blocks the server's event loop on its next log write.
    """
    port = free_port()
    environ = {**os.environ, "CONVLENS_DATA_DIR": str(data_dir), **env}
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(
            [sys.executable, "-X", "faulthandler", "-m", "app.cli", "serve", "--port", str(port), *args],
            stdout=log, stderr=subprocess.STDOUT, env=environ, text=True,
        )  # fmt: skip
        server = LiveServer(f"http://127.0.0.1:{port}", proc)
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    httpx.get(f"{server.url}/healthz", timeout=1).raise_for_status()
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise
                    time.sleep(0.1)
            yield server
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.seek(0)
            server.output = log.read()
