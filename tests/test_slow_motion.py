"""A step in slow motion (issue 24, item 5): a weight's gradient is the sum of the terms shown
(ink times error, over the batch and the map's places), and Adam's arithmetic lands on the weight
the training really has after that step; the page says it, and bad addresses are told."""

from __future__ import annotations

import json
from dataclasses import asdict, replace

import numpy as np
import pytest

from app.learn import made, net
from app.learn.trainer import Settings
from app.service.cache import ProcessCache
from app.service.replay import Replays
from app.service.slow_motion import slow_motion
from app.store import TrainingRecord
from tests.helpers import parse
from tests.test_learn_pages import HTMX, SAME, start

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def record() -> TrainingRecord:
    x, y = made.drawings("XO", 8, seed=3)
    settings = json.dumps(asdict(Settings()))
    made_record = TrainingRecord("t", ["X", "O"], x[:, 0], [int(v) for v in y], settings, 5)
    return replace(made_record, step=20)


@pytest.mark.parametrize(("step", "weight"), [(1, None), (12, None), (12, (7, 4, 0))])
def test_the_arithmetic_lands_on_the_trained_weight(record, step, weight):
    replays = Replays(ProcessCache(10**8))
    moved = slow_motion(replays, record, step, weight)
    trained = replays.at(record, step)[0].params
    f, r, c = moved.weight
    assert moved.conv.after == trained["conv.weight"][f, 0, r, c]
    if weight is None:  # the weight the step moved most
        assert abs(moved.changed[f, r, c]) == np.abs(moved.changed).max()
    u = moved.conv
    m = 0.9 * u.m_before + 0.1 * u.gradient
    v = 0.999 * u.v_before + 0.001 * u.gradient**2
    assert m == pytest.approx(u.m, rel=1e-5) and v == pytest.approx(u.v, rel=1e-4)
    shown = u.before - u.rate * u.scale * u.m / (np.sqrt(u.v) + 1e-8)
    assert shown == pytest.approx(u.after, abs=1e-6)
    assert (
        len(u.terms) == 6 and u.nonzero > 6 and u.total == 14 * 24 * 24
    )  # 14 drawings trained on (2 held out)
    sizes = [abs(t.product) for t in u.terms]
    assert sizes == sorted(sizes, reverse=True)


def test_the_terms_are_the_gradient(record):
    """Every term of a first-layer weight's gradient, summed, is the gradient the step used."""
    replays = Replays(ProcessCache(10**8))
    moved = slow_motion(replays, record, 5, (2, 1, 3))
    before, held = replays.at(record, 4)
    _, x = before.batch(5)
    pick, _ = before.batch(5)
    back = net.backward(before.params, before.shape, net.forward(before.params, before.shape, x),
                        before.labels[pick])  # fmt: skip
    side = net.SIZE - 5 + 1
    terms = x[:, 0, 1 : 1 + side, 3 : 3 + side] * back.dconv[:, 2]
    assert terms.sum() == pytest.approx(moved.conv.gradient, rel=1e-4, abs=1e-7)
    assert moved.conv.gradient == back.grads["conv.weight"][2, 0, 1, 3]
    assert np.count_nonzero(terms) == moved.conv.nonzero
    assert all(d in np.flatnonzero(~held) for d in moved.batch)  # never a held-out drawing
    dense, grads = moved.dense, back.grads["dense.weight"]
    assert abs(dense.gradient) == np.abs(grads).max() and dense.total == 14
    k, j = np.unravel_index(np.abs(grads).argmax(), grads.shape)
    f = net.forward(before.params, before.shape, x)
    every = f.flat[:, j] * back.dlogits[:, k]
    assert every.sum() == pytest.approx(dense.gradient, rel=1e-5)
    assert [t.product for t in dense.terms] == pytest.approx(sorted(every, key=abs)[::-1][:6])


async def test_the_page_shows_a_step_and_any_weight(client):
    page = await start(client)
    await client.post(f"{page}/epoch", headers=SAME)
    board = parse((await client.get(page)).text)
    [link] = [a for a in board.find_all("a") if "slow motion" in a.text]
    assert link.attrs["href"].endswith("/steps/1")
    html = parse((await client.get(link.attrs["href"])).text)
    assert html.one("h1").text == "Step 1 in slow motion"
    chosen = html.one("td", class_="chosen").one("a")
    assert chosen.attrs["aria-current"] == "true"
    picked = await client.get(f"{page}/steps/1?filter=2&row=3&col=4", headers=HTMX)
    fragment = parse(picked.text)
    assert "filter 2, row 3, column 4" in fragment.one("h2", id="conv-title").text
    label = fragment.one("td", class_="chosen").one("a").attrs["aria-label"]
    assert label.endswith(": filter 2, row 3, column 4")


@pytest.mark.parametrize(
    ("query", "code", "says"),
    [
        ("/steps/2", 404, "this training has steps 1 to 1"),
        ("/steps/1?filter=9&row=1&col=1", 422, "the first layer has 8 filters of 5x5"),
        ("/steps/1?filter=1", 422, "filter, row and col together"),
        ("/steps/1?row=17&filter=1&col=1", 422, "row"),
    ],
)  # fmt: skip
async def test_a_step_or_weight_that_is_not_there_is_told(client, query, code, says):
    page = await start(client)
    await client.post(f"{page}/step", headers=SAME)
    answer = await client.get(page + query)
    assert answer.status_code == code and says in answer.text
    assert (await client.get(f"{page}/steps/0")).status_code == 422
