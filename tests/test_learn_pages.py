"""The learn pages (issue 24): a set drawn into classes becomes a training; its page steps,
trains by itself at a pace kept in the store (two viewers never double it, Pause stops it),
rewinds exactly, opens any step in the explorer, and says what is wrong with bad input in place."""

from __future__ import annotations

import re

import httpx
import numpy as np
import pytest

from app.learn import made
from app.settings import Settings
from app.web import create_app
from tests.helpers import parse
from tests.test_trainings import client_of, png_of

pytestmark = pytest.mark.anyio
SAME = {"sec-fetch-site": "same-origin"}
HTMX = {**SAME, "hx-request": "true"}


class Clock:
    def __init__(self) -> None:
        self.t = 1_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
async def app_clock(settings):
    app, clock = create_app(settings), Clock()
    async with app.router.lifespan_context(app), client_of(app) as client:
        app.state.service.clock.now = clock
        yield app, client, clock


async def start(client: httpx.AsyncClient) -> str:
    made_set = await client.post("/learn", data={"start": "x-vs-o"}, headers=SAME)
    assert made_set.status_code == 303
    return httpx.URL(made_set.headers["location"]).path


def status(html: str) -> str:
    return parse(html).one("p", class_="learn-status").text


def streams(html: str) -> bool:
    """Whether the page connects to its live view."""
    return any("hx-sse:connect" in n.attrs for n in parse(html).find_all("div"))


def drawn(n_x: int, n_o: int) -> list[tuple[str, tuple[str, bytes, str]]]:
    x, y = made.drawings("XO", max(n_x, n_o), seed=9)
    files = []
    for label, n in ((0, n_x), (1, n_o)):
        for ink in x[y == label][:n]:
            files.append((f"class-{label}", ("d.png", png_of(ink[0]), "image/png")))
    return files


async def test_a_drawn_set_becomes_a_training_whose_page_shows_it(client):
    page = await client.get("/learn")
    assert page.status_code == 200 and "Teach a network" in page.text
    answer = await client.post(
        "/learn", data={"class": ["X", "O", ""]}, files=drawn(5, 3), headers=SAME
    )
    assert answer.status_code == 303
    html = (await client.get(answer.headers["location"])).text
    page = parse(html)
    assert page.one("h1").text == "Teach a network: X vs O"
    drawings = page.one("section", class_="learn-set")
    assert len(drawings.find_all("a", class_="thumb")) == 8
    assert len(drawings.find_all("a", class_="held")) == 1  # X's fifth
    assert "Step 0" in status(html) and streams(html)


BLANK = ("class-0", ("blank.png", png_of(np.zeros((28, 28))), "image/png"))


@pytest.mark.parametrize(
    ("form", "files", "says"),
    [
        ({"class": ["X", "O"]}, drawn(3, 1), "'O' has 1 drawing: draw at least 3"),
        ({"class": ["X" * 500, "O"]}, drawn(3, 3), "a class name has at most 20 characters"),
        ({"class": ["", "O"]}, drawn(3, 3), "class 1 has drawings but no name"),
        ({"class": ["X", "O"]}, [], "draw at least 3 examples of each class"),
        ({"class": ["X", "O"]}, [BLANK, *drawn(2, 3)], "drawing 1 of 'X': there is no ink"),
    ],
)  # fmt: skip
async def test_a_set_that_cannot_be_trained_is_told_in_place(client, form, files, says):
    answer = await client.post("/learn", data=form, files=files, headers=HTMX)
    assert answer.status_code == 422
    assert says in parse(answer.text).one("div", role="alert").text
    assert answer.headers["content-type"].startswith("text/html")


