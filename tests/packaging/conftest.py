"""The frozen tier: tests that run a built bundle (``packaging/build.sh``), marked ``packaging``.

They are skipped unless ``DICTATE_BUNDLE`` names the bundle (the ``dictate`` folder PyInstaller
made, e.g. ``dist/cpu/dictate``, the ``dictate-app`` executable in it, or an unpacked tarball's
``bin/dictate-app``); ``packaging/ci.sh``
builds the cpu flavour and sets it. Only the bundle's own executable is tested here: the test
venv merely prepares inputs (the fixture model's ONNX export, speech files) and reads results.

Tests of packaging/'s source files (icons, desktop entry) need no bundle and run in the fast tier.
The tray test needs the desktop bench; its ``desktop`` fixture is the one of tests/desktop.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.desktop.conftest import desktop  # noqa: F401 (the bench fixture, shared, not copied)

HERE = Path(__file__).resolve().parent
BUNDLE_ENV = "DICTATE_BUNDLE"


def pytest_collection_modifyitems(config, items):
    # Every test that runs the bundle; the checks of packaging/'s source files stay in the fast tier.
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents and "frozen_exe" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.packaging)


@pytest.fixture(scope="session")
def frozen_exe() -> Path:
    """The bundle's ``dictate-app`` executable, as named (a link such as an unpacked tarball's
    ``bin/dictate-app`` stays a link: that is what users run); skips when no bundle was named."""
    value = os.environ.get(BUNDLE_ENV)
    if not value:
        pytest.skip(f"no frozen bundle: build one (bash packaging/build.sh cpu) and set {BUNDLE_ENV}=dist/cpu/dictate")
    path = Path(value).absolute()
    exe = path / "dictate-app" if path.is_dir() else path
    if not exe.is_file():
        pytest.fail(f"{BUNDLE_ENV}={value} holds no dictate-app executable")
    return exe


@pytest.fixture(scope="session")
def build_info(frozen_exe) -> dict:
    """What the spec recorded: version, flavour (cpu or full), platform."""
    return json.loads((bundle_dir(frozen_exe) / "_internal" / "build-info.json").read_text())


def bundle_dir(exe: Path) -> Path:
    """The one-folder bundle the executable belongs to (through the tarball's bin/ link)."""
    return exe.resolve().parent


def run_frozen(exe: Path, *args, timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the frozen executable as a user would, outside the repository and without the test
    venv on any path (so nothing can be imported from the checkout by accident)."""
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          env={**clean, **(env or {})}, cwd=exe.parent.parent)
