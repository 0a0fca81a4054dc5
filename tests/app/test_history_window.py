"""The history window (offscreen): lists newest first, searches (Latin and Chinese), copies,
deletes, exports the selection, and hands re-insertion to the shell after hiding itself."""

from __future__ import annotations

import json

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QMessageBox

from dictate_app.app.history_window import COLUMNS, EMPTY, INSERTED_COLUMN, HistoryWindow, dictations
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


def test_empty_history_says_what_will_appear_and_buttons_wait(tmp_path, qtbot, screenshot):
    window = HistoryWindow(History(tmp_path / "h.sqlite3"))
    qtbot.addWidget(window)
    window.show()
    assert window.pages.currentWidget() is window.empty_label and window.empty_label.text() == EMPTY
    assert window.count_label.text() == "0 dictations"
    assert not any(button.isEnabled() for button in window.buttons.values())
    screenshot(window, "history-1-empty")


def test_singular_count_and_a_search_without_results(tmp_path, qtbot):
    history = History(tmp_path / "h.sqlite3")
    history.add(Transcript(text="call my mother", language="en"), created=1_700_000_000)
    window = HistoryWindow(history)
    qtbot.addWidget(window)
    assert window.count_label.text() == "1 dictation" and window.pages.currentWidget() is window.table
    assert dictations(2) == "2 dictations"
    window.search.setText("zebra")
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.empty_label, timeout=2000)
    assert window.empty_label.text() == "Nothing matches “zebra”."


def test_buttons_follow_the_selection(tmp_path, qtbot):
    _history, window = _window(tmp_path, qtbot)
    assert not window.buttons["copy"].isEnabled() and not window.buttons["delete"].isEnabled()
    assert window.buttons["export"].isEnabled()  # exports everything shown
    _select(window, 1)
    assert all(window.buttons[name].isEnabled() for name in ("copy", "reinsert", "delete"))
    window.table.clearSelection()
    assert not window.buttons["reinsert"].isEnabled()


def test_delete_asks_first_with_no_as_the_default(tmp_path, qtbot, monkeypatch):
    history, window = _window(tmp_path, qtbot)
    asked = []

    def question(parent, title, text, buttons, default):
        asked.append((text, default))
        return answers.pop(0)

    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    _select(window, 0)
    assert window.delete() == 0 and history.count() == 3
    assert asked[0] == ("Delete 1 dictation from the history? This cannot be undone.", QMessageBox.StandardButton.No)
    _select(window, 0, 1)
    assert window.delete() == 2 and history.count() == 1
    assert asked[1][0] == "Delete 2 dictations from the history? This cannot be undone."


def test_columns_are_not_clipped_and_the_time_is_on_one_line(tmp_path, qtbot, screenshot):
    history, window = _window(tmp_path, qtbot)
    newest, middle, _oldest = (e.id for e in history.recent())
    history.set_result(newest, "inserted", "paste")
    history.set_result(middle, "clipboard", "paste", "The window changed: the text is on the clipboard.")
    window.show()
    qtbot.waitExposed(window)
    header, table = window.table.horizontalHeader(), window.table
    for column, title in enumerate(COLUMNS):
        assert header.sectionSize(column) >= header.fontMetrics().horizontalAdvance(title) + 8, title
    for column in (0, 2, 3, 4, 5):  # every cell of the sized columns fits (the text column elides)
        widest = max(table.fontMetrics().horizontalAdvance(table.item(row, column).text()) for row in range(3))
        assert header.sectionSize(column) >= widest, COLUMNS[column]
    assert not table.wordWrap()
    screenshot(window, "history-2-filled")


def test_the_inserted_column_is_in_words_with_the_reason_as_tooltip(tmp_path, qtbot):
    history, window = _window(tmp_path, qtbot)
    newest, middle, oldest = (e.id for e in history.recent())
    history.set_result(newest, "inserted", "paste")
    history.set_result(middle, "clipboard", "paste", "The window changed: the text is on the clipboard.")
    window.refresh()
    column = [window.table.item(row, INSERTED_COLUMN) for row in range(3)]
    assert [item.text() for item in column] == ["yes", "on the clipboard", "no"]  # oldest: never finished
    assert column[1].toolTip() == "The window changed: the text is on the clipboard."


def test_a_take_with_an_ai_mode_shows_what_went_in_and_can_go_in_as_spoken(tmp_path, qtbot):
    history, window = _window(tmp_path, qtbot)
    newest = history.recent(1)[0].id
    history.set_processed(newest, "clean up", "Open the window.")
    window.refresh()
    assert window.table.item(0, 1).text() == "Open the window."
    assert window.table.item(0, COLUMNS.index("AI mode")).text() == "clean up"
    assert "As spoken: open the window" in window.table.item(0, 1).toolTip()
    _select(window, 1)
    assert not window.buttons["reinsert_raw"].isEnabled(), "no AI mode ran on it: one text only"
    _select(window, 0)
    assert window.buttons["reinsert_raw"].isEnabled()
    window.show()
    with qtbot.waitSignal(window.reinsert_requested) as sig:
        window.reinsert()
    assert sig.args == ["Open the window."]
    window.show()
    _select(window, 0)
    with qtbot.waitSignal(window.reinsert_requested) as sig:
        window.reinsert_raw()
    assert sig.args == ["open the window"] and not window.isVisible()


def test_a_fallen_back_take_shows_the_words_as_spoken_and_why(tmp_path, qtbot):
    history, window = _window(tmp_path, qtbot)
    newest = history.recent(1)[0].id
    history.set_processed(newest, "email", None, "The language model at http://127.0.0.1:9/v1 is not running.")
    window.refresh()
    assert window.table.item(0, 1).text() == "open the window"
    assert window.table.item(0, COLUMNS.index("AI mode")).text() == "email (fell back)"
    assert "is not running" in window.table.item(0, 1).toolTip()
