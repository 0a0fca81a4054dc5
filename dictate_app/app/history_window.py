"""The history window: search, copy, re-insert, delete and export past dictations.

Reads through :class:`dictate_app.store.history.History` (search is the store's: FTS5 trigram or
LIKE). Re-insert hands the text to the shell (``reinsert_requested``), which hides this window first
so the text goes to the application the user was in, not here.

AI modes (issue 25): the Text column shows what went in (the mode's answer, or the words as
recognised when the mode fell back), its tooltip both texts; "Insert again" inserts that text,
"Insert as spoken" the words as recognised, before any AI mode.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMessageBox,
    QPushButton, QStackedWidget, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from dictate_app.errors import DictateError
from dictate_app.store.history import Entry, History
from dictate_app.store.history_export import export
from dictate_app.text.labels import EMOTION_WORDS, EVENT_WORDS, LANGUAGE_NAMES

COLUMNS = ("Time", "Text", "Language", "Emotion / sounds", "AI mode", "Inserted")
SEARCH_DELAY_MS = 200  # search after typing pauses, not on every key
PAGE = 500
EMPTY = ("Nothing dictated yet.\n\nEach dictation will be listed here, newest first, with its time, "
         "language and emotion: search it, copy it, insert it again or export it.")
TEXT_COLUMN, INSERTED_COLUMN = 1, 5
# The store's insert_status in words; "pending" is an insertion the app never finished (it quit).
INSERTED = {"inserted": "yes", "clipboard": "on the clipboard", "failed": "no", "pending": "no",
            "recording": "no (still recording, or Dictate stopped mid-take)"}


def dictations(n: int) -> str:
    """"1 dictation", "2 dictations"."""
    return f"{n} dictation" if n == 1 else f"{n} dictations"


def _text_tooltip(e: Entry) -> str:
    """Both texts of a take an AI mode ran on; the text alone otherwise."""
    if not e.ai_mode:
        return e.text
    answer = e.processed if e.processed is not None else "(no answer)"
    why = f"\nInserted as spoken: {e.ai_error}" if e.ai_error else ""
    return f"As spoken: {e.text}\n{e.ai_mode}: {answer}{why}"


def _tags(e: Entry) -> str:
    words = [EMOTION_WORDS.get(e.emotion or "", "")] + [EVENT_WORDS.get(ev, "") for ev in e.events]
    return ", ".join(w for w in words if w)


class HistoryWindow(QWidget):
    """``reinsert_requested(text)``: the user wants ``text`` typed into their app again."""

    reinsert_requested = Signal(str)

    def __init__(self, history: History, parent: QWidget | None = None):
        super().__init__(parent)
        self.history = history
        self.entries: list[Entry] = []
        self.setWindowTitle("Dictate history")
        self.resize(820, 480)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search (every word must appear; Chinese too)")
        self.search.setClearButtonEnabled(True)
        self._debounce = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)  # the time on one line; a long text is elided, its tooltip has it all
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS)):  # every column as wide as its header and cells...
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(TEXT_COLUMN, QHeaderView.ResizeMode.Stretch)  # ...the text takes the rest
        self.table.doubleClicked.connect(lambda _i: self.copy())
        self.table.itemSelectionChanged.connect(self._enable_buttons)
        # An empty history (or search) says what belongs here instead of showing a blank grid.
        self.empty_label = QLabel(wordWrap=True, alignment=Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setContentsMargins(40, 20, 40, 20)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.table)
        self.pages.addWidget(self.empty_label)
        self.count_label = QLabel()
        buttons = QHBoxLayout()
        self.buttons = {}
        for name, label, slot in (("copy", "Copy", self.copy), ("reinsert", "Insert again", self.reinsert),
                                  ("reinsert_raw", "Insert as spoken", self.reinsert_raw),
                                  ("delete", "Delete", self.delete), ("export", "Export…", self.export_dialog)):
            button = QPushButton(label)
            button.clicked.connect(slot)
            buttons.addWidget(button)
            self.buttons[name] = button
        buttons.addStretch()
        buttons.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.pages)
        layout.addLayout(buttons)
        QShortcut(QKeySequence.StandardKey.Copy, self.table, self.copy)
        QShortcut(QKeySequence.StandardKey.Delete, self.table, self.delete)
        self.refresh()

    def refresh(self) -> None:
        """Reload from the database (the search box's query, newest first)."""
        query = self.search.text().strip()
        self.entries = self.history.search(query, PAGE) if query else self.history.recent(PAGE)
        self.table.setRowCount(len(self.entries))
        for row, e in enumerate(self.entries):
            status = INSERTED.get(e.insert_status, e.insert_status)
            mode = f"{e.ai_mode} (fell back)" if e.ai_mode and e.ai_error else e.ai_mode
            cells = (e.local_time, e.inserted_text, LANGUAGE_NAMES.get(e.language or "", e.language or ""),
                     _tags(e), mode, status)
            for col, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if col == TEXT_COLUMN:
                    item.setToolTip(_text_tooltip(e))
                elif col == INSERTED_COLUMN and e.insert_message:
                    item.setToolTip(e.insert_message)  # why it was not inserted
                self.table.setItem(row, col, item)
        total = self.history.count()
        self.count_label.setText(f"{len(self.entries)} shown of {total}" if query else dictations(total))
        self.empty_label.setText(f"Nothing matches “{query}”." if query and total else EMPTY)
        self.pages.setCurrentWidget(self.table if self.entries else self.empty_label)
        self._enable_buttons()

    def _enable_buttons(self) -> None:
        """Copy, Insert again and Delete act on the selection; Export on the selection or all shown."""
        chosen = bool(self.table.selectionModel().selectedRows())
        for name in ("copy", "reinsert", "delete"):
            self.buttons[name].setEnabled(chosen)
        # "Insert as spoken" only where it differs: a take an AI mode answered.
        self.buttons["reinsert_raw"].setEnabled(any(e.inserted_text != e.text for e in self.selected()))
        self.buttons["export"].setEnabled(bool(self.entries))

    def selected(self) -> list[Entry]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.entries[r] for r in rows if r < len(self.entries)]

    def copy(self) -> None:
        chosen = self.selected()
        if chosen:
            QGuiApplication.clipboard().setText("\n".join(e.inserted_text for e in chosen))

    def reinsert(self) -> None:
        """Insert the selection again, as it went in."""
        self._reinsert(as_spoken=False)

    def reinsert_raw(self) -> None:
        """The words as recognised, before any AI mode."""
        self._reinsert(as_spoken=True)

    def _reinsert(self, as_spoken: bool) -> None:
        chosen = self.selected()
        if chosen:
            self.hide()  # give focus back to the user's application first
            self.reinsert_requested.emit(" ".join(e.text if as_spoken else e.inserted_text for e in chosen))

    def delete(self, confirm: bool = True) -> int:
        chosen = self.selected()
        if not chosen:
            return 0
        no, yes = QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes
        if confirm and QMessageBox.question(
                self, "Delete from the history",
                f"Delete {dictations(len(chosen))} from the history? This cannot be undone.",
                yes | no, no) != yes:  # No is the default: Enter keeps them
            return 0
        deleted = self.history.delete(e.id for e in chosen)
        self.refresh()
        return deleted

    def export_dialog(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export history", "dictate-history.txt", "Text (*.txt);;CSV (*.csv);;JSON (*.json)")
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> int:
        """Export the selection, or everything shown when nothing is selected."""
        entries = self.selected() or self.entries
        try:
            return export(entries, path)
        except DictateError as exc:
            QMessageBox.warning(self, "Export", str(exc))
            return 0

    def showEvent(self, event) -> None:
        self.refresh()
        super().showEvent(event)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.hide()
        else:
            super().keyPressEvent(event)
