"""One press and one release per hold of a compositor-bound key (no I/O, no Qt).

Compositor bindings report the hotkey as events that are not always one press then one release:

- a held binding repeats: sway runs a press binding again every ~40 ms after ~600 ms (measured on
  the sway bench, ``tests/desktop/sway_bench.py``) unless it was bound ``--no-repeat``
  (sway 1.5 and later);
- a release binding can be lost: sway forgets a ``--release`` binding when any other key goes
  down during the hold (``sway/input/keyboard.c``, ``held_binding`` is cleared; measured on the
  bench with F9 held and ``a`` or Esc pressed). The key is then up with no event at all.

:class:`Hold` turns such events into clean press/release pairs. Without repeats, a press while
the key is believed down can only mean the release was lost: that press ends the hold (the user
presses the key again to stop a recording that did not stop) and its own release is ignored.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from dictate_app.desktop import keys
from dictate_app.desktop.base import HotkeyError

log = logging.getLogger(__name__)

UP, DOWN, ENDING = "up", "down", "ending"


class Hold:
    """The state of one hold. ``repeats``: the compositor repeats the press binding while the key
    is held (sway older than 1.5), so a press while down is a repeat, not a lost release."""

    def __init__(self, repeats: bool = False) -> None:
        self.repeats = repeats
        self.state = UP

    def press(self, at_ms: float) -> list[tuple[str, float]]:
        """The events to emit for a press binding that fired at ``at_ms``."""
        if self.state == DOWN:
            if self.repeats:
                return []
            self.state = ENDING  # the release of the previous hold was lost; this press ends it
            return [("release", at_ms)]
        self.state = DOWN
        return [("press", at_ms)]

    def release(self, at_ms: float) -> list[tuple[str, float]]:
        """The events to emit for a release binding that fired at ``at_ms``."""
        state, self.state = self.state, UP
        return [("release", at_ms)] if state == DOWN else []

    def cancel(self) -> None:
        """Esc went down during the hold: the compositor drops the key's release, and the
        recording is cancelled anyway, so the next press starts a new hold."""
        self.state = UP


class HoldEvents:
    """A :class:`Hold` wired to a hotkey source's callbacks: each binding event a compositor
    reports (``press``, ``release``, ``escape``) becomes the calls the app expects, stamped with
    the monotonic time it arrived (compositor binding events carry no time of their own)."""

    def __init__(self) -> None:
        self.hold = Hold()
        self.press: Callable[[float], None] = lambda ms: None
        self.release: Callable[[float], None] = lambda ms: None
        self.escape: Callable[[], None] = lambda: None

    def action(self, action: str) -> None:
        at_ms = time.monotonic() * 1000
        if action == "escape":
            self.hold.cancel()
            self.escape()
            return
        if action not in ("press", "release"):
            return
        for kind, when in self.hold.press(at_ms) if action == "press" else self.hold.release(at_ms):
            (self.press if kind == "press" else self.release)(when)


class BindingHotkey:
    """What the compositor hotkey sources (sway, Hyprland) share: the key, a marker naming our
    bindings, the hold, and Esc bound only while wanted. Subclasses add and remove the bindings:
    ``_bind_escape``/``_unbind_escape`` (raising one of ``_failures`` when the compositor says no)."""

    keeps_key_from_app = True
    _failures: tuple[type[BaseException], ...] = (OSError, RuntimeError)

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.marker = f"dictate-hotkey-{os.getpid()}-{id(self) & 0xFFFF:x}"
        self.key = ""
        self._escape_wanted = False
        self._escape_free = True  # False when the user's config binds Esc: then it is left alone
        self._events = HoldEvents()

    def _begin(self, key: str, press: Callable[[float], None], release: Callable[[float], None],
               escape: Callable[[], None]) -> None:
        """The key in our vocabulary (raises HotkeyError) and the callbacks."""
        try:
            self.key = keys.normalize_key(key)
        except keys.KeyNameError as exc:
            raise HotkeyError(str(exc)) from None
        self._events.press, self._events.release, self._events.escape = press, release, escape

    def set_escape(self, wanted: bool) -> None:
        with self._lock:
            if wanted == self._escape_wanted or not self.key:
                return
            self._escape_wanted = wanted
            if not self._escape_free:
                return
            try:
                self._bind_escape() if wanted else self._unbind_escape()
            except self._failures as exc:
                log.warning("could not %s Esc: %s", "bind" if wanted else "unbind", exc)

    def _bind_escape(self) -> None:
        raise NotImplementedError

    def _unbind_escape(self) -> None:
        raise NotImplementedError
