"""Where things live: no package name hides one of its modules, the server loads the trained
weights without the training code, and the code keeps to its size limits (tools/code_shape.py)."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import types
from pathlib import Path

ROOT = Path(__file__).parent.parent
PACKAGES = ["app.engine", "app.service", "app.service.lesson", "app.imaging", "app.store",
            "app.web", "app.letters"]  # fmt: skip


def test_no_package_name_hides_one_of_its_modules():
    for package in PACKAGES:
        found = importlib.import_module(package)
        for module in pkgutil.iter_modules(found.__path__):
            named = getattr(found, module.name, None)
            assert named is None or isinstance(named, types.ModuleType), f"{package}.{module.name}"


def test_the_server_loads_the_weights_without_the_training_code():
    script = (
        "import sys; from app.web import create_app; from app.service import all_presets; "
        "create_app(); assert 'letters' in all_presets(); "
        "print(sorted(m for m in sys.modules if m in TRAINING))"
    ).replace("TRAINING", repr({"app.letters.train", "app.letters.model", "tqdm", "app.cli"}))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_code_keeps_to_its_size_limits():
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "code_shape.py")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout
