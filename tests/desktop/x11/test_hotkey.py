"""The X11 hotkey's logic (desktop/x11/hotkey.py) with fakes for pynput's listener and the key grab:
modifiers are never grabbed, a grab that fails is a warning, stop releases both, no display is one
row. (pynput and the grab on a real X server: tests/desktop/x11/test_keygrab.py and the bench.)"""

from __future__ import annotations

import pytest

from dictate_app.desktop.base import UNSUPPORTED
from dictate_app.desktop.x11 import hotkey as x11_hotkey
from dictate_app.desktop.x11 import keygrab
from dictate_app.desktop.x11.hotkey import X11Hotkey


class Fake:
    def __init__(self, *args, problem=None):
        self.args, self.problem, self.active, self.stopped = args, problem, False, False

    def start(self):
        self.active = self.problem is None
        return self.problem

    def stop(self):
        self.stopped = True


@pytest.fixture
def made(monkeypatch):
    """The listeners and grabs the hotkey made; ``made["problem"]`` is what the next grab says."""
    made = {"listeners": [], "grabs": [], "problem": None}

    def listener(key, press, release, escape):
        made["listeners"].append(Fake(key))
        return made["listeners"][-1]

    def grab(key, keysym, display):
        made["grabs"].append(Fake(key, keysym, display, problem=made["problem"]))
        return made["grabs"][-1]

    monkeypatch.setattr(x11_hotkey, "start_listener", listener)
    monkeypatch.setattr(keygrab, "KeyGrab", grab)
    return made


def test_a_key_is_watched_and_grabbed_on_the_focused_window(made):
    hotkey = X11Hotkey(":5")
    assert hotkey.start("F9", print, print, lambda: None) is None
    assert hotkey.key == "f9" and made["listeners"][0].args == ("f9",)
    assert made["grabs"][0].args == ("f9", 0xFFC6, ":5") and hotkey.keeps_key_from_app
    hotkey.stop()
    assert made["grabs"][0].stopped and made["listeners"][0].stopped and not hotkey.keeps_key_from_app


def test_a_modifier_is_watched_never_grabbed(made):
    hotkey = X11Hotkey()
    assert hotkey.start("ctrl_r", print, print, lambda: None) is None
    assert made["grabs"] == [] and not hotkey.keeps_key_from_app


def test_a_grab_that_fails_is_a_warning_and_the_key_still_works(made):
    made["problem"] = "another program grabbed F9"
    hotkey = X11Hotkey()
    warning = hotkey.start("f9", print, print, lambda: None)
    assert warning == ("The hotkey works, but another program grabbed F9: choose another key with --hotkey if "
                       "that is a problem.")
    assert not hotkey.keeps_key_from_app and made["listeners"][0].stopped is False


def test_no_display_is_one_row_with_the_fix():
    rows = X11Hotkey(":99999").checks()
    assert [(r.capability, r.status) for r in rows] == [("hotkey", UNSUPPORTED)]
    assert rows[0].detail.startswith("the X display cannot be opened (") and "desktop session" in rows[0].fix
