"""The focused X11 window (desktop/x11/windows.py) over a fake python-xlib display: the EWMH active
window or else the input focus, its WM_CLASS, UTF-8 title and pid, a window that closed meanwhile,
and a display that went away. (On a real X server: tests/desktop/test_per_app.py.)"""

from __future__ import annotations

from types import SimpleNamespace as NS

from dictate_app.desktop.base import OK, UNSUPPORTED, Window
from dictate_app.desktop.x11.windows import X11Windows


class FakeWindow:
    def __init__(self, wm_class=None, net_name=None, wm_name=None, pid=None, gone=False):
        self.wm_class, self.net_name, self.wm_name, self.pid, self.gone = wm_class, net_name, wm_name, pid, gone

    def get_wm_class(self):
        if self.gone:
            raise RuntimeError("BadWindow")
        return self.wm_class

    def get_full_property(self, atom, kind):
        value = {"_NET_WM_NAME": self.net_name, "_NET_WM_PID": [self.pid] if self.pid else None}[atom]
        return NS(value=value) if value is not None else None

    def get_wm_name(self):
        return self.wm_name


class FakeDisplay:
    def __init__(self, root_props, focus=0, windows=None):
        self.root_props, self.focus, self.windows = root_props, focus, windows or {}
        self.closed = False

    def screen(self):
        return NS(root=NS(get_full_property=lambda atom, kind: (
            NS(value=self.root_props[atom]) if atom in self.root_props else None)))

    def intern_atom(self, name):
        return name

    def get_input_focus(self):
        return NS(focus=self.focus)

    def create_resource_object(self, kind, wid):
        return self.windows[wid]

    def close(self):
        self.closed = True


def source(display) -> X11Windows:
    windows = X11Windows()
    windows._display = display
    return windows


def test_the_active_window_with_its_class_title_and_pid():
    terminal = FakeWindow(("xterm", "XTerm"), "vim ü.txt".encode(), pid=4242)
    display = FakeDisplay({"_NET_ACTIVE_WINDOW": [0x600001], "_NET_SUPPORTED": ["_NET_ACTIVE_WINDOW"]},
                          windows={0x600001: terminal})
    assert source(display).focused() == Window(str(0x600001), "xterm XTerm", "vim ü.txt", 4242)
    assert source(display).checks()[0].status == OK and "_NET_ACTIVE_WINDOW" in source(display).checks()[0].detail


def test_without_ewmh_the_input_focus_and_wm_name():
    display = FakeDisplay({}, focus=NS(id=77), windows={77: FakeWindow(None, None, wm_name="Untitled")})
    assert source(display).focused() == Window("77", "", "Untitled", None)
    assert "the X input focus is used" in source(display).checks()[0].detail
    assert source(FakeDisplay({}, focus=1)).focused() is None  # PointerRoot: no window


def test_a_window_that_closed_meanwhile_is_just_its_id():
    display = FakeDisplay({"_NET_ACTIVE_WINDOW": [9]}, windows={9: FakeWindow(gone=True)})
    assert source(display).focused() == Window("9")


def test_a_display_that_went_away_is_no_focus_and_is_reconnected_next_time():
    class Gone(FakeDisplay):
        def screen(self):
            raise ConnectionError("the X server closed the connection")

    windows = source(Gone({}))
    assert windows.focused() is None and windows._display is None
    closing = source(FakeDisplay({}))
    display = closing._display
    closing.close()
    assert display.closed and closing._display is None
    rows = X11Windows(":99999").checks()
    assert [(r.capability, r.status) for r in rows] == [("focus identity", UNSUPPORTED)]
