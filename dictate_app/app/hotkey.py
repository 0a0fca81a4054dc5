"""The global hotkey in Qt: a desktop's :class:`~dictate_app.desktop.base.HotkeySource` whose
callbacks (from any thread) become queued Qt signals, with one press and one release per hold.

Sources call back on their own threads (pynput's, a compositor IPC reader's, a D-Bus thread): the
callbacks only emit signals, which Qt queues to the GUI thread. Repeats are filtered here, once
for every desktop: X11 auto-repeat turns a held key into release+press pairs a few ms apart, and
sway repeats a held binding's press every ~40 ms.

Default key: **F9**. It is a single key with no modifier, so holding it cannot turn into another
shortcut and it cannot leak Ctrl into the paste chord; few desktops bind it globally (Right Ctrl
is a good alternative, ``--hotkey ctrl_r``, but it forms Ctrl+letter shortcuts while held).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from dictate_app.desktop.base import HotkeyError, HotkeySource
from dictate_app.desktop.keys import DEFAULT_HOTKEY, KeyNameError, normalize_hotkey

log = logging.getLogger(__name__)

# A release is only believed if no press follows within this grace (X11 auto-repeat sends
# release+press pairs a few ms apart; Handy uses 50 ms for the same reason).
RELEASE_GRACE_MS = 40

__all__ = ["HotkeyBridge", "HotkeyError", "RELEASE_GRACE_MS"]


class HotkeyBridge(QObject):
    """Emits ``pressed(ms)`` and ``released(ms)`` for the hotkey (monotonic ms of the real key
    event, before any grace), and ``cancel()`` for Esc."""

    pressed = Signal(float)
    released = Signal(float)
    cancel = Signal()
    # Internal: emitted on the source's thread, delivered (queued) on ours.
    _raw_press = Signal(float)
    _raw_release = Signal(float)
    _raw_escape = Signal()

    def __init__(self, source: HotkeySource, key_name: str = DEFAULT_HOTKEY, parent: QObject | None = None):
        super().__init__(parent)
        self.source = source
        self.key_name = key_name
        self._running = False
        self._down = False
        self._pending_release: float | None = None
        self._grace = QTimer(self, singleShot=True, interval=RELEASE_GRACE_MS)
        self._grace.timeout.connect(self._confirm_release)
        self._raw_press.connect(self._on_press)
        self._raw_release.connect(self._on_release)
        self._raw_escape.connect(self.cancel)

    def start(self) -> str | None:
        """Start listening; raises :class:`HotkeyError` with the fix when that is impossible.

        Returns a warning (one sentence) when the hotkey works with a limitation (another program
        owns the key too), else None.
        """
        try:
            key = normalize_hotkey(self.key_name)
        except KeyNameError as exc:
            raise HotkeyError(f"Unknown hotkey: {exc}") from None
        warning = self.source.start(key, self._raw_press.emit, self._raw_release.emit, self._raw_escape.emit)
        self._running = True
        return warning

    def stop(self) -> None:
        if self._running:
            self.source.stop()
            self._running = False
        self._down = False
        self._pending_release = None
        self._grace.stop()

    def set_escape(self, wanted: bool) -> None:
        """While recording, sources that must take Esc from the app to see it take it."""
        if self._running:
            self.source.set_escape(wanted)

    @Slot(float)
    def _on_press(self, at_ms: float) -> None:
        if self._pending_release is not None:
            # Auto-repeat: a release then a press within the grace. The key never came up.
            self._grace.stop()
            self._pending_release = None
            return
        if not self._down:  # a repeated press of a key already down (sway) is not a new hold
            self._down = True
            self.pressed.emit(at_ms)

    @Slot(float)
    def _on_release(self, at_ms: float) -> None:
        if self._down:
            self._pending_release = at_ms
            self._grace.start()

    @Slot()
    def _confirm_release(self) -> None:
        if self._pending_release is not None:
            at_ms, self._pending_release = self._pending_release, None
            self._down = False
            self.released.emit(at_ms)
