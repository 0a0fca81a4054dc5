"""The windows the tray opens (AppWindows): the settings dialog and the history window open, the
history window follows new saves and re-inserts a past text; the history's limits follow the
settings (retention prunes at once). The inserter and popup are fakes recording what they were
told (the seams); the store, dialog, window and history are real."""

from __future__ import annotations

import time
from types import SimpleNamespace

from dictate_app.app.history_recorder import HistoryRecorder
from dictate_app.app.settings_store import SettingsStore
from dictate_app.app.windows import AppWindows
from dictate_app.audio.sources import Microphone
from dictate_app.engine.result import Transcript
from dictate_app.output.strategy import InsertOutcome, Method
from dictate_app.store.history import History


def _windows(tmp_path, list_microphones=lambda: []):
    settings = SettingsStore(tmp_path / "settings.ini")
    history = History(tmp_path / "h.sqlite3")
    popup = SimpleNamespace(messages=[], show_message=lambda *a, **k: popup.messages.append(a))
    return AppWindows(settings, history, HistoryRecorder(history, settings),
                      inserter=SimpleNamespace(insert=None), popup=popup, usage=lambda: "hold F9 anywhere",
                      rules_path=tmp_path / "rules.txt", list_microphones=list_microphones,
                      list_ai_modes=lambda: ["as spoken"])


def test_history_limits_follow_the_settings(tmp_path, qtbot):
    windows = _windows(tmp_path)
    store, history = windows.settings, windows.history
    store.update({"history_audio_cap_mb": 5})
    assert history.audio_cap_bytes == 5 * 1024 * 1024
    history.add(Transcript(text="old"), created=time.time() - 10 * 86400)
    store.set("history_retention_days", 7)
    assert history.count() == 0  # pruned at once


def test_windows_open_from_the_tray_and_reinsert(tmp_path, qtbot):
    windows = _windows(tmp_path, lambda: [Microphone("pulse:alsa_input.usb-mic", "USB mic")])
    dialog = windows.show_settings()
    qtbot.addWidget(dialog)
    assert dialog.isVisible() and dialog.widgets["microphone"].count() == 2
    history_window = windows.show_history()
    qtbot.addWidget(history_window)
    assert history_window.isVisible()
    windows.history_recorder.append(Transcript(text="fresh words"))
    assert history_window.table.item(0, 1).text() == "fresh words"  # refreshed on save
    inserted = []
    windows.inserter.insert = lambda text, target, method, done: (inserted.append((text, target, method)),
                                                                   done(InsertOutcome("inserted")))
    windows.reinsert("fresh words")
    qtbot.waitUntil(lambda: inserted == [("fresh words", None, Method.PASTE)], timeout=2000)


def test_a_second_start_shows_that_this_one_runs_and_how_to_use_it(tmp_path, qtbot):
    windows = _windows(tmp_path)
    windows.show_running()
    assert windows.popup.messages == [("Dictate is already running", "Hold F9 anywhere. Settings and history are "
                                                                     "in the menu of Dictate's tray icon.")]
