"""The history window (offscreen): lists newest first, searches (Latin and Chinese), copies,
deletes, exports the selection, and hands re-insertion to the shell after hiding itself."""

from __future__ import annotations

import json

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView

from dictate_app.app.history_window import HistoryWindow
from dictate_app.engine.result import Transcript
from dictate_app.store.history import History


def _window(tmp_path, qtbot):
    history = History(tmp_path / "h.sqlite3")
    history.add(Transcript(text="call my mother", language="en", emotion="HAPPY"), created=1_700_000_000)
    history.add(Transcript(text="今天天气很好", language="zh", events=("Speech", "BGM")), created=1_700_000_100)
    history.add(Transcript(text="open the window", language="en"), created=1_700_000_200)
    window = HistoryWindow(history)
    qtbot.addWidget(window)
    return history, window


def _select(window, *rows):
    window.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
    window.table.clearSelection()
    for row in rows:
        window.table.selectRow(row)


def test_lists_and_searches(tmp_path, qtbot):
    history, window = _window(tmp_path, qtbot)
    texts = [window.table.item(r, 1).text() for r in range(window.table.rowCount())]
    assert texts == ["open the window", "今天天气很好", "call my mother"]
    assert window.table.item(2, 3).text() == "happy" and window.table.item(1, 3).text() == "music"
    window.search.setText("天气")
    qtbot.waitUntil(lambda: window.table.rowCount() == 1, timeout=2000)
    assert window.table.item(0, 1).text() == "今天天气很好" and window.count_label.text() == "1 shown of 3"
    window.search.setText("")
    qtbot.waitUntil(lambda: window.table.rowCount() == 3, timeout=2000)


def test_copy_delete_export(tmp_path, qtbot):
    history, window = _window(tmp_path, qtbot)
    _select(window, 0, 2)
    window.copy()
    assert QGuiApplication.clipboard().text() == "open the window\ncall my mother"
    assert window.export_to(str(tmp_path / "sel.json")) == 2
    assert [e["text"] for e in json.loads((tmp_path / "sel.json").read_text())] == ["call my mother", "open the window"]
    _select(window, 1)
    assert window.delete(confirm=False) == 1
    assert history.count() == 2 and window.table.rowCount() == 2


def test_reinsert_hides_then_asks(tmp_path, qtbot):
    history, window = _window(tmp_path, qtbot)
    window.show()
    _select(window, 0)
    with qtbot.waitSignal(window.reinsert_requested) as sig:
        window.reinsert()
    assert sig.args == ["open the window"] and not window.isVisible()
