"""Explorer benchmark, run by hand (never a timed test): python bench/explorer.py

Measures the server's own time (the ASGI app called in-process, no sockets) for two inputs:
the slides' 9x9 X (as the example picture) and a drawn 280x280 canvas (a new random drawing each
round, so nothing is cached), through the seed-xo preset and the learned letters network.
  - first stage: POST /runs (the form as the page sends it) + GET /runs/{id}?step=0, the page
    the browser then opens; target: median <= 15 ms;
  - walk: every 'Next' fragment (fetched as the page's Next button does) and every stage's picture (one sheet of its maps);
    target: median <= 60 ms;
  - bytes of each stage's HTML plus its images; target: <= 40 KB each.
"""

from __future__ import annotations

import asyncio
import html
import io
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import httpx
import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.settings import Settings
from app.web import create_app

T = TypeVar("T")
ROUNDS = 40
HX = {"HX-Request": "true"}
NEXT = {**HX, "HX-Target": "ol#stages"}


def drawing(rng: np.random.Generator) -> bytes:
    """A 280x280 canvas as the page sends it: two or three thick black strokes on white."""
    img = Image.new("RGB", (280, 280), "white")
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(2, 4))):
        points = [tuple(rng.uniform(30, 250, 2)) for _ in range(int(rng.integers(2, 5)))]
        draw.line(points, fill="black", width=int(rng.integers(14, 26)), joint="curve")
    buffer = io.BytesIO()
    img.save(buffer, "PNG")
    return buffer.getvalue()


def image_urls(html: str) -> list[str]:
    """The stage pictures a page or fragment draws its maps from (one sheet per stage)."""
    found = [part.split('"', 1)[0] for part in html.split('href="')[1:]]
    return list(dict.fromkeys(url for url in found if url.split("?")[0].endswith("/maps.png")))


async def timed(work: Awaitable[T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = await work
    return time.perf_counter() - start, result


async def first_stage(
    client: httpx.AsyncClient, form: dict[str, str], files: dict[str, tuple[str, bytes, str]] | None
) -> tuple[str, str]:
    response = await client.post("/runs", data=form, files=files, headers=HX)
    assert response.status_code == 204, response.text
    location = response.headers["HX-Location"]
    page = await client.get(location)
    assert page.status_code == 200
    return location.split("/runs/")[1].split("?")[0], page.text


def next_link(page: str) -> str:
    """Where the page's Next button fetches its fragment from (its hx-get)."""
    nav = page.split('rel="next"', 1)[1]
    return html.unescape(nav.split('hx-get="', 1)[1].split('"', 1)[0])


async def walk(client: httpx.AsyncClient, page: str, stages: int) -> list[int]:
    """Every Next fragment, as the Next button asks for it, and its pictures; the bytes of each
    stage (fragment + images)."""
    sizes = []
    for _ in range(1, stages):
        fragment = await client.get(next_link(page), headers=NEXT)
        page = fragment.text
        total = len(fragment.content)
        for url in image_urls(fragment.text):
            total += len((await client.get(url)).content)
        sizes.append(total)
    return sizes


async def bench(
    name: str,
    client: httpx.AsyncClient,
    other: httpx.AsyncClient,
    make_input: Callable[[], tuple[dict[str, str], dict[str, tuple[str, bytes, str]] | None]],
) -> None:
    """``client`` runs the pictures; ``other``, a second app on the same database (as another
    worker would be), walks the stages, so the walk recomputes from the database."""
    firsts, walks = [], []
    sizes: list[list[int]] = []
    for _ in range(ROUNDS):
        form, files = make_input()
        seconds, (_rid, page) = await timed(first_stage(client, form, files))
        firsts.append(seconds)
        stages = int(page.split("Stage 0 of ")[1].split(":")[0]) + 1
        first_bytes = len(page.encode())
        for url in image_urls(page):
            first_bytes += len((await client.get(url)).content)
        seconds, walk_sizes = await timed(walk(other, page, stages))
        walks.append(seconds)
        sizes.append([first_bytes, *walk_sizes])
    largest = np.max(np.array(sizes), axis=0)
    print(f"{name}:")
    print(f"  POST -> first stage HTML: median {statistics.median(firsts) * 1e3:.2f} ms "
          f"(target <= 15 ms)")  # fmt: skip
    print(f"  walk through all {len(largest)} stages (fragments + heatmaps): median "
          f"{statistics.median(walks) * 1e3:.2f} ms (target <= 60 ms)")  # fmt: skip
    per_stage = ", ".join(f"{b / 1024:.1f}" for b in largest)
    print(f"  bytes per stage, HTML + images, largest seen (KB): {per_stage} (target <= 40 each)")


@asynccontextmanager
async def app_client(data_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(data_dir=data_dir, runs_per_minute=0))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            yield client


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with app_client(Path(tmp)) as client, app_client(Path(tmp)) as other:
            example = {"source": "example", "example": "x", "preset": "seed-xo"}
            await bench("slides' 9x9 X", client, other, lambda: (example, None))
            rng = np.random.default_rng(0)
            for preset in ("seed-xo", "letters"):
                await bench(
                    f"drawn 280x280 canvas, {preset}",
                    client,
                    other,
                    lambda preset=preset: (  # type: ignore[misc]
                        {"source": "draw", "preset": preset},
                        {"drawing": ("drawing.png", drawing(rng), "image/png")},
                    ),
                )


if __name__ == "__main__":
    asyncio.run(main())
