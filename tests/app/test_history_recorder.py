"""The coordinator's history hook: saved before insertion with its id, the insertion result
recorded from the coordinator's finished signal, audio only when the setting says so."""

from __future__ import annotations

import numpy as np

from dictate_app.app.history_recorder import HistoryRecorder
from dictate_app.engine.result import Transcript
from dictate_app.store.history import History


def test_save_then_result(tmp_path, qtbot):
    history = History(tmp_path / "h.sqlite3")
    recorder = HistoryRecorder(history)
    with qtbot.waitSignal(recorder.saved) as saved:
        hid = recorder.append(Transcript(text="hello", language="en"), target="w1", uid=7,
                              audio=np.zeros(1600, np.float32))
    assert saved.args == [hid] and history.get(hid).insert_status == "pending"
    assert not history.get(hid).has_audio  # audio off by default
    with qtbot.waitSignal(recorder.updated):
        recorder.finished(7, {"status": "inserted", "method": "paste", "message": ""})
    assert (history.get(hid).insert_status, history.get(hid).insert_method) == ("inserted", "paste")
    recorder.finished(99, {"status": "no_speech"})  # never saved: ignored
    recorder.keeps_audio = True
    hid2 = recorder.append(Transcript(text="again"), uid=8, audio=np.zeros(1600, np.float32))
    assert history.get(hid2).has_audio
