"""The tray icon and its menu. It shows state; its choices (mode, language, insert_method,
paste_keys, microphone, ai_mode) are settings: it shows them from the live settings object and
sets them there (saved, then carried out by whoever watches the key); a change made elsewhere
(the settings dialog) shows here too. The tooltip and "Start dictation" teach the hotkey in its
mode ("Hold F9"), so a user who never read the README finds it.

The "AI mode" submenu (issue 25) lists the modes of the catalog (the built-ins and the user's
modes.txt), read again each time the menu opens, so a mode just added to the file is there."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from dictate_app.app.hints import NO_HOTKEY, how_to_dictate, hotkey_in_mode
from dictate_app.app.icons import phase_icon
from dictate_app.audio.sources import Microphone, microphone_choices
from dictate_app.engine.base import LANGUAGE_CHOICES
from dictate_app.lifecycle import Mode, Phase
from dictate_app.desktop.keys import PASTE_CHORDS, chord_label, key_label
from dictate_app.output.strategy import Method
from dictate_app.text.labels import LANGUAGE_NAMES

if TYPE_CHECKING:
    from dictate_app.app.settings_store import SettingsStore

log = logging.getLogger(__name__)

STATUS_WORDS = {
    Phase.LOADING: "Loading the speech model…",
    Phase.IDLE: "Ready",
    Phase.RECORDING: "Recording…",
    Phase.TRANSCRIBING: "Transcribing…",
    Phase.INSERTING: "Inserting…",
    Phase.ERROR: "Error",
}
INSERT_LABELS = {
    Method.PASTE: "Paste (clipboard)",
    Method.TYPE: "Type keys",
    Method.AUTO: "Auto (type short ASCII, paste the rest)",
}
DEFAULT_MIC = ""  # the system default microphone
NO_MODEL_WORDS = "No speech model yet"


def _mode_labels(hotkey: str) -> list[tuple[str, str]]:
    key = key_label(hotkey)
    return [(Mode.HOLD.value, f"Hold {key} to talk"), (Mode.TOGGLE.value, f"Press {key} to start and stop")]


class Tray(QObject):
    """``toggle_requested``, ``quit_requested``, ``history_requested``, ``settings_requested``,
    ``setup_requested`` (the model setup window); ``hands_free_requested`` (a take that stops by
    itself after a pause: dictate_app.audio.autostop)."""

    toggle_requested = Signal()
    hands_free_requested = Signal()
    quit_requested = Signal()
    history_requested = Signal()
    settings_requested = Signal()
    setup_requested = Signal()

    def __init__(
        self,
        settings: SettingsStore,
        *,
        list_microphones: Callable[[], Sequence[Microphone]],
        list_ai_modes: Callable[[], Sequence[str]] = lambda: ("as spoken",),
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.settings = settings
        self.hotkey_works = True  # False: the tooltip and Start dictation do not offer the key
        self._phase, self._detail, self._no_model = Phase.LOADING, "", False
        # Whether the last toggle_requested came from a left click on the icon (else the menu):
        # the shell then says how to stop in the words that fit.
        self.toggled_by_click = False
        self._list_microphones = list_microphones
        self._microphone = settings.microphone or DEFAULT_MIC
        self._ai_mode = settings.ai_mode
        self._list_ai_modes = list_ai_modes
        self.icon = QSystemTrayIcon(phase_icon(Phase.LOADING), self)
        self._choice_menus: dict[str, QMenu] = {}
        self.menu = QMenu()
        m = self.menu

        self.status_action = m.addAction(STATUS_WORDS[Phase.LOADING])
        self.status_action.setEnabled(False)
        self.toggle_action = m.addAction("Start dictation")
        self.toggle_action.triggered.connect(self._menu_toggle)
        self.hands_free_action = m.addAction("Start hands-free dictation")
        self.hands_free_action.triggered.connect(self.hands_free_requested)
        m.addSeparator()
        self.mode_menu = self._choices("Hotkey mode", _mode_labels(self.hotkey), "mode")
        self.language_menu = self._choices(
            "Language", [(code, "Detect automatically" if code == "auto" else LANGUAGE_NAMES[code])
                         for code in LANGUAGE_CHOICES], "language")
        self.insert_menu = self._choices(
            "Insert text by", [(m_.value, INSERT_LABELS[m_]) for m_ in Method], "insert_method")
        self.paste_menu = self._choices("Paste keys", [(k, chord_label(k)) for k in PASTE_CHORDS], "paste_keys")
        self.mic_menu = m.addMenu("Microphone")
        self.mic_menu.aboutToShow.connect(self._fill_microphones)
        self._fill_microphones()
        self.ai_mode_menu = m.addMenu("AI mode")
        self.ai_mode_menu.aboutToShow.connect(self._fill_ai_modes)
        self._fill_ai_modes()
        m.addSeparator()
        self.model_action = m.addAction("Model: loading…")
        self.model_action.setEnabled(False)
        # What works on this desktop (dictate-app doctor's summary): where a hotkey or paste fails.
        self.desktop_action = m.addAction("Desktop: checking…")
        self.desktop_action.setEnabled(False)
        m.addAction("Set up the model…").triggered.connect(self.setup_requested)
        m.addAction("History…").triggered.connect(self.history_requested)
        m.addAction("Settings…").triggered.connect(self.settings_requested)
        m.addSeparator()
        m.addAction("Quit Dictate").triggered.connect(self.quit_requested)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self._refresh()
        settings.watch(("mode", "language", "insert_method", "paste_keys", "microphone", "ai_mode"),
                       lambda key: self.set_choice(key, settings.get(key)))
        settings.watch(("hotkey",), self._hotkey_changed)

    def _choose(self, key: str, value: str) -> None:
        """A menu choice is a setting: saved, then carried out by whoever watches ``key``."""
        try:
            self.settings.set(key, value)
        except (KeyError, ValueError) as exc:
            log.warning("tray choice %s=%r not saved: %s", key, value, exc)

    def _choices(self, title: str, items, key: str) -> QMenu:
        """A submenu of exclusive, checkable choices for setting ``key``."""
        current = self.settings.get(key)
        sub = self.menu.addMenu(title)
        group = QActionGroup(sub)
        group.setExclusive(True)
        for value, label in items:
            action = sub.addAction(label)
            action.setCheckable(True)
            action.setChecked(value == current)
            action.setData(value)
            group.addAction(action)
        group.triggered.connect(lambda a: self._choose(key, a.data()))
        self._choice_menus[key] = sub
        return sub

    @property
    def hotkey(self) -> str:
        return self.settings.hotkey

    @property
    def mode(self) -> Mode:
        return Mode(self.settings.mode)

    def _hotkey_changed(self, _key: str) -> None:
        """Relabel the hotkey-mode choices after the hotkey changed in the settings."""
        labels = dict(_mode_labels(self.hotkey))
        for action in self.mode_menu.actions():
            action.setText(labels[action.data()])
        self._refresh()

    def set_hotkey_works(self, works: bool) -> None:
        """Whether the hotkey started; without it the tray is the way to dictate."""
        self.hotkey_works = works
        self._refresh()

    def set_choice(self, option: str, value: str) -> None:
        """Check ``value`` in setting ``option``'s submenu (the setting changed)."""
        # The two lists are rebuilt only for a change made elsewhere: a pick here is shown already
        # (and its action must outlive the signal it is sending).
        if option == "microphone":
            if (value or DEFAULT_MIC) != self._microphone:
                self._microphone = value or DEFAULT_MIC
                self._fill_microphones()
            return
        if option == "ai_mode":
            if value != self._ai_mode:
                self._ai_mode = value
                self._fill_ai_modes()
            return
        for action in self._choice_menus[option].actions():
            action.setChecked(action.data() == value)
        if option == "mode":
            self._refresh()

    def _fill_microphones(self) -> None:
        """Listed again each time the menu opens: a headset plugged in meanwhile is there."""
        self.mic_menu.clear()
        group = QActionGroup(self.mic_menu)
        mics, why = microphone_choices(self._list_microphones, self._microphone)
        if why:
            self.mic_menu.addAction(f"({why})").setEnabled(False)
        for mic in mics:
            action = self.mic_menu.addAction(mic.label)
            action.setCheckable(True)
            action.setChecked(mic.id == self._microphone)
            action.setData(mic.id)
            group.addAction(action)
        group.triggered.connect(self._pick_microphone)

    def _fill_ai_modes(self) -> None:
        """The modes as radio items; the current one is listed even if the file lost it."""
        self.ai_mode_menu.clear()
        group = QActionGroup(self.ai_mode_menu)
        names = list(self._list_ai_modes())
        if self._ai_mode.lower() not in (n.lower() for n in names):
            names.append(self._ai_mode)
        for name in names:
            action = self.ai_mode_menu.addAction(name[:1].upper() + name[1:])
            action.setCheckable(True)
            action.setChecked(name.lower() == self._ai_mode.lower())
            action.setData(name)
            group.addAction(action)
        group.triggered.connect(self._pick_ai_mode)

    def _pick_ai_mode(self, action: QAction) -> None:
        self._ai_mode = action.data()
        self._choose("ai_mode", self._ai_mode)

    def _pick_microphone(self, action: QAction) -> None:
        self._microphone = action.data()
        self._choose("microphone", self._microphone)

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason != QSystemTrayIcon.ActivationReason.Trigger:
            return
        if self._no_model:  # a left click without a model: the window that sets one up
            self.setup_requested.emit()
        else:  # left click: start/stop
            self.toggled_by_click = True
            self.toggle_requested.emit()

    def _menu_toggle(self) -> None:
        self.toggled_by_click = False
        self.toggle_requested.emit()

    # ---- shown state ----

    def show(self) -> None:
        self.icon.show()

    def set_phase(self, phase: Phase, detail: str = "") -> None:
        """Icon, tooltip, status line and the start/stop label for ``phase``."""
        self._phase, self._detail, self._no_model = phase, detail, False
        self._refresh()

    def set_no_model(self) -> None:
        """No model yet (the setup window was closed, or is open at the first start): a calm
        state, not the error icon, and nothing to start until a model is set up."""
        self._no_model = True
        self._refresh()

    def _refresh(self) -> None:
        if self._no_model:
            self.icon.setIcon(phase_icon(Phase.LOADING))
            self.icon.setToolTip(f"Dictate: {NO_MODEL_WORDS.lower()}\nClick to set it up (or Set up the model… in the menu)")
            self.status_action.setText(NO_MODEL_WORDS)
            self.toggle_action.setText("Start dictation")
            self.toggle_action.setEnabled(False)
            self.hands_free_action.setEnabled(False)
            return
        phase = self._phase
        words = STATUS_WORDS[phase] + (f" {self._detail}" if self._detail else "")
        how = how_to_dictate(self.hotkey, self.mode) if self.hotkey_works else NO_HOTKEY
        self.icon.setIcon(phase_icon(phase))
        self.icon.setToolTip(f"Dictate: {words}\n{how[:1].upper()}{how[1:]}")
        self.status_action.setText(words)
        # The hotkey in words, not in a "\t" shortcut column: a tray host that draws the menu
        # itself (StatusNotifierItem over D-Bus) is handed the label as it is.
        if not self.hotkey_works:
            self.toggle_action.setText("Stop dictation" if phase is Phase.RECORDING else "Start dictation")
        elif phase is Phase.RECORDING:
            self.toggle_action.setText(f"Stop dictation (press {key_label(self.hotkey)})")
        else:
            self.toggle_action.setText(f"Start dictation ({hotkey_in_mode(self.hotkey, self.mode)})")
        self.toggle_action.setEnabled(True)
        self.hands_free_action.setEnabled(phase is not Phase.RECORDING)  # Stop dictation stops it

    def set_model_info(self, text: str) -> None:
        self.model_action.setText(f"Model: {text}")

    def set_desktop_info(self, text: str) -> None:
        self.desktop_action.setText(f"Desktop: {text}")

    def notify(self, message: str, error: bool = True) -> None:
        icon = QSystemTrayIcon.MessageIcon.Critical if error else QSystemTrayIcon.MessageIcon.Information
        self.icon.showMessage("Dictate", message, icon, 8000)
