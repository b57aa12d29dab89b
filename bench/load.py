"""Request-path benchmark, run by hand (never a timed test): python bench/load.py [seconds]

Starts two real servers, one process each: `convlens serve`, and a bare FastAPI app
(bench/bare_app.py) whose endpoints do only the unavoidable part (read the same multipart body,
send a page of the same size, send a picture from memory). One load generator, 16 connections,
drives each in turn for the same time: wrk when it is installed (Debian: apt-get install wrk),
else an httpx client (which tops out at a few hundred requests a second, and so understates
the bare server). The ratios are of requests per second in one run. Targets: POST /api/run >= 0.5x the bare multipart endpoint, the run page >= 0.5x a bare
GET, a heatmap >= 0.8x. Then: /healthz latency while four 40-megapixel RGBA PNG uploads run
(target: within 50 ms).
"""

from __future__ import annotations

import asyncio
import io
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import httpx
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import X_PNG, free_port, live_server  # noqa: E402

CONNECTIONS = 16
UNLIMITED = {"CONVLENS_RUNS_PER_MINUTE": "0", "CONVLENS_SAVES_PER_MINUTE": "0"}


def canvas_x() -> bytes:
    """The slides' X as the drawing pad sends it: 280x280."""
    image = Image.open(io.BytesIO(X_PNG)).convert("RGB").resize((280, 280), Image.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


class Bare(NamedTuple):
    url: str
    pid: int


@contextmanager
def bare_server(page_bytes: int, picture: bytes) -> Iterator[Bare]:
    port = free_port()
    env = {**os.environ, "BARE_PAGE_BYTES": str(page_bytes), "BARE_PICTURE": picture.hex()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--port", str(port),
         "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(url + "/page", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield Bare(url, proc.pid)
    finally:
        proc.terminate()
        proc.wait()


MULTIPART = "convlens-bench-boundary"


def multipart(data: bytes) -> bytes:
    return (
        (
            f'--{MULTIPART}\r\nContent-Disposition: form-data; name="image"; filename="x.png"\r\n'
            f"Content-Type: image/png\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{MULTIPART}--\r\n".encode()
    )


def wrk(url: str, path: str, body: bytes | None, seconds: float, vary: bool = False) -> float:
    """Requests per second from wrk (2 threads, CONNECTIONS connections); all must be 200.
    ``vary``: each upload gets different bytes after the PNG's end (decoders ignore them), so
    none is known from before and every one is decoded and run: a token new to this call, the
    wrk thread's number and a count (wrk's threads each start Lua afresh, with the same
    random numbers, so a count or math.random alone repeats across threads and calls)."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "request.lua"
        lines = []
        if body is not None:
            (Path(tmp) / "body").write_bytes(body)
            lines = [
                'wrk.method = "POST"',
                f'local f = io.open("{Path(tmp) / "body"}", "rb"); wrk.body = f:read("*all"); f:close()',
                f'wrk.headers["Content-Type"] = "multipart/form-data; boundary={MULTIPART}"',
            ]
        if vary:
            end = f"\r\n--{MULTIPART}--\r\n"
            lines += [
                f'local tail = "{end.encode("unicode_escape").decode()}"',
                f'local token = "{secrets.token_hex(8)}"',
                "local head = wrk.body:sub(1, #wrk.body - #tail)",
                "local threads, n = 0, 0",
                "setup = function(thread)",
                "  threads = threads + 1",
                "  thread:set('number', threads)",
                "end",
                "request = function()",
                "  n = n + 1",
                "  local mark = token .. '-' .. tostring(number) .. '-' .. tostring(n)",
                "  return wrk.format(nil, nil, nil, head .. mark .. tail)",
                "end",
            ]
        script.write_text("\n".join(lines) + "\n")
        out = subprocess.run(
            ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds:g}s", "-s", str(script), url + path],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    assert "Non-2xx" not in out, out
    return float(out.split("Requests/sec:")[1].split()[0])


async def drive(url: str, make_request, seconds: float) -> float:
    """Requests per second over ``seconds`` with CONNECTIONS clients; every answer must be 200."""
    deadline = time.monotonic() + seconds
    done = 0
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal done
            while time.monotonic() < deadline:
                response = await make_request(client)
                assert response.status_code == 200, (response.status_code, response.text[:200])
                done += 1

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
    return done / (time.monotonic() - started)


def measure(
    generator: str, url: str, path: str, body: bytes | None, seconds: float, vary: bool = False
) -> float:
    if generator == "wrk":
        return wrk(url, path, body, seconds, vary)
    headers = {"Content-Type": f"multipart/form-data; boundary={MULTIPART}"}

    def send(client: httpx.AsyncClient):  # type: ignore[no-untyped-def]
        if body is None:
            return client.get(path)
        return client.post(path, content=body, headers=headers)

    return asyncio.run(drive(url, send, seconds))


def process_cpu(pid: int) -> float:
    """CPU seconds a process has used so far, user and system, all its threads (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_cpu(
    pid: int, url: str, path: str, body: bytes | None, seconds: float, vary: bool = False
) -> tuple[float, float]:
    """``measure`` with wrk, and the CPU milliseconds the server (process ``pid``) spent on
    each request: what a ratio of rates comes from, less noisy than the rates themselves."""
    start = process_cpu(pid)
    rate = measure("wrk", url, path, body, seconds, vary)
    return rate, (process_cpu(pid) - start) / (rate * seconds) * 1e3


def worst_png() -> bytes:
    image = Image.new("RGBA", (8000, 5000), (30, 120, 200, 255))
    ImageDraw.Draw(image).rectangle([2000, 1000, 6000, 4000], (250, 250, 250, 90))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


async def healthz_while_uploading(url: str) -> list[float]:
    """/healthz latencies (ms) sampled while four worst-case uploads run at once."""
    big = worst_png()
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        uploads = [
            asyncio.ensure_future(
                client.post("/api/run", files={"image": ("big.png", big)},
                            data={"preset": "sobel-edges"})
            )
            for _ in range(4)
        ]  # fmt: skip
        await asyncio.sleep(0.3)  # the uploads are in the server now
        latencies = []
        while not all(u.done() for u in uploads):
            start = time.perf_counter()
            assert (await client.get("/healthz")).status_code == 200
            latencies.append((time.perf_counter() - start) * 1e3)
            await asyncio.sleep(0.05)
        statuses = [u.result().status_code for u in uploads]
    print(f"  the four uploads answered {statuses}")
    return latencies


def main(seconds: float = 10) -> None:
    drawing = canvas_x()
    with tempfile.TemporaryDirectory() as tmp, live_server(Path(tmp), **UNLIMITED) as ours:
        run = httpx.post(f"{ours.url}/api/run", files={"image": ("x.png", drawing)}).json()
        page = httpx.get(f"{ours.url}/runs/{run['id']}", params={"step": 3})
        heatmap_path = run["stages"][1]["heatmaps"][0].removeprefix(ours.url)
        heatmap = httpx.get(ours.url + heatmap_path).content
        body = multipart(drawing)
        cases = [
            ("POST /api/run (280x280 X, seed-xo)", ("/api/run", body), ("/upload", body), 0.5),
            ("GET the run page at step 3", (f"/runs/{run['id']}?step=3", None), ("/page", None),
             0.5),
            ("GET a heatmap", (heatmap_path, None), ("/picture", None), 0.8),
        ]  # fmt: skip
        generator = "wrk" if shutil.which("wrk") else "httpx"
        with bare_server(len(page.content), heatmap) as bare:
            print(f"{generator}, {CONNECTIONS} connections, {seconds:g} s each, one process per "
                  "server")  # fmt: skip
            for name, (path, data), (bare_path, bare_data), target in cases:
                mine = measure(generator, ours.url, path, data, seconds)
                theirs = measure(generator, bare.url, bare_path, bare_data, seconds)
                print(f"  {name}: {mine:.0f}/s against bare {theirs:.0f}/s = "
                      f"{mine / theirs:.2f}x (target >= {target}x)")  # fmt: skip
            if generator == "wrk":  # every upload new: decoded and run each time
                mine = measure(generator, ours.url, "/api/run", body, seconds, vary=True)
                theirs = measure(generator, bare.url, "/upload", body, seconds, vary=True)
                print(f"  POST /api/run, every upload new: {mine:.0f}/s against bare "
                      f"{theirs:.0f}/s = {mine / theirs:.2f}x (no target; the cold path)")  # fmt: skip
        latencies = asyncio.run(healthz_while_uploading(ours.url))
        print(f"  /healthz during four 40 MP uploads: median {statistics.median(latencies):.1f} "
              f"ms, max {max(latencies):.1f} ms over {len(latencies)} (target <= 50 ms)")  # fmt: skip


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 10)
