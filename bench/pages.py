"""Pages and uploads against a bare FastAPI app, by hand: python bench/pages.py [seconds]

Issue 29's paths: the lesson's computed pages (a chapter cold and at a place, the chapter list,
/compare) against a bare GET of a page the same size, and POST /api/run with a new upload every
time (the slides' pipeline and the letters network) against the bare multipart endpoint. Each
ratio is of requests per second, both sides driven in turn by the same wrk (16 connections) in
one run, one process per server (bench/load.py's tools). Targets: the pages >= 0.6x, new
uploads >= 0.5x (seed-xo) and >= 0.25x (letters).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import UNLIMITED, bare_server, canvas_x, measure, measure_cpu, multipart

from tests.helpers import live_server

PAGES = ["/lesson", "/lesson/convolution", "/lesson/convolution?row=2&col=3", "/lesson/vote"]
UPLOADS = {"seed-xo": 0.5, "letters": 0.25}


def with_preset(body: bytes, preset: str) -> bytes:
    """The multipart upload with a preset field first (the picture stays last: wrk's new bytes
    for each upload go after its end)."""
    field = (b'--convlens-bench-boundary\r\nContent-Disposition: form-data; name="preset"\r\n\r\n'
             + preset.encode() + b"\r\n")  # fmt: skip
    return field + body


def main(seconds: float = 8) -> None:
    drawing = canvas_x()
    unlimited = {**UNLIMITED, "CONVLENS_COMPUTES_PER_MINUTE": "0"}
    with tempfile.TemporaryDirectory() as tmp, live_server(Path(tmp), **unlimited) as ours:
        a, b = (
            httpx.post(f"{ours.url}/runs", data={"example": name, "preset": "seed-xo"})
            .headers["location"]
            .split("/runs/")[1]
            .split("?")[0]
            for name in "xo"
        )
        pages = [*PAGES, f"/compare?a={a}&b={b}&step=6"]
        sizes = {path: len(httpx.get(ours.url + path).content) for path in pages}
        with bare_server(1000, b"") as bare:
            print(f"wrk, 16 connections, {seconds:g} s each, one process per server")
            for path in pages:
                mine = measure("wrk", ours.url, path, None, seconds)
                theirs = measure("wrk", bare.url, f"/sized/{sizes[path]}", None, seconds)
                print(f"  GET {path} ({sizes[path]:,} bytes): {mine:.0f}/s against bare "
                      f"{theirs:.0f}/s = {mine / theirs:.2f}x (target >= 0.6x)")  # fmt: skip
            for preset, target in UPLOADS.items():
                body = with_preset(multipart(drawing), preset)
                assert httpx.post(f"{ours.url}/api/run", content=body, headers={
                    "Content-Type": "multipart/form-data; boundary=convlens-bench-boundary"
                }).status_code == 200  # fmt: skip
                mine, mine_ms = measure_cpu(ours.process.pid, ours.url, "/api/run", body,
                                            seconds, vary=True)  # fmt: skip
                theirs, their_ms = measure_cpu(bare.pid, bare.url, "/upload", body, seconds,
                                               vary=True)  # fmt: skip
                print(f"  POST /api/run, a new upload every time, {preset}: {mine:.0f}/s against "
                      f"bare {theirs:.0f}/s = {mine / theirs:.2f}x (target >= {target}x); "
                      f"server CPU {mine_ms:.2f} ms a request against {their_ms:.2f}")  # fmt: skip


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 8)
