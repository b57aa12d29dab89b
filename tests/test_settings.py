"""Settings come from one object, overridable by CONVLENS_* environment variables."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.engine import Limits
from app.settings import Settings


def test_defaults_match_the_engine_limits():
    assert Settings().limits() == Limits()


def test_environment_variables_override(monkeypatch, tmp_path):
    monkeypatch.setenv("CONVLENS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CONVLENS_MAX_MACS", "1234")
    monkeypatch.setenv("CONVLENS_PORT", "9001")
    settings = Settings()
    assert settings.data_dir == Path(tmp_path)
    assert settings.database_path == Path(tmp_path) / "convlens.sqlite3"
    assert settings.port == 9001
    assert settings.limits().max_macs == 1234


def test_a_misspelt_setting_is_an_error_not_a_silent_default():
    with pytest.raises(ValidationError):
        Settings(max_mac=5)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Settings(port=0)


def test_the_readme_lists_every_setting():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for name in Settings.model_fields:
        assert f"`CONVLENS_{name.upper()}`" in readme, name
