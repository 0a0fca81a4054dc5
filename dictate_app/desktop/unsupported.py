"""Parts for what a desktop cannot do: no global key, no focus identity, no synthetic keys.

The tray, the history and the clipboard still work; every check says why the rest does not and
what to do instead (Qt-free).
"""

from __future__ import annotations

from dictate_app.desktop.base import UNSUPPORTED, Check, Desktop, HotkeyError, InsertError, Window
from dictate_app.desktop.session import Session

NO_HOTKEY = ("bind `dictate-app start` to the key's press and `dictate-app stop` to its release (or "
             "`dictate-app toggle` to a key) in your desktop's keyboard settings; the tray's Start "
             "dictation works too")


class NoHotkey:
    """A desktop with no way to see a global key: every start says what to bind instead."""

    keeps_key_from_app = False

    def __init__(self, why: str, fix: str = NO_HOTKEY):
        self.why, self.fix, self.key = why, fix, ""

    def start(self, key, press, release, escape) -> str | None:
        raise HotkeyError(f"The global hotkey is unavailable: {self.why}; {self.fix}.")

    def stop(self) -> None:
        pass

    def set_escape(self, wanted: bool) -> None:
        pass

    def checks(self) -> list[Check]:
        return [Check("hotkey", UNSUPPORTED, f"{self.why}.", self.fix),
                Check("key kept from the app", UNSUPPORTED, "there is no hotkey here.")]


class NoWindows:
    """A desktop that does not tell which window has the focus."""

    def focused(self) -> Window | None:
        return None

    def checks(self) -> list[Check]:
        return [Check("focus identity", UNSUPPORTED, "this desktop does not tell which window has the focus: "
                                                     "the focus check is skipped and per-app rules do not apply.")]


class _NoKeyboard:
    def __init__(self, why: str):
        self.why = why

    def _fail(self, *_args, **_kwargs) -> None:
        raise InsertError(f"Dictate cannot send keys here ({self.why}): your text is on the clipboard, paste it by hand.")

    key = type = _fail

    def held_modifiers(self) -> bool:
        return False

    def checks(self) -> list[Check]:
        fix = "paste the text by hand: it is on the clipboard and in the history"
        return [Check("typing", UNSUPPORTED, f"{self.why}.", fix), Check("paste", UNSUPPORTED, f"{self.why}.", fix)]


def qt_clipboard():
    """Qt's plain clipboard, imported only when the GUI thread makes it: the clipboard of desktops
    without a clipboard of their own (the text stays there for the user to paste)."""
    from dictate_app.desktop.qt_clipboard import QtClipboard

    return QtClipboard()


def unsupported(session: Session) -> Desktop:
    """Parts for a desktop Dictate has no backend for: the tray, the history and the clipboard
    still work, and every check says why the rest does not."""
    why = (f"Dictate has no {session.backend} backend yet" if session.backend != "none"
           else "there is no graphical session")
    return Desktop(session.backend, session.reason, NoHotkey(why), NoWindows(), _NoKeyboard(why),
                   qt_clipboard)
