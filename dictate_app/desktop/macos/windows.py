"""The focused window on macOS: the frontmost application's bundle id and name, its front window's
number, and the focused window's title through Accessibility.

Written against the documentation (``NSWorkspace.frontmostApplication``,
``CGWindowListCopyWindowInfo``, ``AXUIElementCopyAttributeValue``); never run on macOS. OS calls are
the adapter's (:mod:`dictate_app.desktop.macos.quartz`); called on the GUI thread.

``Window.app`` is "bundle-id Name" (``com.apple.Terminal Terminal``), like X11's WM_CLASS instance
and class, so a per-app rule matches either spelling; ``Window.id`` is "pid:window number" (the
focus check compares it: another window of the same app is another target). The title needs
Accessibility (window names from the window list would need Screen Recording); without it the
window is still identified, only its title is empty.
"""

from __future__ import annotations

import logging

from dictate_app.desktop.base import MISSING, OK, Check, Window
from dictate_app.desktop.macos.permissions import ACCESSIBILITY, STALE_HINT, Permissions

log = logging.getLogger(__name__)


class MacWindows:
    """:class:`dictate_app.desktop.base.WindowSource` over the adapter."""

    def __init__(self, adapter, permissions: Permissions | None = None):
        self.adapter = adapter
        self.permissions = permissions or Permissions(adapter)

    def focused(self) -> Window | None:
        try:
            front = self.adapter.frontmost()
        except Exception as exc:  # AppKit unavailable: no focus check then
            log.debug("no frontmost application (%s)", exc)
            return None
        if front is None:
            return None
        bundle_id, name, pid = front
        number = self.adapter.front_window_number(pid)
        title = self.adapter.focused_window_title(pid) if self.permissions.granted(ACCESSIBILITY) else None
        app = " ".join(part for part in (bundle_id, name) if part)
        return Window(f"{pid}:{number if number is not None else ''}", app, title or "", pid)

    def checks(self) -> list[Check]:
        if self.permissions.granted(ACCESSIBILITY):
            return [Check("focus identity", OK, "the frontmost app's bundle id (NSWorkspace) and its focused "
                                                "window's title (Accessibility).")]
        return [Check("focus identity", MISSING, "the frontmost app's bundle id is known, but window titles need "
                                                 "Accessibility, so rules on titles do not match.",
                      f"allow Dictate under System Settings > Privacy & Security > Accessibility ({STALE_HINT})")]