async def test_on_learned_features_it_shows_a_from_scratch_run_beside(client):
    made = await client.post("/learn", data={"start": "x-vs-o", "way": "features"}, headers=SAME)
    page = httpx.URL(made.headers["location"]).path
    board = parse((await client.post(f"{page}/epoch", headers=HTMX)).text)
    figure = board.find_all("figure", class_="panel")[0]
    assert "16 filters" in figure.text and "frozen" in figure.text
    assert "from scratch, step 1" in figure.text  # its twin, at the same step
    slow = parse((await client.get(f"{page}/steps/1")).text)
    assert "The first layers do not move" in slow.one("h2", id="conv-title").text
    picked = await client.get(f"{page}/steps/1?filter=1&row=1&col=1")
    assert picked.status_code == 422 and "does not learn" in picked.text


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [("kernel", "4", "kernel is 3 to 7 in steps of 2"), ("filters", "99", "filters is 1 to 16"),
     ("rotate", "-5", "rotate is a whole number"), ("way", "magic", "a training learns")],
)  # fmt: skip
async def test_network_settings_out_of_bounds_are_told_in_place(client, field, value, says):
    answer = await client.post("/learn", data={"start": "x-vs-o", field: value}, headers=HTMX)
    assert answer.status_code == 422 and says in parse(answer.text).one("div", role="alert").text


async def test_step_and_epoch_move_it_on_by_hand(client):
    page = await start(client)
    one = await client.post(f"{page}/step", headers=HTMX)
    assert one.status_code == 200 and "step 1" in status(one.text).lower()
    epoch = await client.post(f"{page}/epoch", data={"probe": "3"}, headers=HTMX)
    assert "Step 2" in status(epoch.text)  # 14 trained drawings, a batch of 16: one step
    plain = await client.post(f"{page}/step", headers=SAME)  # scripts off: back to the page
    assert plain.status_code == 303 and plain.headers["location"].endswith(f"{page}?probe=0")


async def test_it_trains_at_the_stored_pace_and_pause_stops_it(app_clock):
    app, client, clock = app_clock
    page = await start(client)
    tid = page.rsplit("/", 1)[1]
    pacing = app.state.service.pacing
    await client.post(f"{page}/train", data={"speed": "10"}, headers=HTMX)
    clock.t += 0.55
    assert pacing.move(tid).record.step == 5
    assert not pacing.move(tid).moved  # a second viewer at the same moment adds nothing
    clock.t += 0.3
    assert pacing.move(tid).record.step == 8
    clock.t += 60  # nobody watched for a minute: at most a second is caught up
    assert pacing.move(tid).record.step == 18
    paused = await client.post(f"{page}/pause", headers=HTMX)
    assert "paused" in status(paused.text)
    clock.t += 5
    assert pacing.move(tid).record.step == 18 and not pacing.move(tid).moved


async def test_it_stops_by_itself_once_it_reads_every_drawing(app_clock):
    app, client, _ = app_clock
    page = await start(client)
    tid = page.rsplit("/", 1)[1]
    await client.post(f"{page}/train", data={"speed": "0"}, headers=HTMX)
    for _ in range(100):
        record = app.state.service.pacing.move(tid).record
        if not record.running:
            break
    assert record.stopped == "it has read every training drawing right for 50 steps"
    board = await client.get(page)
    assert f"Stopped at step {record.step}" in status(board.text)
    again = await client.post(f"{page}/train", data={"speed": "0"}, headers=HTMX)
    assert again.status_code == 200
    assert app.state.service.pacing.move(tid).record.step > record.step  # Train goes on


