"""The focused X11 window and its application, read with python-xlib (no helper process).

The window is the window manager's ``_NET_ACTIVE_WINDOW`` (what ``xdotool getactivewindow``
printed before: about 5 ms a call for the process, against well under 1 ms for a property read
on an open connection); without an EWMH window manager, the X input focus. The application is
the ``WM_CLASS`` instance and class (``xterm XTerm``), the title ``_NET_WM_NAME`` or ``WM_NAME``.
Called on the GUI thread only: one Xlib connection is not safe across threads.
"""

from __future__ import annotations

import logging

from dictate_app.desktop.base import OK, UNSUPPORTED, Check, Window

log = logging.getLogger(__name__)


class X11Windows:
    """:class:`dictate_app.desktop.base.WindowSource` on an X display (``DISPLAY`` by default)."""

    def __init__(self, display_name: str | None = None):
        self.display_name = display_name
        self._display = None

    def _conn(self):
        if self._display is None:
            from Xlib import display as xdisplay  # lazy: only X11 sessions load python-xlib

            self._display = xdisplay.Display(self.display_name)
        return self._display

    def _active_id(self) -> int:
        disp = self._conn()
        root = disp.screen().root
        prop = root.get_full_property(disp.intern_atom("_NET_ACTIVE_WINDOW"), 0)
        if prop is not None and len(prop.value):
            return int(prop.value[0])
        focus = disp.get_input_focus().focus
        return 0 if isinstance(focus, int) else int(focus.id)  # None (0) and PointerRoot (1) are ints

    def focused(self) -> Window | None:
        """The active window with its application and title; None when none is (or no X)."""
        try:
            wid = self._active_id()
        except Exception as exc:  # no display, a server that went away: no focus check then
            log.debug("no active window (%s)", exc)
            self._display = None
            return None
        if wid <= 1:
            return None
        return self.describe(wid)

    def describe(self, wid: int) -> Window:
        """``wid`` with what X says of its application; just the id when it is gone."""
        disp = self._conn()
        try:
            window = disp.create_resource_object("window", wid)
            wm_class = window.get_wm_class() or ()
            name = window.get_full_property(disp.intern_atom("_NET_WM_NAME"), disp.intern_atom("UTF8_STRING"))
            title = name.value if name is not None else (window.get_wm_name() or "")
            pid_prop = window.get_full_property(disp.intern_atom("_NET_WM_PID"), 0)
        except Exception as exc:  # the window closed in the meantime: its id is all we know
            log.debug("window %s: no properties (%s)", wid, exc)
            return Window(str(wid))
        if isinstance(title, bytes):
            title = title.decode("utf-8", "replace")
        pid = int(pid_prop.value[0]) if pid_prop is not None and len(pid_prop.value) else None
        return Window(str(wid), " ".join(part for part in wm_class if part), str(title), pid)

    def checks(self) -> list[Check]:
        try:
            disp = self._conn()
            supported = disp.screen().root.get_full_property(disp.intern_atom("_NET_SUPPORTED"), 0)
            ewmh = supported is not None and disp.intern_atom("_NET_ACTIVE_WINDOW") in supported.value
        except Exception as exc:
            return [Check("focus identity", UNSUPPORTED, f"the X display cannot be opened ({exc}).",
                          "start Dictate inside your desktop session")]
        if ewmh:
            return [Check("focus identity", OK, "the window manager reports the active window "
                                                "(_NET_ACTIVE_WINDOW) and each window's WM_CLASS.")]
        return [Check("focus identity", OK, "no EWMH window manager: the X input focus is used as the "
                                            "focused window.")]

    def close(self) -> None:
        if self._display is not None:
            try:
                self._display.close()
            except Exception:  # the server may be gone already
                pass
            self._display = None
