"""The windows the tray opens and what comes back from them: the settings dialog, the history
window (with re-insertion of a past text), the note a second ``dictate-app`` start shows, and the
history's upkeep the settings configure (retention and the audio cap, applied at once and hourly).

Each piece it needs is given at construction (no shell): the live settings, the history and its
recorder, the inserter, the popup, how to dictate now (``usage``), the rules file and the lists the
dialog offers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from dictate_app.app.hints import WHERE_SETTINGS
from dictate_app.app.history_window import HistoryWindow
from dictate_app.app.settings_dialog import SettingsDialog
from dictate_app.output.strategy import Method

if TYPE_CHECKING:
    from dictate_app.app.history_recorder import HistoryRecorder
    from dictate_app.app.settings_store import SettingsStore
    from dictate_app.store.history import History

log = logging.getLogger(__name__)

REINSERT_DELAY_MS = 300  # after the history window hides, for focus to return to the user's app
PRUNE_EVERY_MS = 3600_000  # retention is applied at start, on change, and hourly for long sessions
MB = 1024 * 1024


class AppWindows(QObject):
    """Opens the settings dialog and the history window; re-inserts from the history; prunes."""

    def __init__(self, settings: SettingsStore, history: History, history_recorder: HistoryRecorder, *,
                 inserter, popup, usage: Callable[[], str], rules_path: Path,
                 list_microphones: Callable[[], list], list_ai_modes: Callable[[], list[str]]):
        super().__init__()
        self.settings = settings
        self.history = history
        self.history_recorder = history_recorder
        self.inserter = inserter
        self.popup = popup
        self._usage = usage
        self._rules_path = rules_path
        self._list_microphones = list_microphones
        self._list_ai_modes = list_ai_modes
        self.dialog: SettingsDialog | None = None
        self.history_window: HistoryWindow | None = None
        settings.watch(("history_retention_days", "history_audio_cap_mb"), self._history_limits)
        self._prune_timer = QTimer(self, interval=PRUNE_EVERY_MS)
        self._prune_timer.timeout.connect(self._prune)
        self._prune_timer.start()

    # ---- the history's upkeep ----

    def _history_limits(self, key: str) -> None:
        self.history.audio_cap_bytes = int(self.settings.history_audio_cap_mb * MB)
        self.history.retention_days = self.settings.history_retention_days
        if key == "history_retention_days":
            self._prune()

    def _prune(self) -> None:
        try:
            self.history.prune()
        except Exception as exc:  # a full disk must not stop the app; the next save will say so
            log.warning("history retention could not be applied: %s", exc)

    # ---- windows ----

    def show_settings(self) -> SettingsDialog:
        if self.dialog is None:
            self.dialog = SettingsDialog(self.settings, self._rules_path, self._list_microphones,
                                         self._list_ai_modes)
        else:
            self.dialog.load(self.settings.saved)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        return self.dialog

    def show_history(self) -> HistoryWindow:
        if self.history_window is None:
            self.history_window = HistoryWindow(self.history)
            self.history_window.reinsert_requested.connect(self.reinsert)
            self.history_recorder.saved.connect(self._history_changed)
            self.history_recorder.updated.connect(self._history_changed)
        self.history_window.show()
        self.history_window.raise_()
        self.history_window.activateWindow()
        return self.history_window

    def _history_changed(self, _hid: int) -> None:
        if self.history_window is not None and self.history_window.isVisible():
            self.history_window.refresh()

    def reinsert(self, text: str) -> None:
        """Insert ``text`` into whatever the user is in once the history window is gone."""

        def done(outcome) -> None:
            if not outcome.inserted:
                self.popup.show_message(outcome.message or "Could not insert the text.")

        QTimer.singleShot(REINSERT_DELAY_MS, lambda: self.inserter.insert(
            text, None, Method(self.settings.insert_method), done))

    def show_running(self) -> None:
        """A second ``dictate-app`` was started: show that this one is here and how to use it."""
        how = self._usage()
        self.popup.show_message("Dictate is already running", f"{how[:1].upper()}{how[1:]}. {WHERE_SETTINGS}",
                                warning=False)
