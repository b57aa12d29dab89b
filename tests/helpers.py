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


def map_pictures(html: str) -> list[str]:
    """The addresses of the pictures a run page draws its maps from (each stage's sheet)."""
    return [str(a["href"]) for a in tags(html).find("image") if "/maps" in str(a.get("href"))]


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "rect", "path", "circle", "image"}  # fmt: skip


@dataclass
class Node:
    """An element of a parsed page: its tag, attributes, children and text."""

    tag: str
    attrs: dict[str, str | None]
    children: list[Node | str]

    def __getitem__(self, name: str) -> str | None:
        return self.attrs[name]

    def get(self, name: str) -> str | None:
        return self.attrs.get(name)

    @property
    def text(self) -> str:
        """All the text inside, entities decoded, runs of white space made one space."""
        parts = [c if isinstance(c, str) else c.text for c in self.children]
        return " ".join(" ".join(parts).split())

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        """Every element below with this tag (any, if None) and these attributes; ``class_``
        matches one of the element's classes."""
        wanted_class = attrs.pop("class_", None)
        found = []
        for child in self.children:
            if isinstance(child, str):
                continue
            if (
                (tag is None or child.tag == tag)
                and all(child.attrs.get(k) == v for k, v in attrs.items())
                and (
                    wanted_class is None or wanted_class in (child.attrs.get("class") or "").split()
                )
            ):
                found.append(child)
            found.extend(
                child.find_all(tag, **attrs, **({"class_": wanted_class} if wanted_class else {}))
            )
        return found

    def one(self, tag: str | None = None, **attrs: str) -> Node:
        """The one element that matches (the test fails if there are none or several)."""
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, f"{len(found)} elements match {tag} {attrs}"
        return found[0]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, [])
        self.open = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), [])
        self.open[-1].children.append(node)
        if tag not in VOID:
            self.open.append(node)

    def handle_startendtag(self, tag, attrs):
        self.open[-1].children.append(Node(tag, dict(attrs), []))

    def handle_endtag(self, tag):
        for i in range(len(self.open) - 1, 0, -1):
            if self.open[i].tag == tag:
                del self.open[i:]
                return

    def handle_data(self, data):
        self.open[-1].children.append(data)


def parse(html: str) -> Node:
    """The page as a tree of elements, parsed by the standard library's HTML parser."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


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
        failed = True
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
        except BaseException:
            failed = True
            raise
        else:
            failed = False
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.seek(0)
            server.output = log.read()
            if failed:  # pytest shows what a failing test printed: the server's side of it
                print(f"--- log of the server at {server.url} ---\n{server.output}")
