"""Lighthouse (mobile, its default: a mid-range phone on a throttled 4G link, simulated), run by
hand, never a test: python bench/lighthouse.py [--keep DIR]

Installs lighthouse 12 from npm into a scratch directory (or reuses --keep), starts
`convlens serve` on a fresh data directory, makes one letters run, then scores the home page, that
run page at stage 0 and with a conv2 cell picked, and two lesson chapters, with Debian's Chromium.
Prints each page's four scores (performance, accessibility, best practices, SEO), FCP, LCP, TBT
and CLS, and every weighted audit that lost points. Target (issue 27): 100/100/100/100 on the
home page, a run page and a lesson chapter.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
FLAGS = "--headless=new --no-sandbox --disable-gpu"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def lighthouse(where: Path) -> Path:
    tool = where / "node_modules" / ".bin" / "lighthouse"
    if not tool.exists():
        where.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(where), "--no-save", "lighthouse@12"],
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    return tool


def score(tool: Path, name: str, url: str, out: Path) -> None:
    report = out / f"{name}.json"
    subprocess.run([str(tool), url, "--quiet", f"--chrome-flags={FLAGS}", "--output=json",
                    f"--output-path={report}"], check=True,
                   env={**os.environ, "CHROME_PATH": CHROMIUM})  # fmt: skip
    found = json.loads(report.read_text())
    scores = "/".join(str(round(c["score"] * 100)) for c in found["categories"].values())
    audits = found["audits"]
    metrics = ", ".join(
        f"{label} {audits[key]['displayValue']}"
        for label, key in (("FCP", "first-contentful-paint"), ("LCP", "largest-contentful-paint"),
                           ("TBT", "total-blocking-time"), ("CLS", "cumulative-layout-shift"))
    )  # fmt: skip
    print(f"{name:<14} {scores:<16} {metrics}")
    for category in found["categories"].values():
        for ref in category["auditRefs"]:
            audit = audits[ref["id"]]
            if ref.get("weight") and audit.get("score") is not None and audit["score"] < 1:
                print(f"    {category['title']}: {ref['id']} {audit.get('displayValue', '')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="where lighthouse is installed (kept)")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="lighthouse-"))
    tool = lighthouse(args.keep or scratch / "npm")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "CONVLENS_DATA_DIR": str(scratch / "data"), "CONVLENS_PORT": str(port)}
    server = subprocess.Popen([sys.executable, "-m", "app.cli", "serve"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        for _ in range(100):
            try:
                httpx.get(base + "/healthz")
                break
            except httpx.TransportError:
                time.sleep(0.2)
        example = (ROOT / "static" / "examples" / "letter-a.png").read_bytes()
        made = httpx.post(base + "/api/run", data={"preset": "letters"},
                          files={"image": ("a.png", example)}).json()  # fmt: skip
        run = f"{base}/runs/{made['id']}"
        pages = {
            "home": base + "/",
            "run": run + "?step=0",
            "run-cell": run + "?step=4&cell=4.3.5.5",
            "lesson-conv": base + "/lesson/convolution",
            "lesson-vote": base + "/lesson/vote",
        }
        print(f"{'page':<14} {'P/A/BP/SEO':<16} metrics (simulated mobile)")
        for name, url in pages.items():
            score(tool, name, url, scratch)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
