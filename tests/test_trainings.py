"""Trainings through the JSON API (issue 24): made from a starting set or from drawings, run a
number of steps, read, and any reached step's network run as an ordinary pipeline; bad input is
a clear 4xx; any process (here a second app on the same store) rebuilds the same weights."""

from __future__ import annotations

import base64
import io
import json

import httpx
import numpy as np
import pytest
from PIL import Image

from app.learn import made
from app.learn.trainer import Settings as TrainSettings
from app.learn.trainer import Training
from app.service.replay import drawn, held_out, shape_of
from app.settings import Settings
from app.web import create_app

pytestmark = pytest.mark.anyio
PROBLEM = "application/problem+json"


def client_of(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


def png_of(ink: np.ndarray) -> bytes:
    """A drawing as the pad sends it: dark ink on white, 280x280."""
    picture = Image.fromarray(np.round((1 - ink) * 255).astype(np.uint8)).resize((280, 280))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


async def test_a_training_runs_reads_and_exports_on_either_store(database, tmp_path):
    settings = Settings(data_dir=database.sqlite_path.parent, database_url=database.url)
    app, other = create_app(settings), create_app(settings)
    async with (app.router.lifespan_context(app), other.router.lifespan_context(other),
                client_of(app) as client, client_of(other) as elsewhere):  # fmt: skip
        made_now = await client.post("/api/trainings", json={"start": "x-vs-o", "seed": 1})
        assert made_now.status_code == 201, made_now.text
        body = made_now.json()
        assert body["classes"] == ["X", "O"] and body["counts"] == [8, 8]
        assert body["held_out"] == [1, 1] and body["step"] == 0
        tid = body["id"]
        trained = (await client.post(f"/api/trainings/{tid}/steps", json={"steps": 30})).json()
        assert trained["step"] == 30 and trained["accuracy"] >= 0.9
        assert trained["held_out_accuracy"] is not None and len(trained["per_class"]) == 2
        # another process rebuilds it from the store alone: the same state, the same weights
        there = (await elsewhere.get(f"/api/trainings/{tid}")).json()
        assert there == trained
        here = (await client.get(f"/api/trainings/{tid}/snapshots/30")).json()
        assert (await elsewhere.get(f"/api/trainings/{tid}/snapshots/30")).json() == here
        # the network at step 30 reads an X drawn by another hand through the explorer
        x, _ = made.drawings("X", 1, seed=77, style="smooth")
        run = await client.post("/api/run", files={"image": ("x.png", png_of(x[0, 0]))},
                                data={"spec": json.dumps(here)})  # fmt: skip
        assert run.status_code == 200 and run.json()["prediction"]["label"] == "X"


async def test_the_same_set_and_seed_give_the_same_network_at_every_step(client):
    a = (await client.post("/api/trainings", json={"start": "x-vs-o", "seed": 4})).json()["id"]
    b = (await client.post("/api/trainings", json={"start": "x-vs-o", "seed": 4})).json()["id"]
    await client.post(f"/api/trainings/{a}/steps", json={"steps": 12})
    for steps in (5, 7):
        await client.post(f"/api/trainings/{b}/steps", json={"steps": steps})
    first = (await client.get(f"/api/trainings/{a}/snapshots/12")).json()
    assert (await client.get(f"/api/trainings/{b}/snapshots/12")).json() == first
    earlier = (await client.get(f"/api/trainings/{a}/snapshots/5")).json()
    assert earlier != first  # a rewind is another network


async def test_a_training_from_the_learners_own_drawings(client):
    drawings = []
    for label, char in enumerate("XOT"):
        ink, _ = made.drawings(char, 3, seed=9)
        drawings += [{"label": label, "image": base64.b64encode(png_of(i[0])).decode()}
                     for i in ink]  # fmt: skip
    answer = await client.post("/api/trainings", json={"classes": list("XOT"),
                                                        "drawings": drawings, "seed": 2})  # fmt: skip
    assert answer.status_code == 201, answer.text
    assert answer.json()["counts"] == [3, 3, 3] and answer.json()["held_out"] == [0, 0, 0]


async def test_bad_trainings_are_clear_4xx(client):
    async def refused(body: dict, status: int = 422) -> str:
        answer = await client.post("/api/trainings", json=body)
        assert answer.status_code == status and answer.headers["content-type"] == PROBLEM
        return str(answer.json()["detail"])

    one = base64.b64encode(png_of(made.drawings("X", 1, 1)[0][0, 0])).decode()
    assert "2 to 6" in await refused({"classes": ["X"], "drawings": [{"label": 0, "image": one}]})
    assert "at least 3" in await refused({"classes": ["X", "O"], "drawings": [
        {"label": 0, "image": one}, {"label": 1, "image": one}]})  # fmt: skip
    assert "classes" in await refused({"classes": ["x" * 500, "O"]})
    for text in ("not base64!", "\u00e9t\u00e9"):
        assert "base64" in await refused({"classes": ["X", "O"], "drawings": [
            {"label": 0, "image": text}]})  # fmt: skip
    blank = base64.b64encode(b"not a picture at all").decode()
    await refused({"classes": ["X", "O"], "drawings": [{"label": 0, "image": blank}]})
    missing = await client.get("/api/trainings/nosuchtraining")
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    tid = (await client.post("/api/trainings", json={"start": "x-vs-o"})).json()["id"]
    assert (await client.get(f"/api/trainings/{tid}/snapshots/5")).status_code == 404
    too_many = await client.post(f"/api/trainings/{tid}/steps", json={"steps": 501})
    assert too_many.status_code == 422
    for wrong in ({"kernel": 4}, {"filters": 0}, {"rotate": 45}, {"way": "magic"}):
        assert next(iter(wrong)) in await refused({"start": "x-vs-o", **wrong})


async def test_a_training_on_learned_features_via_the_api(client):
    body = {"start": "x-vs-o", "seed": 2, "way": "features", "rotate": 10, "kernel": 3.0}
    made = await client.post("/api/trainings", json=body)
    assert made.status_code == 201
    state = made.json()
    assert state["settings"]["way"] == "features" and state["settings"]["rotate"] == 10
    trained = (await client.post(f"{state['url']}/steps", json={"steps": 5})).json()
    spec = (await client.get(trained["snapshot"])).json()
    kinds = [stage["kind"] for stage in spec["stages"]]
    assert kinds.count("conv") == 2 and kinds[-2:] == ["dense", "softmax"]
    assert len(spec["stages"][0]["kernels"]) == 16  # the letters network's first layer


async def test_a_training_runs_no_further_than_its_limit(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, max_training_steps=20))
    async with app.router.lifespan_context(app), client_of(app) as client:
        tid = (await client.post("/api/trainings", json={"start": "x-vs-o"})).json()["id"]
        assert (await client.post(f"/api/trainings/{tid}/steps", json={"steps": 15})).is_success
        over = await client.post(f"/api/trainings/{tid}/steps", json={"steps": 10})
        assert over.status_code == 422 and "at most 20 steps" in over.json()["detail"]
        assert (await client.get(f"/api/trainings/{tid}")).json()["step"] == 15  # nothing lost


