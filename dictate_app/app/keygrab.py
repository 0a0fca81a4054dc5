"""Keep the hotkey away from the focused application (X11 passive key grab).

pynput's X11 listener only *watches* keys (RECORD extension): the focused window still receives
them. Holding F9 in a terminal then types ``ESC [ 2 0 ~`` over and over (auto-repeat), which the
desktop test against xterm showed. A passive grab of that one key on the root window sends its
events to us instead; pynput still sees them, because RECORD taps the server, not the clients.

The grab also tells us when another program already owns the key (X answers BadAccess), so the
user hears "F9 is taken" instead of wondering why nothing happens. Modifier keys (Right Ctrl...)
are never grabbed: that would break them as modifiers everywhere.
"""

from __future__ import annotations

import logging
import select
import threading

log = logging.getLogger(__name__)

MODIFIER_KEYSYM_NAMES = frozenset({
    "Control_L", "Control_R", "Shift_L", "Shift_R", "Alt_L", "Alt_R", "Meta_L", "Meta_R",
    "Super_L", "Super_R", "Hyper_L", "Hyper_R", "ISO_Level3_Shift", "Mode_switch",
})


def keysym_name(keysym: int) -> str:
    """X's name for a keysym ("F9", "Control_R", "a"), or its hex value when it has none."""
    from Xlib import XK

    for attr, value in vars(XK).items():
        if attr.startswith("XK_") and value == keysym:
            return attr[3:]
    return hex(keysym)


class KeyGrab:
    """A passive grab of one key (any modifiers) for as long as it is started."""

    def __init__(self, keysym: int):
        self.keysym = keysym
        self._display = None
        self._keycode = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> str | None:
        """Grab the key; return None on success, or one sentence saying why it was not grabbed."""
        from Xlib import X, XK, error
        from Xlib import display as xdisplay

        name = keysym_name(self.keysym)
        if name in MODIFIER_KEYSYM_NAMES:
            return None  # a modifier alone types nothing; grabbing it would break shortcuts
        try:
            disp = xdisplay.Display()
        except Exception as exc:  # no X display: pynput would have failed first; nothing to grab
            return f"could not open the X display to reserve the hotkey ({exc})"
        keycode = disp.keysym_to_keycode(self.keysym)
        if not keycode:
            disp.close()
            return f"the key {name} is not on this keyboard layout"
        catch = error.CatchError(error.BadAccess)
        disp.screen().root.grab_key(keycode, X.AnyModifier, True, X.GrabModeAsync, X.GrabModeAsync,
                                    onerror=catch)
        disp.sync()
        if catch.get_error() is not None:
            disp.close()
            return f"{name} is already a shortcut of another program, which receives it too"
        self._display, self._keycode = disp, keycode
        self._thread = threading.Thread(target=self._drain, name="hotkey-grab", daemon=True)
        self._thread.start()
        return None

    def _drain(self) -> None:
        """Read (and drop) the grabbed key's events: pynput reports them; unread ones pile up."""
        disp = self._display
        fd = disp.fileno()
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([fd], [], [], 0.2)
                if ready:
                    while disp.pending_events():
                        disp.next_event()
            except Exception:  # the connection went away (X server stopped): nothing left to do
                log.debug("hotkey grab connection closed", exc_info=True)
                return

    def stop(self) -> None:
        if self._display is None:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        try:
            from Xlib import X

            self._display.screen().root.ungrab_key(self._keycode, X.AnyModifier)
            self._display.close()
        except Exception:  # the server may be gone already; the grab died with it
            pass
        self._display = None
