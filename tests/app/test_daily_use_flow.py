"""Issue-6 parts inside the coordinator's real flow (the issue-5 test harness, fakes only at the
recorder/engine/keyboard seams): rules rewrite the text before it is saved and inserted, the
history holds it before the keys are sent and then the insertion result. (The remote-control
handler: test_remote.py.)"""

from __future__ import annotations

from dictate_app.app.history_recorder import HistoryRecorder
from dictate_app.store.history import History
from dictate_app.text.rules import parse_rules
from tests.app.test_coordinator import SPEECH, harness  # noqa: F401  (the fixture)


def test_rules_and_history_around_insertion(harness, tmp_path):
    h = harness(texts=["call my mother now please"], script=[SPEECH])
    history = History(tmp_path / "h.sqlite3")
    recorder = HistoryRecorder(history)
    h.co.transcript_log = recorder
    h.co.postprocess = parse_rules("mother => Mom\nre: \\s*please$ =>").apply_to
    h.co.finished.connect(recorder.finished)
    in_history_when_sent = []
    real_key = h.keyboard.key
    h.keyboard.key = lambda chord, clear_modifiers=False: (
        in_history_when_sent.append([e.text for e in history.recent()]), real_key(chord, clear_modifiers))
    h.start()
    h.co.press(0.0)
    h.co.release(1000.0)
    (_uid, details), = h.wait_finished(1)
    assert details["status"] == "inserted" and details["text"] == "call my Mom now"
    assert h.clipboard.content == {"text/plain": b"OLD"}  # pasted, then restored
    assert in_history_when_sent == [["call my Mom now"]]  # saved before the paste chord
    h.qtbot.waitUntil(lambda: history.recent()[0].insert_status == "inserted", timeout=2000)
    entry = history.recent()[0]
    assert entry.insert_method == "paste" and entry.language == "en" and entry.emotion == "HAPPY"
    assert entry.target is None  # the harness's window ("w1") has no app or title: its id is not kept
