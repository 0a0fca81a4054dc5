"""The popup's auto-stop countdown: "stops in 1.5 s" beside the recording time during a pause.

A small label in the popup's top row (next to "● Recording", before the level meter, which is
right-aligned and keeps its place), so showing and clearing it never changes the popup's height:
the popup does not move under the user's eyes. Hidden when no countdown runs (the result view's
top row then collapses as before). What to show comes from :mod:`dictate_app.audio.autostop`.
"""

from __future__ import annotations

import math

from PySide6.QtWidgets import QLabel

STYLE = "color: #ffd54f; font-size: 12px;"  # the tags' amber: noticeable, not an error's red


def countdown_text(seconds_left: float | None) -> str:
    """The label's text for ``seconds_left`` (None: no countdown). Tenths, rounded up, so it never
    shows 0.0 s while the take is still going."""
    if seconds_left is None:
        return ""
    return f"stops in {max(0.1, math.ceil(seconds_left * 10) / 10):.1f} s"


class Countdown(QLabel):
    """The countdown label; :meth:`show_left` sets or clears it."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent, objectName="countdown")
        self.setStyleSheet(STYLE)
        # Wide enough for "stops in 10.0 s" from the start: its text never pushes the meter.
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance(countdown_text(10.0)) + 4)
        self.hide()

    def show_left(self, seconds_left: float | None) -> None:
        self.setText(countdown_text(seconds_left))
        self.setVisible(seconds_left is not None)
