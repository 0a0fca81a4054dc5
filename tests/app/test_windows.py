"""Settings applied live (DailyUse): each key reaches the running part it configures, tray choices
are saved as settings, and the dialog/history window open from the tray. The running parts are
fakes recording what they were told (the seams); the store, dialog and window are real."""

from __future__ import annotations

import time
from types import SimpleNamespace

from PySide6.QtCore import QObject, Signal

from dictate_app.app.coordinator import AppOptions
from dictate_app.app.daily_use import DailyUse
from dictate_app.app.ai_mode import ModesCatalog
from dictate_app.app.history_recorder import HistoryRecorder
from dictate_app.audio.sources import Microphone
from dictate_app.app.settings_store import SettingsStore
from dictate_app.engine.result import Transcript
from dictate_app.output.sounds import CuePlayer
from dictate_app.output.strategy import InsertOutcome, Method
from dictate_app.store.history import History


class FakeTray(QObject):
    option_changed = Signal(str, str)
    settings_requested = Signal()
    history_requested = Signal()

    def __init__(self):
        super().__init__()
        self.choices = []

    def set_choice(self, option, value):
        self.choices.append((option, value))

    def set_hotkey(self, key):
        self.choices.append(("hotkey", key))


class FakeCoordinator:
    def __init__(self):
        self.calls = []
        self.options = AppOptions(model_dir="/m")

    def set_option(self, name, value):
        self.calls.append((name, value))


class FakeHotkey:
    def __init__(self):
        self.key_name, self.log = "f9", []

    def stop(self):
        self.log.append("stop")

    def start(self):
        self.log.append(f"start {self.key_name}")


def _shell(tmp_path):
    history = History(tmp_path / "h.sqlite3")
    hotkey = FakeHotkey()
    return SimpleNamespace(
        settings=SettingsStore(tmp_path / "settings.ini"), tray=FakeTray(), coordinator=FakeCoordinator(),
        cues=CuePlayer(), popup=SimpleNamespace(show_ms=4000, messages=[],
                                                 show_message=lambda *a: None),
        history=history, log=HistoryRecorder(history), hotkey=hotkey, start_hotkey=hotkey.start, notices=[],
        notify=lambda message, error: None, rules=SimpleNamespace(path=tmp_path / "rules.txt"),
        inserter=SimpleNamespace(calls=[], insert=None), modes=ModesCatalog(tmp_path / "modes.txt"))


def test_each_setting_reaches_its_part(tmp_path, qtbot, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    shell = _shell(tmp_path)
    daily = DailyUse(shell, lambda: [Microphone("pulse:alsa_input.usb-mic", "USB mic")])  # noqa: F841  (kept alive: its connections)
    store = shell.settings
    store.update({"tail_ms": 600, "keep_mic_ready": True, "language": "zh", "insert_method": "type",
                  "device": "cpu", "model_dir": "/models/sv", "auto_stop_s": 3.0, "insert_live": True})
    assert shell.coordinator.calls == [("auto_stop_s", 3.0), ("language", "zh"), ("insert", "type"), ("insert_live", True),
                                       ("keep_mic_ready", True), ("tail_ms", 600), ("model_dir", "/models/sv"),
                                       ("device", "cpu")]
    assert ("language", "zh") in shell.tray.choices and ("insert", "type") in shell.tray.choices
    shell.worker = SimpleNamespace(itn=True)
    store.set("itn", False)
    assert shell.worker.itn is False
    store.update({"sounds": False, "sound_volume": 80, "popup_seconds": 1.5, "history_audio": True,
                  "history_audio_cap_mb": 5})
    assert (shell.cues.enabled, shell.cues.volume, shell.popup.show_ms) == (False, 80, 1500)
    assert shell.log.keeps_audio is True and shell.history.audio_cap_bytes == 5 * 1024 * 1024
    shell.history.add(Transcript(text="old"), created=time.time() - 10 * 86400)
    store.set("history_retention_days", 7)
    assert shell.history.count() == 0  # pruned at once
    shell.coordinator.calls.clear()
    store.set("server_url", "http://127.0.0.1:8765")
    assert shell.coordinator.calls == [("model_dir", "/m")]  # reloaded: the shell's loader reads the URL
    store.set("hotkey", "pause")
    assert shell.hotkey.log == ["stop", "start pause"] and shell.coordinator.options.hotkey == "pause"
    assert shell.tray.choices[-1] == ("hotkey", "pause")  # the tray's "Hold ... to talk" follows
    store.set("start_at_login", True)
    assert (tmp_path / "xdg" / "autostart" / "dictate-app.desktop").is_file()
    store.set("start_at_login", False)
    assert not (tmp_path / "xdg" / "autostart" / "dictate-app.desktop").exists()


def test_tray_choice_is_saved_then_applied(tmp_path, qtbot):
    shell = _shell(tmp_path)
    daily = DailyUse(shell, lambda: [])  # noqa: F841
    shell.tray.option_changed.emit("mode", "toggle")
    assert shell.settings.get("mode") == "toggle" and shell.coordinator.calls == [("mode", "toggle")]
    assert SettingsStore(tmp_path / "settings.ini").get("mode") == "toggle"  # persisted


def test_the_tray_ai_mode_is_saved_and_a_settings_change_shows_in_the_tray(tmp_path, qtbot):
    shell = _shell(tmp_path)
    daily = DailyUse(shell, lambda: [])  # noqa: F841
    shell.tray.option_changed.emit("ai_mode", "email")
    assert SettingsStore(tmp_path / "settings.ini").get("ai_mode") == "email"  # read at the next take
    assert shell.coordinator.calls == []
    shell.settings.set("ai_mode", "clean up")  # from the settings dialog
    assert shell.tray.choices[-1] == ("ai_mode", "clean up")


def test_windows_open_from_the_tray_and_reinsert(tmp_path, qtbot):
    shell = _shell(tmp_path)
    daily = DailyUse(shell, lambda: [Microphone("pulse:alsa_input.usb-mic", "USB mic")])
    shell.tray.settings_requested.emit()
    qtbot.addWidget(daily.dialog)
    assert daily.dialog.isVisible() and daily.dialog.widgets["microphone"].count() == 2
    shell.tray.history_requested.emit()
    qtbot.addWidget(daily.history_window)
    assert daily.history_window.isVisible()
    shell.log.append(Transcript(text="fresh words"))
    assert daily.history_window.table.item(0, 1).text() == "fresh words"  # refreshed on save
    inserted = []
    shell.inserter.insert = lambda text, target, method, done: (inserted.append((text, target, method)),
                                                                 done(InsertOutcome("inserted")))
    daily.reinsert("fresh words")
    qtbot.waitUntil(lambda: inserted == [("fresh words", None, Method.PASTE)], timeout=2000)


def test_worker_passes_the_itn_setting_to_the_engine(qtbot):
    import numpy as np

    from dictate_app.app.worker import AsrWorker

    seen = []

    class Engine:
        backend, device = "fake", "cpu"

        def transcribe(self, samples, rate, language="auto", itn=True):
            seen.append(itn)
            return Transcript(text="seven", language="en")

    worker = AsrWorker(load=lambda model_dir, device: Engine(), trim=lambda samples: samples)
    worker.load("/m", "cpu")  # called directly: this thread is fine for a test
    worker.itn = False
    with qtbot.waitSignal(worker.transcribed):
        worker.transcribe(1, np.ones(1600, np.float32), "en")
    assert seen[-1] is False
