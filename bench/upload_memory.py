"""Memory of a server under worst-case uploads, run by hand (never a timed test):
python bench/upload_memory.py [checkout]

Starts `convlens serve` from this checkout (or another one, to compare: its own app/), waits
for it, and sends 8 worst-case uploads at once through an RGB 1024x1024 spec: four 40 MP PNGs
with a see-through band and four 12 MP WebPs (the largest WebP this server takes; one of 40 MP
is refused at once). Prints the server's resident memory before, its peak (VmHWM) after, and
what each upload was answered. Target: the process stays under 1 GB.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from PIL import Image, ImageDraw

SPEC = json.dumps({"input": {"mode": "rgb", "size": [1024, 1024]}, "stages": [{"kind": "relu"}]})


def picture(kind: str, seed: int) -> bytes:
    """A worst case: a 40 MP RGBA PNG, or a 12 MP WebP; each a little different, so no upload is
    answered from memory."""
    buffer = io.BytesIO()
    if kind == "png":
        image = Image.new("RGBA", (8000, 5000), (30, 120, 200, 255))
        ImageDraw.Draw(image).rectangle([seed, 1000, 6000, 4000], (250, 250, 250, 90))
        image.save(buffer, "PNG")
    else:
        Image.new("RGB", (4000, 3000), (seed, 120, 200)).save(buffer, "WEBP", lossless=True)
    return buffer.getvalue()


def memory(pid: int) -> dict[str, float]:
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            found[line.split(":")[0]] = int(line.split()[1]) / 1024
    return found


def main(checkout: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = tempfile.mkdtemp()
    env = {**os.environ, "CONVLENS_DATA_DIR": data, "CONVLENS_PORT": str(port),
           "CONVLENS_RUNS_PER_MINUTE": "0", "CONVLENS_REQUEST_SECONDS": "120"}  # fmt: skip
    code = f"import sys; sys.path.insert(0, {str(checkout)!r}); from app.cli import main; main(['serve'])"
    server = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(url + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        uploads = [picture("png" if i % 2 else "webp", i) for i in range(8)]
        before = memory(server.pid)

        def send(data: bytes) -> str:
            answer = httpx.post(url + "/api/run", files={"image": ("p", data)},
                                data={"spec": SPEC}, timeout=300)  # fmt: skip
            return f"{answer.status_code} {answer.json().get('detail', '')[:60]}"

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(send, uploads))
        after = memory(server.pid)
        print(f"{checkout}: resident before {before['VmRSS']:.0f} MB, peak {after['VmHWM']:.0f} MB "
              f"(target < 1024 MB)")  # fmt: skip
        for kind, said in zip(["webp", "png"] * 4, answers, strict=True):
            print(f"  {kind}: {said}")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent)
