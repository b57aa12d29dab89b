"""The API's contract, tested by schemathesis against a live server: every check, a fixed seed
and budget; every status and content type it meets must be the documented ones."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import live_server

CONFIG = Path(__file__).parent / "contract" / "schemathesis.toml"
ROOT = Path(__file__).parent.parent


@pytest.mark.slow
def test_schemathesis_finds_nothing_on_either_store(tmp_path, database):
    """Every phase, the stateful one included: it follows the schema's links from a made run to
    its stages, cells and demos, so it reaches real ids."""
    limits = {"CONVLENS_RUNS_PER_MINUTE": "0", "CONVLENS_SAVES_PER_MINUTE": "0",
              "CONVLENS_COMPUTES_PER_MINUTE": "0", "CONVLENS_TRAININGS_PER_MINUTE": "0"}  # fmt: skip
    store = {"CONVLENS_DATABASE_URL": database.url} if database.url else {}
    with live_server(tmp_path / "data", **limits, **store) as server:
        command = [
            str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(CONFIG),
            "run", f"{server.url}/openapi.json", "--checks", "all", "--max-examples", "25",
            "--seed", "7", "--no-color",
        ]  # fmt: skip
        hooks = {"SCHEMATHESIS_HOOKS": "tests.contract.hooks", "PYTHONPATH": str(ROOT)}
        done = subprocess.run(command, capture_output=True, text=True, timeout=600,
                              env={**os.environ, **hooks})  # fmt: skip
    summary = done.stdout[-3000:]
    print(summary)
    assert done.returncode == 0, summary
    assert " passed" in summary and "failed" not in summary
    covered = re.search(r"API Links:\s+(\d+) covered", done.stdout)
    assert covered and int(covered.group(1)) >= 4, summary  # the links were followed