async def test_a_changed_rate_applies_from_the_next_step_and_still_replays(database, tmp_path):
    settings = Settings(data_dir=database.sqlite_path.parent, database_url=database.url)
    app, other = create_app(settings), create_app(settings)
    async with (app.router.lifespan_context(app), other.router.lifespan_context(other),
                client_of(app) as client, client_of(other) as elsewhere):  # fmt: skip
        ids = [(await client.post("/api/trainings", json={"start": "x-vs-o", "seed": 3})).json()
               ["id"] for _ in range(2)]  # fmt: skip
        changed, kept = ids
        for tid in ids:
            await client.post(f"/api/trainings/{tid}/steps", json={"steps": 10})
        answer = await client.patch(f"/api/trainings/{changed}", json={"rate": 0.05})
        assert answer.status_code == 200 and answer.json()["settings"]["rate"] == 0.05
        assert answer.json()["step"] == 10  # no reset
        for tid in ids:
            await client.post(f"/api/trainings/{tid}/steps", json={"steps": 10})

        async def spec(where, tid: str, step: int) -> dict:
            return (await where.get(f"/api/trainings/{tid}/snapshots/{step}")).json()

        assert await spec(client, changed, 10) == await spec(client, kept, 10)  # before it
        assert await spec(client, changed, 20) != await spec(client, kept, 20)  # after it
        # another process replays the change where it was made: the same weights
        assert await spec(elsewhere, changed, 20) == await spec(client, changed, 20)
        assert (await elsewhere.get(f"/api/trainings/{changed}")).json()["settings"]["rate"] == 0.05
        bad = await client.patch(f"/api/trainings/{changed}", json={"rate": 5})
        assert bad.status_code == 422


async def test_the_weights_at_step_200_replay_bit_for_bit(settings):
    """A stored training stepped to 200 in uneven runs, with a change of rate on the way, is the
    same network, bit for bit, as one rebuilt from nothing but its stored drawings, settings and
    seed: by another process, and by a fresh Training stepped straight through."""
    app, other = create_app(settings), create_app(settings)
    async with (app.router.lifespan_context(app), other.router.lifespan_context(other),
                client_of(app) as client, client_of(other) as elsewhere):  # fmt: skip
        body = {"start": "x-vs-o", "seed": 9, "rotate": 10}
        tid = (await client.post("/api/trainings", json=body)).json()["id"]
        for steps in (70, 60):
            await client.post(f"/api/trainings/{tid}/steps", json={"steps": steps})
        await client.patch(f"/api/trainings/{tid}", json={"rate": 0.003})
        await client.post(f"/api/trainings/{tid}/steps", json={"steps": 70})
        here = (await client.get(f"/api/trainings/{tid}/snapshots/200")).json()
        assert (await elsewhere.get(f"/api/trainings/{tid}/snapshots/200")).json() == here

        record = app.state.service.trainings.record(tid)
        held = held_out(record.labels, 2)
        labels, x = np.array(record.labels), drawn(record)
        fresh = Training(x[~held], labels[~held], shape_of(record), record.seed,
                         TrainSettings(**json.loads(record.settings)))  # fmt: skip
        fresh.advance(130)
        fresh.settings = TrainSettings(**json.loads(record.changes[0][1]))
        fresh.advance(70)
        kernels = np.array([k["weights"] for k in here["stages"][0]["kernels"]], np.float32)
        assert np.array_equal(kernels, fresh.params["conv.weight"][:, 0])
        dense = np.array(here["stages"][4]["weights"], np.float32)
        assert np.array_equal(dense, fresh.params["dense.weight"])
