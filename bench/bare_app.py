"""The bare reference for bench/load.py: the same kinds of request, doing only what cannot be
avoided (read the multipart body, send bytes of the same size). Not part of the product."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Annotated

from fastapi import FastAPI, File, UploadFile
from fastapi.responses import HTMLResponse, Response

app = FastAPI()
PAGE = "<!doctype html>" + "x" * int(os.environ.get("BARE_PAGE_BYTES", "20000"))
PICTURE = bytes.fromhex(os.environ.get("BARE_PICTURE", ""))


@app.post("/upload")
async def upload(image: Annotated[UploadFile, File()]) -> dict[str, int]:
    return {"bytes": len(await image.read())}


@app.get("/page", response_class=HTMLResponse)
def page() -> str:
    return PAGE


@app.get("/sized/{size}", response_class=HTMLResponse)
def sized(size: int) -> str:
    """A page of ``size`` bytes, for a page of ours that size (made once)."""
    return _sized(size)


@lru_cache
def _sized(size: int) -> str:
    return "<!doctype html>" + "x" * max(size - 15, 0)


@app.get("/picture")
def picture() -> Response:
    return Response(PICTURE, media_type="image/png")
