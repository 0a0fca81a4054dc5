"""The settings dialog's "AI modes" tab (issue 25): the mode, the Shift mode, the endpoint, the model,
the timeout, the fewest words, and a plain line saying where the text goes ("Text is sent to
127.0.0.1 (this computer)."), which follows the endpoint as it is typed. Also the mode chooser the
per-application table uses for its AI mode column.

Mode choosers are editable: the catalog's names are offered (built-ins and modes.txt), and any
``translate to <language>`` can be typed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QLineEdit, QSpinBox, QWidget

from dictate_app.app.settings_help import API_KEY_NOTE, AS_SET_ABOVE
from dictate_app.modes.catalog import AS_SPOKEN
from dictate_app.modes.client import where_text_goes
from dictate_app.store.settings import Settings

KEYS = ("ai_mode", "ai_mode_shift", "llm_url", "llm_model", "llm_timeout_s", "ai_mode_min_words")


def mode_box(names: Sequence[str], current: str, inherit: bool = False) -> QComboBox:
    """An editable chooser of AI mode names; ``inherit``: the first entry is "As set above" ("")."""
    box = QComboBox()
    box.setEditable(True)
    if inherit:
        box.addItem(AS_SET_ABOVE, "")
    for name in names:
        box.addItem(name, name)
    set_mode(box, current)
    return box


def set_mode(box: QComboBox, name: str) -> None:
    index = box.findData(name)
    if index < 0 and name:  # a mode not in the catalog (typed, or gone from modes.txt): keep it
        box.addItem(name, name)
        index = box.count() - 1
    box.setCurrentIndex(max(index, 0))


def mode_of(box: QComboBox) -> str:
    """The chosen name: the item's, or what was typed ("" for "As set above")."""
    text = box.currentText().strip()
    index = box.findText(text)
    return box.itemData(index) if index >= 0 else text


class AiModesTab(QWidget):
    """``widgets`` are keyed like :class:`Settings` (the dialog gives each its tooltip)."""

    def __init__(self, list_modes: Callable[[], Sequence[str]], parent: QWidget | None = None):
        super().__init__(parent)
        self._list_modes = list_modes
        names = list(list_modes())
        w = self.widgets = {
            "ai_mode": mode_box(names, AS_SPOKEN),
            "ai_mode_shift": mode_box(names, "clean up"),
            "llm_url": QLineEdit(),
            "llm_model": QLineEdit(),
            "llm_timeout_s": QDoubleSpinBox(decimals=1, minimum=0.5, maximum=120.0, singleStep=0.5, suffix=" s"),
            "ai_mode_min_words": QSpinBox(minimum=0, maximum=1000, suffix=" words"),
        }
        w["llm_model"].setPlaceholderText("empty: the first model the endpoint lists")
        self.where = QLabel(wordWrap=True)
        self.key_note = QLabel(API_KEY_NOTE, wordWrap=True)
        w["llm_url"].textChanged.connect(self._show_where)
        form = QFormLayout(self)
        for label, widget in (("AI mode", w["ai_mode"]), ("With Shift held", w["ai_mode_shift"]),
                              ("Language model endpoint", w["llm_url"]), ("", self.where),
                              ("Model", w["llm_model"]), ("Wait for the answer at most", w["llm_timeout_s"]),
                              ("Run only from", w["ai_mode_min_words"]), ("", self.key_note)):
            form.addRow(label, widget)

    def _show_where(self, url: str) -> None:
        url = url.strip()
        self.where.setText(where_text_goes(url) if url else "Not set: the AI modes cannot run.")

    def load(self, s: Settings) -> None:
        w = self.widgets
        names = list(self._list_modes())
        for key in ("ai_mode", "ai_mode_shift"):
            w[key].clear()
            for name in names:
                w[key].addItem(name, name)
            set_mode(w[key], getattr(s, key))
        w["llm_url"].setText(s.llm_url)
        w["llm_model"].setText(s.llm_model)
        w["llm_timeout_s"].setValue(s.llm_timeout_s)
        w["ai_mode_min_words"].setValue(s.ai_mode_min_words)
        self._show_where(s.llm_url)

    def values(self) -> dict:
        w = self.widgets
        return {"ai_mode": mode_of(w["ai_mode"]), "ai_mode_shift": mode_of(w["ai_mode_shift"]),
                "llm_url": w["llm_url"].text().strip(), "llm_model": w["llm_model"].text().strip(),
                "llm_timeout_s": w["llm_timeout_s"].value(), "ai_mode_min_words": w["ai_mode_min_words"].value()}
