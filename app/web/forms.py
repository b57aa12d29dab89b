"""What the pages' forms send: the picture a person chose (drawn, uploaded or an example)."""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import FormData, UploadFile

from ..service import EngineError


def _upload(form: FormData, name: str) -> UploadFile | None:
    value = form.get(name)
    return value if isinstance(value, UploadFile) and value.filename else None


def chosen_picture(form: FormData) -> tuple[UploadFile | None, str | None]:
    """The home form's picture: its 'source' field says draw, upload or example."""
    source = str(form.get("source") or "")
    uploads = {"draw": _upload(form, "drawing"), "upload": _upload(form, "image")}
    example = form.get("example")
    example = example if isinstance(example, str) and example else None
    if source in uploads:
        if uploads[source] is None:
            what = "draw something first" if source == "draw" else "choose a picture to upload"
            raise EngineError("image", what)
        return uploads[source], None
    if source == "example":
        return None, example
    return uploads["upload"] or uploads["draw"], example


async def picture_bytes(request: Request, field: str, missing: str) -> bytes:
    """The bytes of the form's picture ``field`` (EngineError when none was sent)."""
    form = await request.form()
    try:
        picture = form.get(field)
        if picture is None or isinstance(picture, str) or not picture.filename:
            raise EngineError("image", missing)
        return await picture.read()
    finally:
        await form.close()
