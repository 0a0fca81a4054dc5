"""The daily-use parts of the running app, wired to the shell's pieces: settings applied live,
the settings dialog and history window (opened from the tray), re-insertion from the history,
and what a second ``dictate-app`` sees ("show").

Every setting change, wherever it comes from (dialog, tray menu), goes through the
:class:`SettingsStore` and comes back as ``changed(key)``; :meth:`DailyUse.apply` is the one place
that turns a key into an action on the running parts.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from dictate_app.app.history_window import HistoryWindow
from dictate_app.app.settings_dialog import SettingsDialog
from dictate_app.app.hints import WHERE_SETTINGS
from dictate_app.store import autostart

if TYPE_CHECKING:
    from dictate_app.app.shell import AppShell

log = logging.getLogger(__name__)

# Tray menu option -> settings key.
TRAY_KEYS = {"mode": "mode", "language": "language", "insert": "insert_method",
             "paste_keys": "paste_keys", "microphone": "microphone", "ai_mode": "ai_mode"}
# Settings key -> coordinator.set_option name (the coordinator's own vocabulary).
COORDINATOR_OPTIONS = {"mode": "mode", "language": "language", "insert_method": "insert",
                       "insert_live": "insert_live",
                       "paste_keys": "paste_keys", "microphone": "microphone",
                       "keep_mic_ready": "keep_mic_ready", "tail_ms": "tail_ms", "auto_stop_s": "auto_stop_s",
                       "model_dir": "model_dir", "device": "device"}
REINSERT_DELAY_MS = 300  # after the history window hides, for focus to return to the user's app
PRUNE_EVERY_MS = 3600_000  # retention is applied at start, on change, and hourly for long sessions


class DailyUse(QObject):
    """Connects the settings store, dialog, history window and cue player to ``shell``."""

    def __init__(self, shell: AppShell, list_microphones):
        super().__init__()
        self.shell = shell
        self.store = shell.settings
        self._list_microphones = list_microphones
        self.dialog: SettingsDialog | None = None
        self.history_window: HistoryWindow | None = None
        self.store.changed.connect(self.apply)
        self._prune_timer = QTimer(self, interval=PRUNE_EVERY_MS)
        self._prune_timer.timeout.connect(self._prune)
        self._prune_timer.start()
        if shell.tray is not None:
            shell.tray.option_changed.connect(self.tray_option)
            shell.tray.settings_requested.connect(self.show_settings)
            shell.tray.history_requested.connect(self.show_history)

    # ---- settings ----

    def tray_option(self, option: str, value: str) -> None:
        """A tray menu choice is a setting: save it (``apply`` then carries it out)."""
        try:
            self.store.set(TRAY_KEYS[option], value)
        except (KeyError, ValueError) as exc:
            log.warning("tray option %s=%r not saved: %s", option, value, exc)

    def apply(self, key: str) -> None:
        """Carry out one changed setting in the running app."""
        shell, value = self.shell, self.store.get(key)
        if key in COORDINATOR_OPTIONS:
            if key == "model_dir" and not value:
                from dictate_app.store.model_store import default_model_dir

                value = str(default_model_dir())
            shell.coordinator.set_option(COORDINATOR_OPTIONS[key], value)
            if shell.tray is not None and key in TRAY_KEYS.values():
                option = next(o for o, k in TRAY_KEYS.items() if k == key)
                shell.tray.set_choice(option, value)
        elif key == "hotkey":
            self._restart_hotkey(value)
        elif key == "itn":
            shell.worker.itn = value
        elif key == "sounds":
            shell.cues.enabled = value
        elif key == "sound_volume":
            shell.cues.volume = value
        elif key == "popup_seconds":
            shell.popup.show_ms = int(value * 1000)
        elif key == "start_at_login":
            try:
                autostart.set_enabled(value)
            except autostart.AutostartError as exc:
                shell.notify(str(exc), True)
        elif key == "history_audio":
            shell.log.keeps_audio = value
        elif key == "history_audio_cap_mb":
            shell.history.audio_cap_bytes = int(value * 1024 * 1024)
        elif key == "history_retention_days":
            shell.history.retention_days = value
            shell.history.prune()
        elif key == "app_overrides":
            pass  # read at each insertion (PerAppInserter) and each take (AI modes)
        elif key == "ai_mode":  # read at each take (AiModeTakes); the tray shows the choice
            if shell.tray is not None:
                shell.tray.set_choice("ai_mode", value)
        elif key == "server_url":  # the engine is loaded again, now from (or without) the server
            shell.coordinator.set_option("model_dir", shell.coordinator.options.model_dir)

    def _prune(self) -> None:
        try:
            self.shell.history.prune()
        except Exception as exc:  # a full disk must not stop the app; the next save will say so
            log.warning("history retention could not be applied: %s", exc)

    def _restart_hotkey(self, key: str) -> None:
        from dataclasses import replace

        shell = self.shell
        shell.hotkey.stop()
        shell.hotkey.key_name = key
        shell.coordinator.options = replace(shell.coordinator.options, hotkey=key)
        if shell.tray is not None:
            shell.tray.set_hotkey(key)
        shell.start_hotkey()

    # ---- windows ----

    def show_settings(self) -> SettingsDialog:
        if self.dialog is None:
            self.dialog = SettingsDialog(self.store, self.shell.rules.path, self._list_microphones,
                                         lambda: list(self.shell.modes.current()))
        else:
            self.dialog.load(self.store.settings)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        return self.dialog

    def show_history(self) -> HistoryWindow:
        if self.history_window is None:
            self.history_window = HistoryWindow(self.shell.history)
            self.history_window.reinsert_requested.connect(self.reinsert)
            self.shell.log.saved.connect(self._history_changed)
            self.shell.log.updated.connect(self._history_changed)
        self.history_window.show()
        self.history_window.raise_()
        self.history_window.activateWindow()
        return self.history_window

    def _history_changed(self, _hid: int) -> None:
        if self.history_window is not None and self.history_window.isVisible():
            self.history_window.refresh()

    def reinsert(self, text: str) -> None:
        """Insert ``text`` into whatever the user is in once the history window is gone."""
        shell = self.shell

        def done(outcome) -> None:
            if not outcome.inserted:
                shell.popup.show_message(outcome.message or "Could not insert the text.")

        QTimer.singleShot(REINSERT_DELAY_MS, lambda: shell.inserter.insert(
            text, None, shell.coordinator.options.insert, done))

    def show_running(self) -> None:
        """A second ``dictate-app`` was started: show that this one is here and how to use it."""
        how = self.shell.usage()
        self.shell.popup.show_message("Dictate is already running", f"{how[:1].upper()}{how[1:]}. {WHERE_SETTINGS}",
                                      warning=False)
