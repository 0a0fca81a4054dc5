"""The shell wires the desktop's parts into the inserter and the coordinator."""

from __future__ import annotations

import dataclasses

from dictate_app.app.coordinator import AppOptions
from dictate_app.app.settings_store import SettingsStore
from dictate_app.app.shell import AppShell
from tests.desktop.fakes import fake_desktop


def test_the_inserter_takes_the_desktops_paste_facts(qtbot, tmp_path, monkeypatch):
    # Windows and macOS see only the first read of a transcript: their restore waits longer.
    monkeypatch.setenv("DICTATE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DICTATE_CONFIG_DIR", str(tmp_path / "config"))
    desktop = dataclasses.replace(fake_desktop(), can_paste=False, fetch_grace_ms=200)
    shell = AppShell(AppOptions(model_dir=str(tmp_path / "models"), device="cpu"), desktop,
                     SettingsStore(tmp_path / "settings.ini"))
    try:
        assert shell.inserter.inner.fetch_grace_ms == 200
        assert shell.inserter.inner.can_paste is False
    finally:
        shell._shutdown()
