"""The focused window on Windows: the foreground window and its process's executable name
(:class:`dictate_app.desktop.base.WindowSource`).

``Window.app`` is the executable's file name (``notepad.exe``, ``WindowsTerminal.exe``), so
per-app rules (a case-insensitive part of :meth:`Window.describe`) match it; ``pid`` lets the
clipboard tell the target's read from a clipboard manager's. Store (UWP) apps are framed by
``ApplicationFrameHost.exe``, which owns their foreground window for every such app; the app
itself is the process of a child window, so that one is named (and its reads are the target's).
Written against the documentation
(GetForegroundWindow, GetWindowThreadProcessId, QueryFullProcessImageNameW); never run on Windows.
"""

from __future__ import annotations

import ntpath

from dictate_app.desktop.base import OK, UNSUPPORTED, Check, Window


FRAME_HOST = "applicationframehost.exe"


class WindowsFocus:
    def __init__(self, api):
        self.api = api

    def focused(self) -> Window | None:
        """The foreground window with its executable and title; None when no window has the
        focus (the desktop, the lock screen)."""
        if self.api is None:
            return None
        hwnd = self.api.foreground_window()
        if not hwnd:
            return None
        pid = self.api.window_pid(hwnd)
        exe = ntpath.basename(self.api.process_image(pid)) if pid else ""
        if exe.lower() == FRAME_HOST:
            inner = next((child for child in self.api.child_window_pids(hwnd) if child != pid), None)
            if inner is not None:
                pid, exe = inner, ntpath.basename(self.api.process_image(inner))
        return Window(str(hwnd), exe, self.api.window_title(hwnd), pid)

    def checks(self) -> list[Check]:
        if self.api is None:
            return [Check("focus identity", UNSUPPORTED, "the Windows API cannot be loaded here.",
                          "run Dictate on Windows")]
        return [Check("focus identity", OK, "the foreground window and its program's executable name "
                                            "(notepad.exe) identify the target; per-app rules match that name.")]
