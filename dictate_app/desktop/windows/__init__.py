"""The Windows backend: a low-level keyboard hook for the hotkey, SendInput for keys and typing,
the Win32 clipboard with delayed rendering, the foreground window's executable for focus identity.

Written against the documentation; **never run on Windows** (no Windows machine exists where it
was written). Every OS call is in :mod:`dictate_app.desktop.windows.win32`, the only module that
loads ``ctypes.windll``; the rest decides and is tested on Linux with a recording double of it.
Importing this package anywhere is safe.
"""

from __future__ import annotations

from dictate_app.desktop.base import OK, ONLY_FIRST_READ_GRACE_MS, UNSUPPORTED, Check, Desktop
from dictate_app.desktop.session import Session
from dictate_app.desktop.windows.focus import WindowsFocus
from dictate_app.desktop.windows.hotkey import WindowsHotkey
from dictate_app.desktop.windows.keyboard import WindowsKeyboard


def clipboard_checks() -> list[Check]:
    return [
        Check("clipboard read detection", OK, "the transcript is offered by delayed rendering: the target's "
                                              "request for it is the read, and the old clipboard comes back after it."),
        Check("clipboard-manager hint", OK, "transcripts carry ExcludeClipboardContentFromMonitorProcessing and "
                                            "CanIncludeInClipboardHistory=0, CanUploadToCloudClipboard=0 and Clipboard "
                                            "Viewer Ignore: Win+V history, cloud sync, Ditto and CopyQ skip them."),
    ]


def _no_api_checks(why: str) -> list[Check]:
    return [Check(name, UNSUPPORTED, f"{why}.", "run Dictate on Windows")
            for name in ("clipboard read detection", "clipboard-manager hint")]


def build(session: Session, api=None) -> Desktop:
    """The Windows desktop over ``api`` (the real adapter by default). Where the Windows API
    cannot be loaded (``--desktop windows`` elsewhere), every row says so."""
    if api is None:
        from dictate_app.desktop.windows.win32 import load

        try:
            api = load()
        except OSError as exc:
            return _without_api(session, str(exc))
    from dictate_app.desktop.windows.clipboard import Win32Clipboard

    clipboards: list = []

    def make_clipboard():
        clipboard = Win32Clipboard(api)
        clipboards.append(clipboard)
        return clipboard

    def close() -> None:
        for clipboard in clipboards:
            clipboard.close()

    return Desktop("windows", session.reason, WindowsHotkey(api), WindowsFocus(api), WindowsKeyboard(api),
                   make_clipboard, extra_checks=clipboard_checks, close_parts=[close],
                   fetch_grace_ms=ONLY_FIRST_READ_GRACE_MS)


def _without_api(session: Session, why: str) -> Desktop:
    """``--desktop windows`` off Windows (doctor): every part says why nothing works."""
    from dictate_app.desktop.unsupported import NoHotkey, qt_clipboard

    return Desktop("windows", f"{session.reason}; {why}", NoHotkey(why, "run Dictate on Windows"), WindowsFocus(None),
                   WindowsKeyboard(None), qt_clipboard, extra_checks=lambda: _no_api_checks(why))
