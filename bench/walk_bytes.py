"""Bytes on the wire for a letters walk, by hand: python bench/walk_bytes.py

A first visit to a letters run (its page at stage 0, every stylesheet and script it links, its
pictures) and then Next through every stage, as the Next button asks for each fragment, with its
pictures: the requests and the bytes as sent, once with the browser's Accept-Encoding (gzip) and
once without. Issue 29's target: <= 100 KB on the wire.
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from explorer import HX, NEXT, app_client, image_urls, next_link

LINKED = re.compile(r'(?:href|src)="(/static/[^"]+)"')


async def walk(client: httpx.AsyncClient, encoding: str) -> tuple[int, int]:
    """(requests, bytes received) for the first visit and the walk."""
    headers = {"Accept-Encoding": encoding}
    sent = await client.post(
        "/runs", data={"source": "example", "example": "letter-a", "preset": "letters"},
        headers=HX,
    )  # fmt: skip
    page = await client.get(sent.headers["HX-Location"], headers=headers)
    got = [page]
    for url in dict.fromkeys(LINKED.findall(page.text)):
        got.append(await client.get(url, headers=headers))
    got += [await client.get(url, headers=headers) for url in image_urls(page.text)]
    stages = int(page.text.split("Stage 0 of ")[1].split(":")[0]) + 1
    text = page.text
    for _ in range(1, stages):
        fragment = await client.get(next_link(text), headers={**NEXT, **headers})
        text = fragment.text
        got.append(fragment)
        got += [await client.get(url, headers=headers) for url in image_urls(text)]
    assert all(r.status_code == 200 for r in got)
    return len(got), sum(r.num_bytes_downloaded for r in got)


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with app_client(Path(tmp)) as client:
            for encoding in ("gzip, deflate", "identity"):
                requests, size = await walk(client, encoding)
                print(f"Accept-Encoding {encoding}: {requests} requests, {size / 1024:.0f} KB "
                      "(target <= 100 KB)")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
