"""The shell wires the desktop's parts into the inserter and the coordinator."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest

from dictate_app.app.settings_store import SettingsStore
from dictate_app.app.shell import AppShell
from dictate_app.lifecycle import Mode
from tests.desktop.fakes import fake_desktop


def test_the_inserter_takes_the_desktops_paste_facts(qtbot, tmp_path, monkeypatch):
    # Windows and macOS see only the first read of a transcript: their restore waits longer.
    monkeypatch.setenv("DICTATE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DICTATE_CONFIG_DIR", str(tmp_path / "config"))
    desktop = dataclasses.replace(fake_desktop(), can_paste=False, fetch_grace_ms=200)
    shell = AppShell(SettingsStore(tmp_path / "settings.ini", {"model_dir": str(tmp_path / "models"), "device": "cpu"}), desktop)
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
    shell = AppShell(SettingsStore(tmp_path / "settings.ini", {"model_dir": model_dir, "device": "cpu"}), fake_desktop(), preload=preload)
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
    shell = AppShell(SettingsStore(tmp_path / "settings.ini", {"model_dir": model_dir, "device": "cpu"}), fake_desktop(), preload=preload)
    try:
        shell.start()
        assert shell.setup.dialog.isVisible()
        assert preload.take(model_dir, "cpu", None) is None  # dropped: the setup window's model loads anew
    finally:
        shell._shutdown()


@pytest.fixture
def live_shell(qtbot, tmp_path, monkeypatch):
    """A shell of fakes (desktop, engine loader, recorder) with a tray, over a settings file in
    tmp_path; ``loads`` lists the (model_dir, server) of each engine load."""
    import dictate_app.engine.loader as loader
    from PySide6.QtWidgets import QSystemTrayIcon

    monkeypatch.setenv("DICTATE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DICTATE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    loads = []
    monkeypatch.setattr(loader, "load_engine", lambda model_dir, device, server=None, token=None:
                        loads.append((model_dir, device, server)) or SimpleNamespace(backend="fake", device="cpu"))
    shell = AppShell(SettingsStore(tmp_path / "settings.ini", {"model_dir": "/m", "device": "cpu"}), fake_desktop())
    shell.loads = loads
    shell.recorders = []
    shell.coordinator._recorder_factory = lambda **kwargs: shell.recorders.append(kwargs) or SimpleNamespace(
        close=lambda: None)
    yield shell
    shell._shutdown()


def test_each_setting_reaches_its_part(live_shell, qtbot, tmp_path):
    shell, store = live_shell, live_shell.settings
    assert shell.coordinator.settings is store and shell.tray.settings is store  # one live object
    store.update({"tail_ms": 600, "keep_mic_ready": True, "language": "zh", "insert_method": "type",
                  "device": "cpu", "model_dir": "/models/sv", "auto_stop_s": 3.0, "insert_live": True})
    assert shell.recorders[-1]["tail_s"] == 0.6 and shell.recorders[-1]["keep_ready"] is True
    # one reload per changed key (model_dir, device), as each was applied before
    qtbot.waitUntil(lambda: shell.loads == [("/models/sv", "cpu", None)] * 2, timeout=2000)
    language = next(a for a in shell.tray.language_menu.actions() if a.isChecked()).data()
    insert = next(a for a in shell.tray.insert_menu.actions() if a.isChecked()).data()
    assert (language, insert) == ("zh", "type")  # the tray shows what the dialog chose
    store.set("itn", False)
    assert shell.worker.itn is False
    store.update({"sounds": False, "sound_volume": 80, "popup_seconds": 1.5, "history_audio": True,
                  "history_audio_cap_mb": 5})
    assert (shell.cues.enabled, shell.cues.volume, shell.popup.show_ms) == (False, 80, 1500)
    assert shell.history_recorder.keeps_audio is True and shell.history.audio_cap_bytes == 5 * 1024 * 1024
    store.set("server_url", "http://127.0.0.1:8765")
    # reloaded (one path for model_dir, device, server_url): the shell's loader reads the URL
    qtbot.waitUntil(lambda: shell.loads[2:] == [("/models/sv", "cpu", "http://127.0.0.1:8765")], timeout=2000)
    store.set("hotkey", "pause")
    assert shell.hotkey.source.started == "pause" and shell.usage() == "hold Pause anywhere, speak, release"
    assert shell.tray.hotkey == "pause"  # the tray's "Hold ... to talk" follows
    store.set("start_at_login", True)
    assert (tmp_path / "xdg" / "autostart" / "dictate-app.desktop").is_file()
    store.set("start_at_login", False)
    assert not (tmp_path / "xdg" / "autostart" / "dictate-app.desktop").exists()


def test_tray_choice_is_saved_then_applied(live_shell, tmp_path):
    shell = live_shell
    next(a for a in shell.tray.mode_menu.actions() if a.data() == "toggle").trigger()
    assert shell.settings.get("mode") == "toggle" and shell.coordinator.state.mode is Mode.TOGGLE
    assert SettingsStore(tmp_path / "settings.ini").get("mode") == "toggle"  # persisted


def test_a_command_line_option_holds_until_the_user_changes_that_setting(live_shell, tmp_path):
    shell = live_shell  # --model /m --device cpu
    shell.settings.set("language", "zh")
    assert shell.settings.model_dir == "/m" and shell.model_dir() == "/m"  # untouched: still the option
    assert SettingsStore(tmp_path / "settings.ini").get("model_dir") == ""  # never saved
    shell.settings.set("model_dir", "/models/sv")  # the user's choice wins for the rest of the run
    assert shell.model_dir() == "/models/sv" and shell.settings.overridden == {"device"}
