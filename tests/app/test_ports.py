"""The app's parts implement the interfaces the coordinator and its helpers call (app/ports.py):
a renamed or missing method fails here rather than in the middle of a take."""

from __future__ import annotations

import inspect

from dictate_app.app.history_recorder import HistoryRecorder
from dictate_app.app.popup import Popup
from dictate_app.app.ports import HistoryLog, PopupView, TextInserter
from dictate_app.output.inserter import Inserter
from dictate_app.output.per_app import PerAppInserter
from dictate_app.store.history import History
from tests.desktop.fakes import FakeClipboard, FakeKeyboard


def _same_parameters(part, port) -> None:
    """Every method of ``port`` exists on ``part`` and takes the parameters the port names."""
    for name, method in inspect.getmembers(port, inspect.isfunction):
        if name.startswith("_"):
            continue
        wanted = list(inspect.signature(method).parameters)
        has = list(inspect.signature(getattr(part, name)).parameters)
        assert has[:len(wanted) - 1] == wanted[1:], (type(part).__name__, name, has)


def test_the_popup_is_a_popup_view(qtbot):
    popup = Popup()
    qtbot.addWidget(popup)
    assert isinstance(popup, PopupView)
    _same_parameters(popup, PopupView)


def test_the_history_recorder_is_a_history_log(tmp_path):
    recorder = HistoryRecorder(History(tmp_path / "history.sqlite3"))
    assert isinstance(recorder, HistoryLog) and recorder.keeps_audio is False
    _same_parameters(recorder, HistoryLog)


def test_the_app_inserter_is_a_text_inserter():
    keyboard = FakeKeyboard()
    plain = Inserter(FakeClipboard({}), keyboard, keyboard.focused, lambda ms, fn: fn())
    inserter = PerAppInserter(plain, lambda: ())
    assert isinstance(inserter, TextInserter)
    assert not isinstance(plain, TextInserter), "the app always wraps it: the per-app Enter lives there"
    _same_parameters(inserter, TextInserter)
