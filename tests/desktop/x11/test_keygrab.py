"""The hotkey grab on a real X server: it sits on the focused window and follows the focus, keeps
the key from the app without deactivating it, and reports a key another program owns."""

from __future__ import annotations

import time

from Xlib import XK, X
from Xlib import display as xdisplay

from dictate_app.desktop.x11.keygrab import KeyGrab
from testkit.desktop.app_harness import Target, wait_for

TAKEN = "F9 is already a shortcut of another program, which receives it too"


def test_probe_detects_an_owner_and_ours_does_not_block_others(desktop, tmp_path):
    f9 = XK.string_to_keysym("F9")
    target = Target(desktop, tmp_path / "target.txt")
    ours = KeyGrab("f9", f9)
    try:
        target.reset()
        assert ours.start() is None
        # Our grab sits on the focused window, not the root: the root is still free for the probe.
        assert ours.window.id == target.wid
        assert KeyGrab("f9", f9).probe() is None
    finally:
        ours.stop()
        target.close()
    other = xdisplay.Display(desktop.display)
    other.screen().root.grab_key(other.keysym_to_keycode(f9), X.AnyModifier, True,
                                 X.GrabModeAsync, X.GrabModeAsync)
    other.sync()
    try:
        assert KeyGrab("f9", f9).start() == TAKEN
        assert KeyGrab("f9", f9).probe() == TAKEN
    finally:
        other.close()


def test_modifier_keys_are_never_grabbed(desktop):
    grab = KeyGrab("ctrl_r", XK.string_to_keysym("Control_R"))
    assert grab.start() is None and not grab.active  # nothing reserved


def _activation_target(desktop, tmp_path, name):
    """The QLineEdit target, with a log of its application's activation changes."""
    out = tmp_path / f"{name}.txt"
    return Target(desktop, out, title=name, state_log=tmp_path / f"{name}.states")


def test_grab_follows_focus_and_leaves_the_app_active(desktop, tmp_path):
    first = _activation_target(desktop, tmp_path, "first")
    second = _activation_target(desktop, tmp_path, "second")
    grab = KeyGrab("f9", XK.string_to_keysym("F9"))
    try:
        first.reset()
        assert grab.start() is None
        wait_for(lambda: grab.window is not None and grab.window.id == first.wid, 5, "the grab on the first window")
        second.reset()
        wait_for(lambda: grab.window.id == second.wid, 5, "the grab moving to the second window")
        states_before = second.states()
        # One xdotool process: the hold's length does not depend on process start-up.
        desktop.xdotool("keydown", "F9", "sleep", "1", "keyup", "F9")
        time.sleep(0.3)
        assert second.states() == states_before, "the focused app changed activation while F9 was held"
        assert second.states()[-1] == "active"
        assert second.text() == "" and first.text() == ""  # F9 reached neither app
        desktop.xdotool("type", "--delay", "20", "ok")  # and the app still takes keys
        wait_for(lambda: second.text() == "ok", 5, "typing after the hold")
        # Keys sent while F9 is still held (insert as I speak) reach the app too: the activated
        # grab does not keep the keyboard (it did: nothing arrived until F9 came up). Held past
        # the auto-repeat delay; F9 itself and its repeats still reach no app.
        # (Separate xdotool runs: `type` takes every argument after it as text.)
        desktop.key_down("F9")
        try:
            time.sleep(0.8)
            desktop.xdotool("type", "--delay", "20", "mid")
            wait_for(lambda: second.text() == "okmid", 5, "the keys typed while F9 was held")
            time.sleep(0.8)
        except AssertionError as exc:
            raise AssertionError(f"{exc}: the app got {second.text()!r}") from None
        finally:
            desktop.key_up("F9")
        time.sleep(0.3)
        assert second.text() == "okmid" and second.states() == states_before
    finally:
        grab.stop()
        first.close()
        second.close()

