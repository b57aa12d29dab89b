"""The lesson: its chapter list, one page per chapter, and the uploads of chapters 1 and 7."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..service import (
    CHAPTERS,
    UPLOADS,
    NotFound,
    Place,
    Service,
    chapter_number,
    letters_spec,
    question,
)
from .deps import (
    VARY,
    LinksDep,
    Mode,
    ModeParams,
    Render,
    RenderDep,
    RunLimit,
    SameSite,
    ServiceDep,
    absolute,
)
from .forms import picture_bytes
from .links import Links, with_query
from .security import content_security_policy

router = APIRouter(tags=["pages"], include_in_schema=False)  # HTML: not in the API contract

Side = Annotated[int, Query(ge=1, le=4096, description="a picture's side in pixels")]


async def place_params(
    row: Annotated[int | None, Query(ge=0, le=99, description="a window's row")] = None,
    col: Annotated[int | None, Query(ge=0, le=99, description="a window's column")] = None,
    feature: Annotated[int, Query(ge=0, le=2, description="which of the X's features")] = 0,
    width: Side = Place.width,
    height: Side = Place.height,
    channels: Annotated[int, Query(ge=1, le=4, description="colour channels")] = Place.channels,
    kernel: Annotated[int, Query(ge=1, le=11, description="a filter's side")] = Place.kernel,
    run: Annotated[str | None, Query(max_length=64, description="the learner's picture")] = None,
    dx: Annotated[int, Query(ge=-2, le=2, description="chapter 6: the X shifted right")] = 0,
    dy: Annotated[int, Query(ge=-2, le=2, description="chapter 6: the X shifted down")] = 0,
    turn: Annotated[int, Query(ge=0, le=45, description="chapter 6: the X turned, degrees")] = 0,
    v: Annotated[list[str] | None, Query(max_length=200, description="chapter 11's values")] = None,
    again: Annotated[bool, Query(description="chapter 10: the second pass taken")] = False,
    flip: Annotated[str | None, Query(max_length=600, description="chapter 3's pixels")] = None,
    picture: Annotated[str | None, Query(max_length=40, description="chapter 7's example")] = None,
    gx: Annotated[list[str] | None, Query(max_length=100, description="chapter 7's Gx")] = None,
) -> Place:
    # numbers come as 'v=1,2,...' (a link) or 'v=1&v=2...' (a form)
    vector, sobel = (",".join(n) if n else None for n in (v, gx))
    return Place(row, col, feature, width, height, channels, kernel, run, dx, dy, turn, vector,
                 again, flip, picture, sobel)  # fmt: skip


@router.get("/lesson", response_class=HTMLResponse, name="lesson")
async def lesson(
    service: ServiceDep, render: RenderDep, links: LinksDep, mode: ModeParams
) -> Response:
    """The chapter list: the same for everyone in a mode, so built once and kept."""

    def build() -> bytes:
        return bytes(render("lesson_index.html", {
            "chapters": list(enumerate(CHAPTERS, 1)),
            "chapter_at": lambda slug: chapter_link(links, "chapter", slug, mode),
        }).body)  # fmt: skip

    return HTMLResponse(await service.kept.built("lesson", mode.key, build))


def chapter_link(links: Links, route: str, slug: str, mode: Mode) -> str:
    """A chapter's address in the lesson (``route`` 'chapter') or an embed, in the page's mode."""
    return with_query(links.path(route, slug=slug), **mode.query)


@router.get("/lesson/{slug}", response_class=HTMLResponse, name="chapter")
async def chapter(
    service: ServiceDep, render: RenderDep, links: LinksDep, slug: str,
    place: Annotated[Place, Depends(place_params)], mode: ModeParams,
) -> Response:  # fmt: skip
    """One chapter, computed once for its place and kept; for htmx (a window moved, a size
    changed) only its body."""
    return await kept_chapter(service, render, links, slug, place, mode, "chapter")


@router.get("/embed/lesson/{slug}", response_class=HTMLResponse, name="embed_chapter")
async def embed_chapter(
    service: ServiceDep, render: RenderDep, links: LinksDep, slug: str,
    place: Annotated[Place, Depends(place_params)], mode: ModeParams,
) -> Response:  # fmt: skip
    """A chapter for an iframe in a post or a slide: the lesson's one page other sites may
    frame. Its controls stay inside it; the upload (which would open a new page) is left out."""
    framed = {"Content-Security-Policy": content_security_policy(frame_ancestors="*")}
    page = await kept_chapter(service, render, links, slug, place, mode, "embed_chapter")
    page.headers.update(framed)
    return page


async def kept_chapter(
    service: Service, render: Render, links: Links, slug: str, place: Place, mode: Mode,
    route: str,
) -> Response:  # fmt: skip
    """A chapter's page (or its body, for htmx) at a place: every chapter is worked out from
    its URL alone (and the learner's run, checked to be still stored), so it is built once."""
    page = "lesson_embed.html" if route == "embed_chapter" else "lesson.html"

    def build() -> bytes:
        context = chapter_context(service, links, slug, place, mode, route)
        return bytes(render.page_or_fragment(page, "_chapter.html", context).body)

    check = partial(service.retention.check, place.run) if place.run else None
    key = f"{route}|{slug}|{place!r}|{mode.key}|{render.htmx}"
    return HTMLResponse(await service.kept.built("chapter", key, build, check),
                        headers={"Vary": VARY})  # fmt: skip


def chapter_context(
    service: Service, links: Links, slug: str, place: Place, mode: Mode, route: str
) -> dict[str, Any]:
    """What a chapter's templates read; its links go to ``route`` (the lesson or the embed)."""
    number = chapter_number(slug)  # NotFound (404) for a slug the lesson does not have
    chapter = CHAPTERS[number - 1]

    def chapter_at(other: str) -> str:
        return chapter_link(links, route, other, mode)

    data = chapter.data(service.runs, place)
    return {
        "chapter": chapter,
        "number": number,
        "total": len(CHAPTERS),
        "back": CHAPTERS[number - 2] if number > 1 else None,
        "next": CHAPTERS[number] if number < len(CHAPTERS) else None,
        "place": place,
        "here": chapter_at(slug),
        "chapter_at": chapter_at,
        "lesson_at": with_query(links.path("lesson"), **mode.query),
        "embedded": route == "embed_chapter",
        "with_query": with_query,
        **data,
        "question": question(slug, data),
    }


@router.post("/lesson/learning", name="chapter_guess", dependencies=[SameSite, RunLimit])
async def chapter_guess(request: Request, service: ServiceDep, render: RenderDep) -> Response:
    """Chapter 12: the trained network's guess for the learner's drawing, shown in place."""
    data = await picture_bytes(request, "drawing", "draw a letter or digit on the pad first")
    made = await service.cpu(service.runs.run_image, data, letters_spec())
    return render("lesson/_guess.html", {"run": made, "last": made.last})


@router.post("/lesson/{slug}", name="chapter_upload", dependencies=[SameSite, RunLimit])
async def chapter_upload(
    request: Request, service: ServiceDep, links: LinksDep, render: RenderDep, slug: str
) -> Response:
    """A chapter (1 or 7) with the learner's own picture: run it, then open the chapter on it."""
    if slug not in UPLOADS:
        takers = " and ".join(str(chapter_number(name)) for name in UPLOADS)
        raise NotFound(f"this chapter takes no picture; chapters {takers} do")
    data = await picture_bytes(request, "image", "choose a picture to upload")
    made = await service.cpu(UPLOADS[slug], service.runs, data)
    url = absolute(request, with_query(links.path("chapter", slug=slug), run=made.id))
    if render.htmx:
        return Response(status_code=204, headers={"HX-Location": url})
    return RedirectResponse(url, status_code=303)
