"""Any worker serves any demo from the database alone: two real servers sharing one database."""

from __future__ import annotations

import re

import httpx

from .helpers import X_PNG, live_server


def test_save_on_one_server_and_open_every_step_on_another(tmp_path):
    data = tmp_path / "data"
    with live_server(data) as one, live_server(data) as two:
        run = httpx.post(
            f"{one.url}/api/run", files={"image": ("x.png", X_PNG)}, data={"preset": "seed-xo"}
        )
        rid = run.json()["id"]
        saved = httpx.post(f"{one.url}/api/demos", json={"run_id": rid, "title": "from one"})
        assert saved.status_code == 201
        path = saved.json()["url"].removeprefix(one.url)
        stages = len(run.json()["stages"])
        for step in range(stages):
            page = httpx.get(f"{two.url}{path}", params={"step": step})
            assert page.status_code == 200
            assert len(re.findall(r'<li class="stage"', page.text)) == step + 1
            for src in re.findall(r'src="(/runs/[^"]+\.png[^"]*)"', page.text):
                assert httpx.get(f"{two.url}{src}").status_code == 200
        card = httpx.get(f"{two.url}{path}/card.png")
        assert card.status_code == 200 and card.headers["content-type"] == "image/png"
        assert httpx.get(f"{two.url}/api/demos/{saved.json()['id']}").json()["title"] == "from one"


def test_serve_can_run_several_worker_processes(tmp_path):
    with live_server(tmp_path / "data", "--workers", "2") as server:
        pids = set()
        for _ in range(40):
            run = httpx.post(f"{server.url}/api/run", files={"image": ("x.png", X_PNG)})
            assert run.status_code == 200
            pids.add(httpx.get(f"{server.url}/healthz").json().get("pid"))
        assert len(pids) == 2  # both workers answered
