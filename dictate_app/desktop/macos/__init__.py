"""The macOS backend: a Quartz event tap for the hotkey, Cmd+V by the layout's V key and Unicode
typing through CGEvents, the general pasteboard with a promised transcript, NSWorkspace and
Accessibility for the focused window; permissions checked (and asked for) at start.

Written against the documentation; never run on macOS (no Mac exists where it was written). All OS
calls are in :mod:`dictate_app.desktop.macos.quartz` (pyobjc and Carbon, imported lazily, so this
package imports on every platform); the parts take that adapter, and tests/desktop/macos drive them
with a double that records the calls.
"""

from __future__ import annotations

import logging

from dictate_app.desktop.base import OK, ONLY_FIRST_READ_GRACE_MS, Check, Desktop
from dictate_app.desktop.session import Session

log = logging.getLogger(__name__)


def clipboard_checks() -> list[Check]:
    return [
        Check("clipboard read detection", OK, "the transcript is a pasteboard promise: the target's request for "
                                              "it proves the read, and the old clipboard comes back after it."),
        Check("clipboard-manager hint", OK, "transcripts carry org.nspasteboard.ConcealedType and TransientType, "
                                            "which Maccy, Paste and other clipboard managers honour."),
    ]


def assemble(session: Session, adapter) -> Desktop:
    """The backend's parts over ``adapter`` (the real one, or a test double)."""
    from dictate_app.desktop.macos.hotkey import MacHotkey
    from dictate_app.desktop.macos.keyboard import MacKeyboard
    from dictate_app.desktop.macos.pasteboard import MacPasteboard
    from dictate_app.desktop.macos.permissions import Permissions
    from dictate_app.desktop.macos.windows import MacWindows

    permissions = Permissions(adapter)
    hotkey = MacHotkey(adapter, permissions)
    made: list[MacPasteboard] = []

    def make_clipboard() -> MacPasteboard:
        board = MacPasteboard(adapter)
        made.append(board)
        return board

    def ask_permissions() -> None:
        problem = permissions.request()
        if problem:
            log.warning("%s", problem)
            desktop.changed()

    def release_clipboards() -> None:
        for board in made:
            board.release()

    desktop = Desktop("macos", session.reason, hotkey, MacWindows(adapter, permissions),
                      MacKeyboard(adapter, permissions), make_clipboard, extra_checks=clipboard_checks,
                      start_parts=[ask_permissions], close_parts=[release_clipboards],
                      fetch_grace_ms=ONLY_FIRST_READ_GRACE_MS)
    hotkey.on_change = desktop.changed
    return desktop


def build(session: Session) -> Desktop:
    from dictate_app.desktop.macos.quartz import QuartzAdapter

    return assemble(session, QuartzAdapter())
