"""The hotkey grab on a real X server: it reserves the key, and reports a key another program owns."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.desktop


def test_grab_reserves_the_key_and_detects_an_owner(desktop):
    from Xlib import XK, X
    from Xlib import display as xdisplay

    from dictate_app.app.keygrab import KeyGrab

    f9 = XK.string_to_keysym("F9")
    ours = KeyGrab(f9)
    assert ours.start() is None
    # While we hold it, a second program asking for F9 is refused, and it says so.
    second = KeyGrab(f9)
    assert second.start() == "F9 is already a shortcut of another program, which receives it too"
    ours.stop()
    # Released: another client can take it now, and then we are the ones refused.
    other = xdisplay.Display(desktop.display)
    other.screen().root.grab_key(other.keysym_to_keycode(f9), X.AnyModifier, True,
                                 X.GrabModeAsync, X.GrabModeAsync)
    other.sync()
    try:
        assert KeyGrab(f9).start() == "F9 is already a shortcut of another program, which receives it too"
    finally:
        other.close()


def test_modifier_keys_are_never_grabbed(desktop):
    from Xlib import XK

    from dictate_app.app.keygrab import KeyGrab

    grab = KeyGrab(XK.string_to_keysym("Control_R"))
    assert grab.start() is None and grab._display is None  # nothing reserved