async def test_past_the_running_slots_train_is_a_503_in_words(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", max_running_trainings=1)
    app = create_app(settings)
    async with app.router.lifespan_context(app), client_of(app) as client:
        first, second = await start(client), await start(client)
        assert (await client.post(f"{first}/train", headers=HTMX)).status_code == 200
        refused = await client.post(f"{second}/train", headers=HTMX)
        assert refused.status_code == 503 and refused.headers["retry-after"] == "30"
        assert "all 1 training slots are in use" in refused.text
        await client.post(f"{first}/pause", headers=HTMX)
        assert (await client.post(f"{second}/train", headers=HTMX)).status_code == 200


def pictures(html: str) -> list[str | None]:
    return [img["src"] for img in parse(html).one("div", id="live").find_all("img")]


async def test_a_rewound_step_is_the_step_as_it_was(settings):
    app, other = create_app(settings), create_app(settings)
    async with (app.router.lifespan_context(app), other.router.lifespan_context(other),
                client_of(app) as client, client_of(other) as elsewhere):  # fmt: skip
        page = await start(client)
        for _ in range(12):
            await client.post(f"{page}/step", headers=HTMX)
        at_12 = await client.get(page)
        await client.post(f"{page}/settings", data={"rate": "0.03"}, headers=HTMX)
        for _ in range(13):
            await client.post(f"{page}/step", headers=HTMX)
        back = await client.get(f"{page}?step=12")
        assert "Showing step 12 of 25 (rewound)" in status(back.text)
        assert pictures(back.text) == pictures(at_12.text)
        assert not streams(back.text)
        now, cold = await client.get(page), await elsewhere.get(f"{page}?step=25")
        assert pictures(now.text) == pictures(cold.text)  # replayed through the change
        assert (await client.get(f"{page}?step=26")).status_code == 404


async def test_a_step_opens_in_the_explorer_as_a_pipeline(client):
    page = await start(client)
    for _ in range(5):
        await client.post(f"{page}/step", headers=HTMX)
    opened = await client.post(f"{page}/explore", data={"step": "5", "probe": "9"}, headers=SAME)
    assert opened.status_code == 303 and "/runs/" in opened.headers["location"]
    run = await client.get(opened.headers["location"] + "?step=6")
    assert run.status_code == 200
    labels = {b.text for b in parse(run.text).find_all("button", class_="label")}
    assert labels == {"X", "O"}


async def test_an_unknown_training_is_a_clear_404(client):
    for path in ("/learn/nosuchtraining0000000000000000", "/learn/../etc"):
        answer = await client.get(path)
        assert answer.status_code == 404
    unknown = "/learn/nosuchtraining0000000000000000"
    assert (await client.post(f"{unknown}/step", headers=HTMX)).status_code == 404
    assert re.search("no training", (await client.get(unknown)).text)


async def test_reset_starts_a_new_training_and_leaves_the_old_one(client):
    page = await start(client)
    for _ in range(3):
        await client.post(f"{page}/step", headers=HTMX)
    same = await client.post(f"{page}/reset", data={"seed": "same"}, headers=SAME)
    fresh = httpx.URL(same.headers["location"]).path
    assert fresh != page and "Step 0" in status((await client.get(fresh)).text)
    for _ in range(3):
        await client.post(f"{fresh}/step", headers=HTMX)
    assert (
        pictures((await client.get(fresh)).text)[:2] == pictures((await client.get(page)).text)[:2]
    )
    other = await client.post(f"{page}/reset", data={"seed": "new"}, headers=SAME)
    reseeded = httpx.URL(other.headers["location"]).path
    assert (
        pictures((await client.get(reseeded)).text)[0] != pictures((await client.get(page)).text)[0]
    )
    assert "Step 3" in status((await client.get(page)).text)  # the old one is as it was


async def test_a_step_compares_with_step_0_on_the_same_drawing(client):
    page = await start(client)
    for _ in range(4):
        await client.post(f"{page}/step", headers=HTMX)
    board = parse((await client.get(page)).text)
    assert "Compare with step 0" in [b.text for b in board.find_all("button")]
    opened = await client.post(
        f"{page}/compare", data={"step": "4", "against": "0", "probe": "2"}, headers=SAME
    )
    assert opened.status_code == 303
    url = httpx.URL(opened.headers["location"])
    assert url.path == "/compare" and url.params["a"] != url.params["b"]
    side_by_side = parse((await client.get(opened.headers["location"])).text)
    assert side_by_side.one("h1").text == "One picture, two networks, side by side"
    too_far = await client.post(f"{page}/compare", data={"step": "9"}, headers=HTMX)
    assert too_far.status_code == 404
