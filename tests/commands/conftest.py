"""Every command test runs with its own empty config and data folders: commands read the saved
settings (the model folder, the microphone), so the developer's own settings.ini must not leak in."""

from __future__ import annotations

import pytest

# test_app.py starts the tray app's Qt shell: the same offscreen platform, inert pynput backend and
# GUI-thread garbage collection as tests/app (importing its conftest sets both variables).
from tests.app.conftest import collect_qt_garbage_like_the_app  # noqa: F401


@pytest.fixture(autouse=True)
def private_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("DICTATE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("DICTATE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DICTATE_MODEL_DIR", raising=False)
    return tmp_path
