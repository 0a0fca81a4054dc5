"""The X11 backend: pynput + a focus-following key grab for the hotkey, python-xlib for the focused
window, xdotool for keys and typing, Qt's clipboard with each read's X client checked."""

from __future__ import annotations

from dictate_app.desktop.base import OK, Check, Desktop
from dictate_app.desktop.session import Session
from dictate_app.desktop.x11.hotkey import X11Hotkey
from dictate_app.desktop.x11.windows import X11Windows
from dictate_app.desktop.x11.xdotool import Xdotool


def clipboard_checks() -> list[Check]:
    return [
        Check("clipboard read detection", OK, "every read of the clipboard names its X client: the old "
                                              "clipboard comes back only after the target's own read."),
        Check("clipboard-manager hint", OK, "transcripts carry x-kde-passwordManagerHint=secret, which "
                                            "Klipper and CopyQ honour by not recording them."),
    ]


def build(session: Session) -> Desktop:
    display = session.env.get("DISPLAY")
    windows = X11Windows(display)

    def make_clipboard():
        from PySide6.QtGui import QGuiApplication

        from dictate_app.desktop.qt_clipboard import QtClipboard
        from dictate_app.desktop.x11.selection import SelectionWatch

        watch = SelectionWatch(display)
        QGuiApplication.instance().installNativeEventFilter(watch)
        clipboard = QtClipboard(watch=watch)
        clipboard.watch_filter = watch  # Qt keeps no reference to the filter: we must
        return clipboard

    return Desktop("x11", session.reason, X11Hotkey(display), windows, Xdotool(), make_clipboard,
                   extra_checks=clipboard_checks, close_parts=[windows.close])
