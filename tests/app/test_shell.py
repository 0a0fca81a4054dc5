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


def test_the_first_load_takes_the_early_load_and_later_ones_load_anew(qtbot, tmp_path, monkeypatch):
    import dictate_app.engine.loader as loader
    from dictate_app.engine.loader import BackgroundLoad

    monkeypatch.setenv("DICTATE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DICTATE_CONFIG_DIR", str(tmp_path / "config"))
    early_engine, later = object(), []
    model_dir = str(tmp_path / "models")
    preload = BackgroundLoad(model_dir, "cpu", load=lambda *args, **kwargs: early_engine)
    monkeypatch.setattr(loader, "load_engine", lambda *args, **kwargs: later.append(args) or "fresh")
    shell = AppShell(AppOptions(model_dir=model_dir, device="cpu"), fake_desktop(),
                     SettingsStore(tmp_path / "settings.ini"), preload=preload)
    try:
        assert shell._load_engine(model_dir, "cpu") is early_engine
        assert later == []
        assert shell._load_engine(model_dir, "cpu") == "fresh"  # the settings dialog's reload
        assert later == [(model_dir,)]
    finally:
        shell._shutdown()


def test_without_a_model_the_setup_window_opens_and_the_early_load_is_dropped(qtbot, tmp_path, monkeypatch):
    from dictate_app.engine.loader import BackgroundLoad

    monkeypatch.setenv("DICTATE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DICTATE_CONFIG_DIR", str(tmp_path / "config"))
    model_dir = str(tmp_path / "models")  # empty: the setup window's case
    preload = BackgroundLoad(model_dir, "cpu", load=lambda *args, **kwargs: object())
    shell = AppShell(AppOptions(model_dir=model_dir, device="cpu"), fake_desktop(),
                     SettingsStore(tmp_path / "settings.ini"), preload=preload)
    try:
        shell.start()
        assert shell.setup.dialog.isVisible()
        assert preload.take(model_dir, "cpu", None) is None  # dropped: the setup window's model loads anew
    finally:
        shell._shutdown()
