"""Keep the hotkey away from the focused application without deactivating it (X11 passive grab).

pynput's X11 listener only *watches* keys (RECORD extension): the focused window still receives
them. Holding F9 in a terminal then types ``ESC [ 2 0 ~`` over and over (auto-repeat). A passive
grab of that one key sends its events to us instead; pynput still sees them, because RECORD taps
the server, not the clients.

Where the grab sits matters. When a passive grab activates, the server moves the keyboard focus
from the focus window to the grab window with ``FocusOut``/``FocusIn`` events in mode
``NotifyGrab``, and back at release; Qt (and other toolkits) take that for losing activation:
a Qt field went inactive 0.10 s after F9 went down and stayed inactive until F9 came up, which
closes launchers, dropdown terminals and completion popups. The server sends no focus events when
the grab window *is* the focus window (``DoFocusEvents`` returns early when from == to). So the key
is grabbed on the focused window itself, and the grab follows the focus: the window manager's
``_NET_ACTIVE_WINDOW`` changes on the root, and ``FocusOut`` on the grabbed window, wake a thread
that moves it (well under a millisecond; a key pressed in that instant reaches the new window once).
Measured on the bench: with the grab on the focus window the Qt field stayed active through a
1 s hold of F9 and received no key.

A passive grab, once activated by the key's press, grabs the whole keyboard until the key comes
up: while F9 was held, every key went to Dictate's grab connection, so the paste chord or typed
keys of "insert as I speak" (issue 24) never reached the app. So the activated grab is ended at
once (``UngrabKeyboard`` as soon as our press arrives): the passive grab stays for the next press,
the key's own auto-repeats activate it again (and are ended again), and the app gets the keys
Dictate sends meanwhile, and the key's release only (no character: a release types nothing).
Without focus events either way, as the grab window is the focus window.

A probe grab on the root at start tells when another program already owns the key (X answers
BadAccess), so the user hears "F9 is taken" instead of wondering why nothing happens. Modifier
keys (Right Ctrl...) are never grabbed: that would break them as modifiers everywhere.
"""

from __future__ import annotations

import logging
import select
import threading

from dictate_app.desktop.keys import MODIFIER_KEYS, key_label

log = logging.getLogger(__name__)


class KeyGrab:
    """A passive grab of one key (any modifiers) on the focused window, moved as focus moves."""

    def __init__(self, key: str, keysym: int, display_name: str | None = None):
        self.key = key
        self.keysym = keysym
        self.display_name = display_name
        self._display = None
        self._keycode = 0
        self.window = None  # the window the grab sits on now (its Xlib resource object)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.moves = 0  # how often the grab followed the focus (for tests and logs)

    @property
    def active(self) -> bool:
        return self._display is not None

    def probe(self) -> str | None:
        """Whether the key could be grabbed (None) or why not, without keeping a grab."""
        opened = self._open()
        if isinstance(opened, str):
            return opened
        opened.close()
        return None

    def start(self) -> str | None:
        """Grab the key; return None on success, or one sentence saying why it was not grabbed."""
        from Xlib import X

        if self.key in MODIFIER_KEYS:
            return None  # a modifier alone types nothing; grabbing it would break shortcuts
        opened = self._open()
        if isinstance(opened, str):
            return opened
        self._display = opened
        opened.screen().root.change_attributes(event_mask=X.PropertyChangeMask)  # _NET_ACTIVE_WINDOW
        self._active_atom = opened.intern_atom("_NET_ACTIVE_WINDOW")
        self._follow()
        self._thread = threading.Thread(target=self._watch, name="hotkey-grab", daemon=True)
        self._thread.start()
        return None

    def _open(self):
        """A display on which the key can be grabbed (the probe: nobody holds it on the root), or
        one sentence saying why not."""
        from Xlib import X, error
        from Xlib import display as xdisplay

        label = key_label(self.key)
        try:
            disp = xdisplay.Display(self.display_name)
        except Exception as exc:  # no X display: pynput would have failed first; nothing to grab
            return f"could not open the X display to reserve the hotkey ({exc})"
        keycode = disp.keysym_to_keycode(self.keysym)
        if not keycode:
            disp.close()
            return f"the key {label} is not on this keyboard layout"
        root = disp.screen().root
        catch = error.CatchError(error.BadAccess)
        root.grab_key(keycode, X.AnyModifier, True, X.GrabModeAsync, X.GrabModeAsync, onerror=catch)
        disp.sync()
        if catch.get_error() is not None:
            disp.close()
            return f"{label} is already a shortcut of another program, which receives it too"
        root.ungrab_key(keycode, X.AnyModifier)
        self._keycode = keycode
        return disp

    def _focus_window(self):
        """The X input focus window: the one whose focus a grab must not move (root without one)."""
        disp = self._display
        focus = disp.get_input_focus().focus
        if isinstance(focus, int):  # None (0) or PointerRoot (1): nothing holds the focus
            return disp.screen().root
        return focus

    def _follow(self) -> None:
        """Move the grab onto the focused window (on the grab thread, or in start())."""
        from Xlib import X, error

        disp = self._display
        try:
            target = self._focus_window()
        except Exception:
            log.debug("hotkey grab: focus query failed", exc_info=True)
            return
        if self.window is not None and target.id == self.window.id:
            return
        root = disp.screen().root
        catch = error.CatchError()
        target.grab_key(self._keycode, X.AnyModifier, True, X.GrabModeAsync, X.GrabModeAsync, onerror=catch)
        # Our event mask on the root must keep PropertyChangeMask (_NET_ACTIVE_WINDOW).
        mask = X.FocusChangeMask | (X.PropertyChangeMask if target.id == root.id else 0)
        target.change_attributes(event_mask=mask, onerror=catch)
        disp.sync()
        if catch.get_error() is not None:
            # The window is gone, or the app itself grabs this key on it: keep the key from it
            # with a grab on the root (it then loses activation while the key is held).
            log.info("hotkey grab: window %#x refused (%s); grabbing on the root", target.id, catch.get_error())
            target = root
            target.grab_key(self._keycode, X.AnyModifier, True, X.GrabModeAsync, X.GrabModeAsync)
        old, self.window = self.window, target
        self.moves += 1
        if old is not None:
            ignore = error.CatchError()
            old.ungrab_key(self._keycode, X.AnyModifier, onerror=ignore)
            old_mask = X.PropertyChangeMask if old.id == root.id else X.NoEventMask
            old.change_attributes(event_mask=old_mask, onerror=ignore)
        disp.sync()

    def _watch(self) -> None:
        """Follow focus changes; drop the grabbed key's events (pynput reports them)."""
        from Xlib import X

        disp = self._display
        fd = disp.fileno()
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([fd], [], [], 0.2)
                if not ready:
                    continue
                moved = False
                while disp.pending_events():
                    event = disp.next_event()
                    if event.type == X.KeyPress:
                        # The activated passive grab holds the whole keyboard: end it (module notes).
                        disp.ungrab_keyboard(X.CurrentTime)
                        disp.flush()
                    elif event.type == X.PropertyNotify and event.atom == self._active_atom:
                        moved = True
                    elif event.type in (X.FocusOut, X.FocusIn):
                        moved = True
                if moved:
                    self._follow()
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
            from Xlib import X, error

            if self.window is not None:
                self.window.ungrab_key(self._keycode, X.AnyModifier, onerror=error.CatchError())
            self._display.sync()
            self._display.close()
        except Exception:  # the server may be gone already; the grab died with it
            pass
        self._display = None
        self.window = None
