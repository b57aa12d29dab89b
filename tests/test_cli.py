"""The `convlens` command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from app.cli import main
from app.engine.presets import SLIDES_X

from .helpers import live_server


def test_run_prints_every_stage_the_tables_and_the_vote(capsys):
    assert main(["run", "--preset", "seed-xo"]) == 0
    out = capsys.readouterr().out
    for header in ["[0] input", "[1] conv1 (conv)  shape (3, 7, 7)", "[3] pool1 (pool)  shape (3, 4, 4)",
                   "[5] flatten (flatten)  shape (12,)", "[6] vote (vote)  shape (2,)"]:  # fmt: skip
        assert header in out
    # The first convolution table's top row, as the slides print it (rounded, not cut).
    assert "0.78  -0.11   0.11   0.33   0.56  -0.11   0.33" in out
    assert "prediction: X" in out
    assert "X: (0.90 + 0.87 + 0.96 + 0.89 + 0.94) / 5 = 4.56 / 5 = 0.912" in out
    assert "vote: X 0.912, O 0.5175 -> X" in out


def test_run_reads_a_picture(tmp_path, capsys):
    pixels = np.where(SLIDES_X[0] > 0, 0, 255).astype(np.uint8)
    path = tmp_path / "x.png"
    Image.fromarray(pixels).resize((90, 90), Image.Resampling.NEAREST).save(path)
    assert main(["run", str(path)]) == 0
    assert "prediction: X" in capsys.readouterr().out


def test_run_on_a_photo_preset_without_tables(tmp_path, capsys):
    path = tmp_path / "gradient.png"
    Image.fromarray(np.tile(np.arange(256, dtype=np.uint8), (200, 1))).save(path)
    assert main(["run", str(path), "--preset", "sobel-edges"]) == 0
    out = capsys.readouterr().out
    assert "conv1 (conv)  shape (2, 126, 126)" in out
    assert "magnitude1 (magnitude)  shape (1, 126, 126)" in out


def test_run_reports_bad_input_in_one_line(tmp_path, capsys):
    path = tmp_path / "notes.png"
    path.write_bytes(b"not an image")
    assert main(["run", str(path)]) == 2
    assert capsys.readouterr().err.strip() == "convlens: image: not a PNG, JPEG, GIF or WebP image"
    assert main(["run", "--preset", "sobel-edges"]) == 2
    assert "needs an IMAGE" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["run", "--preset", "nope"])


def test_serve_starts_a_real_server_and_prints_its_address(tmp_path):
    with live_server(tmp_path / "data") as server:
        assert httpx.get(f"{server.url}/healthz").json()["status"] == "ok"
        assert (tmp_path / "data").is_dir()  # created on first start
        assert httpx.get(f"{server.url}/").status_code == 200
    assert f"ConvLens is serving at {server.url}" in server.output


def test_the_installed_console_script_exists():
    script = Path(sys.executable).parent / "convlens"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert "serve" in result.stdout and "run" in result.stdout


def test_ci_runs_the_readmes_test_command_and_starts_nothing_itself():
    root = Path(__file__).parent.parent
    ci = (root / ".ci" / "run").read_text()
    readme = (root / "README.md").read_text()
    after = readme.split("Install everything the tests need", 1)[1]
    line = after.split("```sh\n", 1)[1].split("\n", 1)[0]
    assert line.startswith("sh tools/install-test-deps && ") and line.endswith("-m pytest")
    assert line in ci.splitlines()  # as its own line, word for word
    assert "pg_ctl" not in ci and "apt-get" not in ci  # the README's line does all of that
