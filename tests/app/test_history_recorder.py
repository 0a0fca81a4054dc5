"""The coordinator's history hook: saved before insertion with its id, the insertion result
recorded from the coordinator's finished signal, audio only when the setting says so."""

from __future__ import annotations

import numpy as np

from dictate_app.app.history_recorder import HistoryRecorder
from dictate_app.engine.result import Transcript
from dictate_app.app.settings_store import SettingsStore
from dictate_app.store.history import History
from dictate_app.store.settings import Settings


def test_save_then_result(tmp_path, qtbot):
    history = History(tmp_path / "h.sqlite3")
    settings = SettingsStore(tmp_path / "settings.ini")
    recorder = HistoryRecorder(history, settings)
    with qtbot.waitSignal(recorder.saved) as saved:
        hid = recorder.append(Transcript(text="hello", language="en"), target="w1", uid=7,
                              audio=np.zeros(1600, np.float32))
    assert saved.args == [hid] and history.get(hid).insert_status == "pending"
    assert not history.get(hid).has_audio  # audio off by default
    with qtbot.waitSignal(recorder.updated):
        recorder.finished(7, {"status": "inserted", "method": "paste", "message": ""})
    assert (history.get(hid).insert_status, history.get(hid).insert_method) == ("inserted", "paste")
    recorder.finished(99, {"status": "no_speech"})  # never saved: ignored
    settings.set("history_audio", True)  # read at each save
    hid2 = recorder.append(Transcript(text="again"), uid=8, audio=np.zeros(1600, np.float32))
    assert history.get(hid2).has_audio


def test_a_live_take_is_one_row_written_as_it_goes_and_finished_at_release(tmp_path, qtbot):
    history = History(tmp_path / "h.sqlite3")
    recorder = HistoryRecorder(history, Settings(history_audio=True))
    with qtbot.waitSignal(recorder.saved) as saved:
        hid = recorder.progress(Transcript(text="first", language="en"), target="editor", uid=3)
    entry = history.get(hid)
    assert saved.args == [hid] and (entry.text, entry.insert_status, entry.target) == ("first", "recording", "editor")
    with qtbot.waitSignal(recorder.updated):
        assert recorder.progress(Transcript(text="first second", language="en"), uid=3) == hid
    # A second process (another connection, as after a crash) reads the text so far, committed.
    with History(tmp_path / "h.sqlite3") as other:
        assert [e.text for e in other.recent()] == ["first second"]
    assert recorder.append(Transcript(text="first second third", language="en", emotion="HAPPY"),
                           uid=3, audio=np.zeros(1600, np.float32)) == hid
    entry = history.get(hid)
    assert history.count() == 1 and entry.text == "first second third" and entry.emotion == "HAPPY"
    assert entry.insert_status == "pending" and entry.has_audio and entry.target == "editor"
    recorder.finished(3, {"status": "inserted", "method": "paste"})
    assert history.get(hid).insert_status == "inserted"


def test_a_cancelled_take_leaves_no_row_unless_words_were_already_inserted(tmp_path, qtbot):
    history = History(tmp_path / "h.sqlite3")
    recorder = HistoryRecorder(history)
    recorder.progress(Transcript(text="never mind"), uid=1)
    recorder.finished(1, {"status": "cancelled"})
    assert history.count() == 0
    hid = recorder.progress(Transcript(text="typed already"), uid=2)
    recorder.finished(2, {"status": "cancelled", "inserted_live": True})
    assert history.get(hid).text == "typed already" and history.get(hid).insert_status == "cancelled"


def test_a_live_row_deleted_mid_take_is_written_again(tmp_path, qtbot):
    """The user deletes the "recording" row in the history window while still dictating: the
    words are not lost, the next closed segment and the release write a new row."""
    history = History(tmp_path / "h.sqlite3")
    recorder = HistoryRecorder(history)
    first = recorder.progress(Transcript(text="one"), uid=5)
    history.delete([first])
    second = recorder.progress(Transcript(text="one two"), uid=5)
    assert [(e.id, e.text) for e in history.recent()] == [(second, "one two")]
    history.delete([second])
    final = recorder.append(Transcript(text="one two three"), uid=5)
    assert [(e.id, e.text, e.insert_status) for e in history.recent()] == [(final, "one two three", "pending")]
