"""The API's contract, tested by schemathesis against a live server: every check, a fixed seed
and budget; every status and content type it meets must be the documented ones."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import live_server

CONFIG = Path(__file__).parent / "contract" / "schemathesis.toml"


@pytest.mark.slow
def test_schemathesis_finds_nothing(tmp_path):
    limits = {"CONVLENS_RUNS_PER_MINUTE": "0", "CONVLENS_SAVES_PER_MINUTE": "0"}
    with live_server(tmp_path / "data", **limits) as server:
        command = [
            str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(CONFIG),
            "run", f"{server.url}/openapi.json", "--checks", "all", "--max-examples", "25",
            "--seed", "7", "--no-color",
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    summary = done.stdout[-3000:]
    print(summary)
    assert done.returncode == 0, summary
    assert " passed" in summary and "failed" not in summary
