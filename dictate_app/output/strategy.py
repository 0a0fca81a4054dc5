"""Insertion decisions with no I/O: which method for which text (the paste chords are in
:mod:`dictate_app.desktop.keys`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Method(str, Enum):
    """How text reaches the target application."""

    PASTE = "paste"  # clipboard + paste chord: exact for any script, constant time
    TYPE = "type"  # synthetic key presses: works where paste does not, slow for long text
    AUTO = "auto"  # type short plain ASCII, paste everything else


# xdotool and wtype type about 7-12 ms per character: 20 characters is a quarter of a second, which is
# where pasting starts to win.
TYPE_MAX_CHARS = 20


def choose_method(text: str, setting: Method | str, can_paste: bool = True) -> Method:
    """The method to use for ``text`` under the user's setting (never AUTO); TYPE where the
    desktop does not let Dictate set the clipboard (``can_paste`` False: GNOME on Wayland)."""
    setting = Method(setting)
    if not can_paste:
        return Method.TYPE
    if setting is not Method.AUTO:
        return setting
    if text.isascii() and len(text) <= TYPE_MAX_CHARS:
        return Method.TYPE
    return Method.PASTE


@dataclass(frozen=True)
class InsertOutcome:
    """What happened to a transcript. ``status``: "inserted", "clipboard" (left on the clipboard
    for the user to paste, ``message`` says why) or "failed" (``message`` says what to do)."""

    status: str
    method: Method | None = None
    message: str = ""

    @property
    def inserted(self) -> bool:
        return self.status == "inserted"
