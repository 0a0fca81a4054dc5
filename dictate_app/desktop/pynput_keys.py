"""A pynput keyboard listener for one key and Esc: the hotkey watcher of X11 (and, with their own
ways of keeping the key from the app, of Windows and macOS).

pynput is imported lazily, in :func:`import_keyboard`: importing it without a usable X display
raises at import time. Its callbacks run on pynput's own thread; they only call the callbacks
given to :func:`start_listener`, which must not touch Qt (the Qt bridge queues them).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from dictate_app.desktop.base import HotkeyError, PressCallback
from dictate_app.desktop.keys import KeyNameError, normalize_key

log = logging.getLogger(__name__)

_READY_TIMEOUT_S = 3.0
NO_HOTKEY_HELP = (
    "use Start dictation in the tray menu, or bind `dictate-app toggle` to a key in your "
    "desktop's keyboard settings"
)
# Our names that pynput spells otherwise.
_PYNPUT_NAMES = {"super": "cmd", "super_l": "cmd_l", "super_r": "cmd_r"}


def import_keyboard():
    """``pynput.keyboard``, or :class:`HotkeyError` with the fix when no display is usable."""
    try:
        from pynput import keyboard
    except Exception as exc:  # pynput raises ImportError and others when no display is usable
        raise HotkeyError(
            f"The global hotkey is unavailable (no X11 display for pynput: {str(exc).splitlines()[0]}); "
            f"{NO_HOTKEY_HELP}."
        ) from None
    return keyboard


def pynput_key(name: str, keyboard):
    """pynput's key for one of our key names ("f9", "ctrl_r", "pause", "a")."""
    try:
        clean = normalize_key(name)
    except KeyNameError as exc:
        raise HotkeyError(str(exc)) from None
    special = getattr(keyboard.Key, _PYNPUT_NAMES.get(clean, clean), None)
    if special is not None:
        return special
    if len(clean) == 1:
        return keyboard.KeyCode.from_char(clean)
    raise HotkeyError(f"The key {name!r} cannot be watched here: use f9, ctrl_r, pause or scroll_lock.")


def start_listener(key: str, press: PressCallback, release: PressCallback, escape: Callable[[], None],
                   keyboard=None, **listener_options):
    """A running pynput listener that reports ``key`` (monotonic ms) and Esc; raises HotkeyError
    with the fix when it cannot start within a few seconds."""
    keyboard = keyboard or import_keyboard()
    target = pynput_key(key, keyboard)
    esc = keyboard.Key.esc

    def on_press(k):
        if k == target:
            press(time.monotonic() * 1000)
        elif k == esc:
            escape()

    def on_release(k):
        if k == target:
            release(time.monotonic() * 1000)

    listener = keyboard.Listener(on_press=on_press, on_release=on_release, **listener_options)
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
            raise HotkeyError(f"The global hotkey listener could not start ({reason}); {NO_HOTKEY_HELP}.")
    log.info("hotkey listener running for %s", key)
    return listener
