"""Class boards (issue 26): a teacher makes one and gets a code, a QR code and a private link;
students join by code, draw and send (each an anonymous session); the teacher hides and removes
drawings, closes the board and trains; students test the class's network. Abuse is a clear 4xx."""

from __future__ import annotations

import httpx
import pytest

from app.settings import Settings
from app.web import create_app
from tests.helpers import parse
from tests.test_learn_pages import HTMX, SAME, drawn

pytestmark = pytest.mark.anyio
DAY = 86400.0


def student(app) -> httpx.AsyncClient:
    """A phone: its own cookie jar, so its own session."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def make_board(client: httpx.AsyncClient, classes=("X", "O")) -> tuple[str, str]:
    made = await client.post("/boards", data={"class": list(classes)}, headers=SAME)
    assert made.status_code == 303
    url = httpx.URL(made.headers["location"])
    return url.path, url.params["token"]


def pictures(n_x: int, n_o: int) -> list[tuple[int, tuple[str, bytes, str]]]:
    """(label, file) for drawings of X and O, as a pad sends them."""
    return [(0 if name == "class-0" else 1, (file[0], file[1], file[2]))
            for name, file in drawn(n_x, n_o)]  # fmt: skip


async def send(phone: httpx.AsyncClient, board: str, label: int, file) -> httpx.Response:
    return await phone.post(f"{board}/send", data={"label": str(label)},
                            files={"drawing": file}, headers=HTMX)  # fmt: skip


def counts(html: str) -> list[int]:
    return [int(n.text) for n in parse(html).find_all("span", class_="board-count")]


@pytest.fixture
async def app(settings):
    made = create_app(settings)
    async with made.router.lifespan_context(made):
        yield made


async def test_students_join_send_and_the_teacher_keeps_the_board(app):
    async with student(app) as teacher:
        board, token = await make_board(teacher)
        page = parse((await teacher.get(board, params={"token": token})).text)
        code = page.one("p", class_="board-code").text
        assert len(code) == 6
        qr = await teacher.get(f"{board}/qr.svg")
        assert qr.headers["content-type"] == "image/svg+xml" and b"<svg" in qr.content
        phones = [student(app) for _ in range(3)]
        files = pictures(3, 3)
        for i, phone in enumerate(phones):
            joined = await phone.get(f"/join/{code.lower()}")  # any case
            assert joined.status_code == 303 and httpx.URL(joined.headers["location"]).path == board
            for label, file in files[2 * i : 2 * i + 2]:
                sent = await send(phone, board, label, file)
                assert sent.status_code == 200 and "is on the board" in sent.text
        seen = (await teacher.get(board, params={"token": token})).text
        assert counts(seen) == [3, 3]

        thumbs = parse(seen).find_all("img")
        first = next(i.attrs["src"] for i in thumbs if "/drawings/" in i.attrs["src"])
        drawing_id = first.split("/drawings/")[1].split(".png")[0]
        forbidden = await phones[0].post(f"{board}/drawings/{drawing_id}/hide",
                                         data={"token": "guess"}, headers=HTMX)  # fmt: skip
        assert forbidden.status_code == 403 and "Only the teacher" in forbidden.text
        hidden = await teacher.post(f"{board}/drawings/{drawing_id}/hide", data={"token": token},
                                    headers=HTMX)  # fmt: skip
        assert counts(hidden.text) == [2, 3]
        students_view = (await phones[1].get(board)).text
        assert counts(students_view) == [2, 3] and drawing_id not in students_view
        assert (await phones[1].get(f"{board}/drawings/{drawing_id}.png")).status_code == 404
        assert (await teacher.get(first)).status_code == 200  # the teacher still sees it
        await teacher.post(f"{board}/drawings/{drawing_id}/remove", data={"token": token},
                           headers=HTMX)  # fmt: skip
        assert drawing_id not in (await teacher.get(board, params={"token": token})).text

        not_yet = await teacher.post(f"{board}/train", data={"token": token}, headers=HTMX)
        assert not_yet.status_code == 422
        assert "'X' has 2 drawings" in parse(not_yet.text).one("div", role="alert").text
        label, file = pictures(4, 0)[3]
        await send(phones[2], board, label, file)
        trained = await teacher.post(f"{board}/train", data={"token": token}, headers=HTMX)
        assert trained.status_code == 204 and "/learn/" in trained.headers["hx-redirect"]
        training = httpx.URL(trained.headers["hx-redirect"]).path
        await teacher.post(f"{training}/epoch", headers=SAME)
        tried = await phones[0].post(f"{board}/try", files={"drawing": files[0][1]}, headers=HTMX)
        assert tried.status_code == 200, tried.text
        assert parse(tried.text).one("strong", class_="board-read").text in ("X", "O")
        assert training in (await phones[0].get(board)).text  # students see the network's link

        closed = await teacher.post(f"{board}/close", data={"token": token}, headers=HTMX)
        assert "Closed" in closed.text
        refused = await send(phones[0], board, *files[0])
        assert refused.status_code == 409 and "closed" in refused.text
        for phone in phones:
            await phone.aclose()


async def test_bad_boards_codes_classes_and_floods_are_told(tmp_path):
    settings = Settings(data_dir=tmp_path, drawings_per_minute=3, max_drawings_per_class=3)
    app = create_app(settings)
    async with app.router.lifespan_context(app), student(app) as teacher, student(app) as phone:
        too_long = await teacher.post("/boards", data={"class": ["X" * 500, "O"]}, headers=HTMX)
        assert too_long.status_code == 422 and "at most 20 characters" in too_long.text
        one = await teacher.post("/boards", data={"class": ["X", ""]}, headers=HTMX)
        assert one.status_code == 422 and "2 to 6 classes" in one.text
        assert (await phone.get("/join/ZZZZZZ")).status_code == 404
        assert (await phone.get("/join", params={"code": "nope"})).status_code == 404
        assert (await phone.get("/boards/" + "a" * 32)).status_code == 404
        board, _ = await make_board(teacher)
        wrong = await phone.get(board, params={"token": "not-the-key"})
        assert wrong.status_code == 403
        files = pictures(4, 0)
        no_class = await send(phone, board, 7, files[0][1])
        assert no_class.status_code == 422 and "classes are X, O" in no_class.text
        for _, file in files[:2]:  # the refused one counted too: 3 a minute
            assert (await send(phone, board, 0, file)).status_code == 200
        flood = await send(phone, board, 0, files[2][1])
        assert flood.status_code == 429 and parse(flood.text).one("div", role="alert")


async def test_a_board_no_one_opens_goes_with_its_drawings(app):
    async with student(app) as teacher:
        board, token = await make_board(teacher)
        label, file = pictures(1, 0)[0]
        assert (await send(teacher, board, label, file)).status_code == 200
        service, board_id = app.state.service, board.rsplit("/", 1)[1]
        assert len(service.boards.store.board_drawings(board_id)) == 1
        base = service.clock()
        service.clock.now = lambda: base + 8 * 7 * DAY
        removed = service.retention.prune()
        assert board_id in removed
        assert (await teacher.get(board, params={"token": token})).status_code == 404
        assert service.boards.store.board_drawings(board_id) == []  # its drawings went too


async def test_a_class_together_may_draw_more_than_one_learner(tmp_path):
    """A board's class holds four times what one learner's may, and trains on all of it."""
    app = create_app(Settings(data_dir=tmp_path, drawings_per_minute=0, max_drawings_per_class=3))
    async with app.router.lifespan_context(app), student(app) as teacher:
        board, token = await make_board(teacher)
        files = pictures(4, 3)
        phones = [student(app) for _ in range(3)]
        for phone, label in zip(phones, (0, 0, 1), strict=True):
            for _, file in [f for f in files if f[0] == label][:3]:
                assert (await send(phone, board, label, file)).status_code == 200
            too_many = await send(phone, board, label, files[0][1])
            assert too_many.status_code == 422 and "the most one may" in too_many.text
        assert counts((await teacher.get(board, params={"token": token})).text) == [6, 3]
        trained = await teacher.post(f"{board}/train", data={"token": token}, headers=HTMX)
        assert trained.status_code == 204  # 6 X's: more than one learner's 3, within 12
        for phone in phones:
            await phone.aclose()
