"""The settings dialog: every setting of :class:`dictate_app.store.settings.Settings`, plus the
replacement rules file (the AI modes tab is :mod:`dictate_app.app.settings_ai`). OK/Apply validate through the store (bad values are shown, nothing is half
saved); the store's ``changed(key)`` then applies each change live."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog, QFormLayout,
    QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QSlider, QSpinBox,
    QTableWidget, QTabWidget, QVBoxLayout, QWidget,
)

from dictate_app.app.hints import cpu_build
from dictate_app.app.settings_ai import AiModesTab, mode_box, mode_of
from dictate_app.app.settings_help import CPU_BUILD, NO_AUDIO_KEPT, OVERRIDE_COLUMNS, SERVER_EXAMPLE, TOOLTIPS
from dictate_app.app.settings_store import SettingsStore
from dictate_app.audio.sources import Microphone, microphone_choices
from dictate_app.engine.base import LANGUAGE_CHOICES
from dictate_app.desktop.keys import PASTE_CHORDS, UNFIT_HOTKEYS, chord_label, from_xkb_keysym, key_label
from dictate_app.output.strategy import Method
from dictate_app.store import autostart
from dictate_app.store.settings import DEVICES, AppOverride, Settings
from dictate_app.text.labels import LANGUAGE_NAMES
from dictate_app.text.rules import TEMPLATE, parse_rules, save_rules

# Keys Qt names itself; their sides (Left/Right Ctrl...) come from the native keysym, see key_name.
_QT_KEYS = {
    Qt.Key.Key_Pause: "pause", Qt.Key.Key_ScrollLock: "scroll_lock", Qt.Key.Key_Insert: "insert",
    Qt.Key.Key_Print: "print_screen", Qt.Key.Key_Menu: "menu", Qt.Key.Key_CapsLock: "caps_lock",
    Qt.Key.Key_Home: "home", Qt.Key.Key_End: "end", Qt.Key.Key_PageUp: "page_up",
    Qt.Key.Key_PageDown: "page_down", Qt.Key.Key_Control: "ctrl", Qt.Key.Key_Alt: "alt",
    Qt.Key.Key_Shift: "shift", Qt.Key.Key_Meta: "super", Qt.Key.Key_NumLock: "num_lock",
}


def key_name(key: int, native_keysym: int = 0, text: str = "") -> str | None:
    """Our name (:mod:`dictate_app.desktop.keys`) for a pressed key (``f9``, ``ctrl_r``, ``x``), or None.

    ``native_keysym`` is ``QKeyEvent.nativeVirtualKey()``: an xkb keysym on X11 and Wayland, the
    only place that tells Right Ctrl from Left Ctrl."""
    named = from_xkb_keysym(native_keysym) if native_keysym else None
    if named is not None:
        return None if named in UNFIT_HOTKEYS else named
    if Qt.Key.Key_F1.value <= key <= Qt.Key.Key_F24.value:
        return f"f{key - Qt.Key.Key_F1.value + 1}"
    for qt_key, name in _QT_KEYS.items():
        if key == qt_key.value:
            return name
    if len(text) == 1 and text.isascii() and text.isalnum():
        return text.lower()
    return None


class HotkeyButton(QPushButton):
    """Shows the hotkey; click, then press the new key (Esc keeps the old one)."""

    changed = Signal(str)

    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.key = name
        self.setCheckable(True)
        self.toggled.connect(self._listening)
        self._listening(False)

    def set_key(self, name: str) -> None:
        self.key = name
        self._listening(False)

    def _listening(self, on: bool) -> None:
        self.setText("Press the new key… (Esc: keep)" if on else key_label(self.key))
        if on:
            self.grabKeyboard()
        else:
            self.releaseKeyboard()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.isChecked():
            return super().keyPressEvent(event)
        if event.key() != Qt.Key.Key_Escape:
            name = key_name(event.key(), event.nativeVirtualKey(), event.text())
            if name:
                self.key = name
                self.changed.emit(name)
        self.setChecked(False)


class OverridesTable(QWidget):
    """Per-application insertion: which apps get paste or typing, other paste keys, Enter after."""

    COLUMNS = tuple(title for title, _tip in OVERRIDE_COLUMNS)

    def __init__(self, parent: QWidget | None = None, list_modes: Callable[[], Sequence[str]] = lambda: ()):
        super().__init__(parent)
        self.list_modes = list_modes  # the AI mode column's choices
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        for column, (_title, tip) in enumerate(OVERRIDE_COLUMNS):
            self.table.horizontalHeaderItem(column).setToolTip(tip)
        self.table.verticalHeader().setVisible(False)  # row numbers mean nothing here
        # The app column takes the room left; the others are as wide as their header or widest
        # choice, so neither is cut ("class or name c", "as set abov..." at the default size).
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(self.COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setMinimumSectionSize(60)
        add, remove = QPushButton("Add app"), QPushButton("Remove")
        add.clicked.connect(lambda: self.add_row(AppOverride("")))
        remove.clicked.connect(lambda: self.table.removeRow(self.table.currentRow()))
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

    def set_overrides(self, overrides: Sequence[AppOverride]) -> None:
        self.table.setRowCount(0)
        for override in overrides:
            self.add_row(override)

    def add_row(self, o: AppOverride) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        match = QLineEdit(o.match)
        match.setPlaceholderText("e.g. kitty")
        self.table.setCellWidget(row, 0, match)
        self.table.setCellWidget(row, 1, _combo([("", "As set above"), ("paste", "Paste"), ("type", "Type keys")], o.method))
        self.table.setCellWidget(row, 2, _combo([("", "As set above"), *[(k, chord_label(k)) for k in PASTE_CHORDS]], o.paste_keys))
        enter = QCheckBox()
        enter.setChecked(o.auto_enter)
        self.table.setCellWidget(row, 3, enter)
        self.table.setCellWidget(row, 4, mode_box(list(self.list_modes()), o.ai_mode, inherit=True))
        self.table.resizeColumnsToContents()  # the column widths follow the widgets just added

    def overrides(self) -> list[dict]:
        rows = []
        for row in range(self.table.rowCount()):
            match = self.table.cellWidget(row, 0).text().strip()
            if match:  # an empty row is an unfinished one, not an error
                rows.append({"match": match, "method": self.table.cellWidget(row, 1).currentData(),
                             "paste_keys": self.table.cellWidget(row, 2).currentData(),
                             "auto_enter": self.table.cellWidget(row, 3).isChecked(),
                             "ai_mode": mode_of(self.table.cellWidget(row, 4))})
        return rows


def _combo(items: Sequence[tuple[str, str]], current: str) -> QComboBox:
    box = QComboBox()
    for value, label in items:
        box.addItem(label, value)
    _select(box, current)
    return box


def _select(box: QComboBox, value: str) -> None:
    index = box.findData(value)
    if index < 0:  # a value that is not offered (a microphone that is unplugged now): keep it
        box.addItem(f"{value} (not found)", value)
        index = box.count() - 1
    box.setCurrentIndex(index)


class SettingsDialog(QDialog):
    """Edits ``store``'s settings and the rules file at ``rules_path``; ``rules_saved`` after the
    rules file was written."""

    rules_saved = Signal()

    def __init__(self, store: SettingsStore, rules_path: Path,
                 list_microphones: Callable[[], Sequence[Microphone]] = lambda: (),
                 list_ai_modes: Callable[[], Sequence[str]] = lambda: ("as spoken",), parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Dictate settings")
        self.store = store
        self.rules_path = rules_path
        self._list_microphones = list_microphones
        self._list_ai_modes = list_ai_modes
        w = self.widgets = self._make_widgets()
        self.ai_tab = AiModesTab(list_ai_modes)
        w.update(self.ai_tab.widgets)
        tabs = QTabWidget()
        tabs.addTab(self._form([("Hotkey", w["hotkey"]), ("Hotkey mode", w["mode"]),
                                ("Stop after a pause of", w["auto_stop_s"]), ("Language", w["language"]),
                                ("", w["itn"]), ("Insert text by", w["insert_method"]), ("", w["insert_live"]),
                                ("Paste keys", w["paste_keys"]), ("Per application", w["app_overrides"])]),
                    "Dictation")
        tabs.addTab(self._form([("Microphone", w["microphone"]), ("", w["keep_mic_ready"]),
                                ("Keep recording after release", w["tail_ms"]), ("", w["sounds"]),
                                ("Sound volume", w["sound_volume"]), ("Show results for", w["popup_seconds"])]),
                    "Microphone and sounds")
        tabs.addTab(self._form([("Model folder", self._with_browse(w["model_dir"])), ("Run the model on", w["device"]),
                                ("Dictate server", w["server_url"])]), "Model")
        tabs.addTab(self._form([("", w["start_at_login"]), ("", w["history_audio"]),
                                ("Audio kept at most", w["history_audio_cap_mb"]),
                                ("Delete history after", w["history_retention_days"])]), "General")
        tabs.addTab(self.ai_tab, "AI modes")
        tabs.addTab(self._rules_tab(), "Replacement rules")
        self.tabs = tabs
        self.error = QLabel()
        self.error.setStyleSheet("color: #c0392b")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Apply
                                   | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Apply).clicked.connect(self.apply)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(
            lambda: self.load(Settings()))
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(860, 520)  # the per-application table's five columns fit without cutting
        for key, widget in w.items():
            widget.setToolTip(TOOLTIPS[key])
        w["start_at_login"].setToolTip(f"{TOOLTIPS['start_at_login']} ({autostart.location()})")
        w["history_audio"].toggled.connect(self._grey_out)
        if cpu_build():
            w["device"].setEnabled(False)
            w["device"].setToolTip(CPU_BUILD)
        self.load(store.saved)  # the saved values: this run's command-line options are never saved

    # ---- building ----

    def _make_widgets(self) -> dict[str, QWidget]:
        w: dict[str, QWidget] = {}
        w["hotkey"] = HotkeyButton(self.store.saved.hotkey)
        w["mode"] = _combo([("hold", "Hold the key while speaking"), ("toggle", "Press to start, press to stop")], "hold")
        w["auto_stop_s"] = _spin(Seconds(), 0, 60, " s", 0.5)
        w["auto_stop_s"].setSpecialValueText("off (press again to stop)")
        w["language"] = _combo([(c, "Detect automatically" if c == "auto" else LANGUAGE_NAMES[c])
                                for c in LANGUAGE_CHOICES], "auto")
        w["itn"] = QCheckBox("Write numbers as digits and add punctuation")
        w["insert_method"] = _combo([(Method.PASTE.value, "Paste (clipboard, exact for every script)"),
                                     (Method.TYPE.value, "Type keys"),
                                     (Method.AUTO.value, "Auto (type short plain text, paste the rest)")], "paste")
        w["paste_keys"] = _combo([(k, chord_label(k)) for k in PASTE_CHORDS], PASTE_CHORDS[0])
        w["insert_live"] = QCheckBox("Insert as I speak (each sentence when I pause)")
        w["app_overrides"] = OverridesTable(list_modes=self._list_ai_modes)
        w["microphone"] = QComboBox()
        w["keep_mic_ready"] = QCheckBox("Keep the microphone open (instant start, keeps the word before the key)")
        w["tail_ms"] = _spin(QSpinBox(), 0, 2000, " ms", 50)
        w["sounds"] = QCheckBox("Play a sound when recording starts and stops")
        w["sound_volume"] = QSlider(Qt.Orientation.Horizontal)
        w["sound_volume"].setRange(0, 100)
        w["popup_seconds"] = _spin(Seconds(), 0.5, 30, " s", 0.5)
        w["model_dir"] = QLineEdit()
        w["model_dir"].setPlaceholderText("empty: the folder Dictate downloads the model to")
        w["device"] = _combo([(d, {"auto": "GPU if available, else CPU", "cpu": "CPU", "cuda": "GPU (CUDA)"}[d])
                              for d in DEVICES], "auto")
        w["server_url"] = QLineEdit()
        w["server_url"].setPlaceholderText(f"empty: recognise on this computer (e.g. {SERVER_EXAMPLE})")
        w["start_at_login"] = QCheckBox("Start Dictate when I log in")
        w["history_audio"] = QCheckBox("Keep the audio of each dictation in the history")
        w["history_audio_cap_mb"] = _spin(QSpinBox(), 1, 100_000, " MB", 50)
        w["history_retention_days"] = _spin(QSpinBox(), 0, 36_500, " days", 1)
        w["history_retention_days"].setSpecialValueText("never")
        return w

    def _form(self, rows) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        for label, widget in rows:
            form.addRow(label, widget)
        return page

    def _with_browse(self, line: QLineEdit) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(line)
        browse = QPushButton("Choose…")
        browse.clicked.connect(lambda: line.setText(
            QFileDialog.getExistingDirectory(self, "The speech model folder", line.text()) or line.text()))
        row.addWidget(browse)
        return box

    def _rules_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel(f"Applied to every transcript before it is inserted. Saved in {self.rules_path}"))
        self.rules_edit = QPlainTextEdit()
        # Fixed width: the template's examples line up in columns.
        self.rules_edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        try:
            self.rules_edit.setPlainText(self.rules_path.read_text(encoding="utf-8"))
        except OSError:
            self.rules_edit.setPlainText(TEMPLATE)
        self.rules_status = QLabel()
        self.rules_status.setWordWrap(True)
        self.rules_edit.textChanged.connect(self._check_rules)
        self.rules_try = QLineEdit()
        self.rules_try.setPlaceholderText("Try a sentence here…")
        self.rules_try.textChanged.connect(self._check_rules)
        self.rules_result = QLabel()
        layout.addWidget(self.rules_edit)
        layout.addWidget(self.rules_status)
        layout.addWidget(self.rules_try)
        layout.addWidget(self.rules_result)
        self._check_rules()
        return page

    def _check_rules(self) -> None:
        rules = parse_rules(self.rules_edit.toPlainText())
        counts = f"{_count(len(rules.rules), 'rule')}, {_count(len(rules.vocabulary.terms), 'vocabulary word')}"
        self.rules_status.setText(counts + ("" if not rules.problems else "\n" + "\n".join(rules.problems)))
        sample = self.rules_try.text()
        self.rules_result.setText(f"→ {rules.apply(sample)}" if sample else "")

    def _grey_out(self, *_args) -> None:
        """Settings that do not apply now are greyed out, with the reason as their tooltip."""
        cap, keeps = self.widgets["history_audio_cap_mb"], self.widgets["history_audio"].isChecked()
        cap.setEnabled(keeps)
        cap.setToolTip(TOOLTIPS["history_audio_cap_mb"] if keeps else NO_AUDIO_KEPT)

    # ---- values ----

    def load(self, s: Settings) -> None:
        """Show ``s`` in the widgets (not saved until OK/Apply)."""
        w = self.widgets
        w["hotkey"].set_key(s.hotkey)
        for key in ("mode", "language", "insert_method", "paste_keys", "device"):
            _select(w[key], getattr(s, key))
        for key in ("itn", "insert_live", "keep_mic_ready", "sounds", "start_at_login", "history_audio"):
            w[key].setChecked(getattr(s, key))
        for key in ("tail_ms", "auto_stop_s", "sound_volume", "popup_seconds", "history_audio_cap_mb",
                    "history_retention_days"):
            w[key].setValue(getattr(s, key))
        self._grey_out()
        w["model_dir"].setText(s.model_dir)
        w["server_url"].setText(s.server_url)
        w["app_overrides"].set_overrides(s.app_overrides)
        box = w["microphone"]
        box.clear()
        mics, why = microphone_choices(self._list_microphones, s.microphone)
        for mic in mics:
            box.addItem(mic.label, mic.id)
        box.setToolTip(why or box.toolTip())
        _select(box, s.microphone)
        self.ai_tab.load(s)

    def values(self) -> dict:
        """What the widgets say, keyed like :class:`Settings`."""
        w = self.widgets
        values = {"hotkey": w["hotkey"].key, "app_overrides": w["app_overrides"].overrides(),
                  "model_dir": w["model_dir"].text().strip(), "server_url": w["server_url"].text().strip(),
                  "microphone": w["microphone"].currentData() or ""}
        for key in ("mode", "language", "insert_method", "paste_keys", "device"):
            values[key] = w[key].currentData()
        for key in ("itn", "insert_live", "keep_mic_ready", "sounds", "start_at_login", "history_audio"):
            values[key] = w[key].isChecked()
        for key in ("tail_ms", "auto_stop_s", "sound_volume", "popup_seconds", "history_audio_cap_mb",
                    "history_retention_days"):
            values[key] = w[key].value()
        values.update(self.ai_tab.values())
        return values

    def apply(self) -> bool:
        """Validate and save everything; False (and the reason shown) if something is invalid."""
        try:
            self.store.update(self.values())
        except (ValueError, KeyError) as exc:
            self.error.setText(f"Not saved: {exc}")
            return False
        text = self.rules_edit.toPlainText()
        try:
            current = self.rules_path.read_text(encoding="utf-8") if self.rules_path.exists() else None
            if text != current:
                save_rules(text, self.rules_path)
                self.rules_saved.emit()
        except OSError as exc:
            self.error.setText(f"The rules could not be saved to {self.rules_path}: {exc}")
            return False
        self.error.setText("")
        return True

    def accept(self) -> None:
        if self.apply():
            super().accept()


class Seconds(QDoubleSpinBox):
    """Seconds as people write them: "4 s", "2.5 s" (not "4.00 s")."""

    def __init__(self):
        super().__init__()
        self.setDecimals(1)

    def textFromValue(self, value: float) -> str:
        return f"{value:g}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _spin(box, low, high, suffix: str, step):
    box.setRange(low, high)
    box.setSuffix(suffix)
    box.setSingleStep(step)
    return box
