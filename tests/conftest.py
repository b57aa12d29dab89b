from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def seed() -> dict:
    """The slides' X/O numbers (a copy of shared/fixtures/seed_xo.json)."""
    return json.loads((FIXTURES / "seed_xo.json").read_text())
