"""The global hotkey: a pynput listener whose callbacks become queued Qt signals.

pynput is imported lazily, inside :meth:`HotkeyBridge.start`, because importing it without a
usable X display raises at import time. Its callbacks run on pynput's own thread: they only emit
signals (Qt queues them to the GUI thread) and do no Qt work themselves.

Default key: **F9**. It is a single key with no modifier, so holding it cannot turn into another
shortcut and it cannot leak Ctrl into the paste chord; few desktops bind it globally (Right Ctrl
is a good alternative, ``--hotkey ctrl_r``, but it forms Ctrl+letter shortcuts while held).
"""

from __future__ import annotations

import logging
import threading
import time

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from dictate_app.errors import DictateError

log = logging.getLogger(__name__)

DEFAULT_HOTKEY = "f9"
# X11 auto-repeat turns a held key into release+press pairs a few ms apart. A release is only
# believed if no press follows within this grace (Handy uses 50 ms for the same reason).
RELEASE_GRACE_MS = 40
_READY_TIMEOUT_S = 3.0

NO_HOTKEY_HELP = (
    "use Start dictation in the tray menu, or bind `dictate-app toggle` to a key in your "
    "desktop's keyboard settings"
)


class HotkeyError(DictateError):
    """The global hotkey cannot be used (no X server, Wayland without XWayland, bad key name)."""


def _import_keyboard():
    try:
        from pynput import keyboard
    except Exception as exc:  # pynput raises ImportError and others when no display is usable
        raise HotkeyError(
            f"The global hotkey is unavailable (no X11 display for pynput: {str(exc).splitlines()[0]}); "
            f"{NO_HOTKEY_HELP}."
        ) from None
    return keyboard


def key_label(name: str) -> str:
    """How a key name reads in the menu and messages: "F9", "Pause", "Ctrl R", "Scroll Lock"."""
    clean = name.strip().strip("<>").replace("_", " ").replace("-", " ")
    return clean.upper() if len(clean) <= 3 else clean.title()


def parse_key(name: str, keyboard=None):
    """A pynput key for ``name``: a special key ("f9", "ctrl_r", "<pause>") or one character."""
    keyboard = keyboard or _import_keyboard()
    clean = name.strip().strip("<>").lower().replace(" ", "_").replace("-", "_")
    special = getattr(keyboard.Key, clean, None)
    if special is not None:
        return special
    if len(clean) == 1:
        return keyboard.KeyCode.from_char(clean)
    raise HotkeyError(f"Unknown hotkey {name!r}: use a key name such as f9, ctrl_r, pause or scroll_lock.")


class HotkeyBridge(QObject):
    """Emits ``pressed(ms)`` and ``released(ms)`` for the hotkey (monotonic ms of the real key
    event, before any grace), and ``cancel()`` for Esc."""

    pressed = Signal(float)
    released = Signal(float)
    cancel = Signal()
    # Internal: emitted on pynput's thread, delivered (queued) on ours.
    _raw_press = Signal(float)
    _raw_release = Signal(float)
    _raw_escape = Signal()

    def __init__(self, key_name: str = DEFAULT_HOTKEY, parent: QObject | None = None):
        super().__init__(parent)
        self.key_name = key_name
        self._listener = None
        self._grab = None
        self._down = False
        self._pending_release: float | None = None
        self._grace = QTimer(self, singleShot=True, interval=RELEASE_GRACE_MS)
        self._grace.timeout.connect(self._confirm_release)
        self._raw_press.connect(self._on_press)
        self._raw_release.connect(self._on_release)
        self._raw_escape.connect(self.cancel)

    def start(self) -> str | None:
        """Start listening; raises :class:`HotkeyError` with the fix when that is impossible.

        Returns a warning (one sentence) when the hotkey works but could not be reserved for us
        (another program owns it, so it reaches that program too), else None.
        """
        keyboard = _import_keyboard()
        target = parse_key(self.key_name, keyboard)
        escape = keyboard.Key.esc

        def on_press(key):
            if key == target:
                self._raw_press.emit(time.monotonic() * 1000)
            elif key == escape:
                self._raw_escape.emit()

        def on_release(key):
            if key == target:
                self._raw_release.emit(time.monotonic() * 1000)

        listener = keyboard.Listener(on_press=on_press, on_release=on_release)
        listener.start()
        ready = threading.Event()
        threading.Thread(target=lambda: (listener.wait(), ready.set()), daemon=True).start()
        deadline = time.monotonic() + _READY_TIMEOUT_S
        while not ready.wait(0.02):
            if not listener.is_alive() or time.monotonic() > deadline:
                reason = "it stopped at once"
                try:
                    listener.join(0)
                except Exception as exc:  # the listener thread's own error, re-raised by join
                    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                try:
                    listener.stop()
                except Exception:  # a backend that never ran may not know how to stop either
                    pass
                raise HotkeyError(
                    f"The global hotkey listener could not start ({reason}); {NO_HOTKEY_HELP}."
                )
        self._listener = listener
        log.info("hotkey listener running for %s", self.key_name)
        return self._reserve(keyboard, target)

    def _reserve(self, keyboard, target) -> str | None:
        """On X11, grab the key so the focused window does not receive it too (see keygrab)."""
        if not keyboard.Listener.__module__.endswith("_xorg"):
            return None
        from dictate_app.app.keygrab import KeyGrab

        if isinstance(target, keyboard.Key):
            keysym = target.value.vk  # pynput's X11 backend keeps the keysym as the vk
        else:
            # Latin-1 keysyms equal the code point; other characters are 0x01000000 + code point.
            code = ord(target.char)
            keysym = code if code < 0x100 else 0x01000000 + code
        self._grab = KeyGrab(keysym)
        problem = self._grab.start()
        if problem:
            self._grab = None
            return f"The hotkey works, but {problem}: choose another key with --hotkey if that is a problem."
        return None

    def stop(self) -> None:
        if self._grab is not None:
            self._grab.stop()
            self._grab = None
        if self._listener is not None:
            self._listener.stop()
            self._listener = None

    @Slot(float)
    def _on_press(self, at_ms: float) -> None:
        if self._pending_release is not None:
            # Auto-repeat: a release then a press within the grace. The key never came up.
            self._grace.stop()
            self._pending_release = None
            return
        if not self._down:
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
