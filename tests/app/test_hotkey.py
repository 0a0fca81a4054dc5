"""The hotkey bridge over a desktop's hotkey source: one press and one release per hold whatever
the source repeats, Esc forwarded, and a clear error when the source cannot run."""

from __future__ import annotations

import pytest

from dictate_app.app.hotkey import RELEASE_GRACE_MS, HotkeyBridge, HotkeyError
from dictate_app.desktop.x11.hotkey import X11Hotkey
from tests.desktop.fakes import FakeHotkeySource


def test_key_names_reach_the_source_in_our_spelling(qtbot):
    source = FakeHotkeySource()
    assert HotkeyBridge(source, "<Pause>").start() is None
    assert source.started == "pause"
    source = FakeHotkeySource()
    HotkeyBridge(source, "Control_R").start()
    assert source.started == "ctrl_r"


def test_unknown_key_name_says_what_to_use(qtbot):
    with pytest.raises(HotkeyError, match="Unknown hotkey.*'hyper_z' is not a key name.*f9"):
        HotkeyBridge(FakeHotkeySource(), "hyper_z").start()


def test_a_sources_warning_is_returned(qtbot):
    assert HotkeyBridge(FakeHotkeySource("F9 is taken"), "f9").start() == "F9 is taken"


# The dummy listener's thread dies with NotImplementedError: that is the failure under test.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_listener_that_cannot_run_points_to_the_alternatives(qtbot):
    # PYNPUT_BACKEND=dummy (tests/app/conftest.py): pynput imports, but its listener cannot run,
    # which is what the app meets with no usable X server.
    bridge = HotkeyBridge(X11Hotkey(), "f9")
    with pytest.raises(HotkeyError) as info:
        bridge.start()
    message = str(info.value)
    assert "could not start" in message and "dictate-app toggle" in message and "tray menu" in message


def started_bridge() -> tuple[FakeHotkeySource, HotkeyBridge, list[tuple[str, float]]]:
    """A started bridge on F9, its fake source, and the list its press/release signals fill."""
    source = FakeHotkeySource()
    bridge = HotkeyBridge(source, "f9")
    bridge.start()
    events: list[tuple[str, float]] = []
    bridge.pressed.connect(lambda ms: events.append(("press", ms)))
    bridge.released.connect(lambda ms: events.append(("release", ms)))
    return source, bridge, events


def test_press_release_with_auto_repeat_in_between(qtbot):
    source, _bridge, events = started_bridge()
    # What X11 auto-repeat delivers for one long hold: press, (release, press) pairs, release.
    source.press(1000.0)
    for t in (1500.0, 1530.0, 1560.0):
        source.release(t)
        source.press(t + 1)
    qtbot.wait(RELEASE_GRACE_MS * 3)
    assert events == [("press", 1000.0)]  # still held
    source.release(3000.0)
    qtbot.waitUntil(lambda: len(events) == 2, timeout=1000)
    # The release carries the real key-up time, not the end of the grace period.
    assert events == [("press", 1000.0), ("release", 3000.0)]


def test_repeated_presses_without_releases_are_one_hold(qtbot):
    # sway repeats a held binding's press every ~40 ms and sends one release at key-up.
    source, _bridge, events = started_bridge()
    for t in (0.0, 600.0, 640.0, 680.0):
        source.press(t)
    source.release(700.0)
    qtbot.waitUntil(lambda: len(events) == 2, timeout=1000)
    assert events == [("press", 0.0), ("release", 700.0)]


def test_escape_is_forwarded_and_asked_for_while_recording(qtbot):
    source = FakeHotkeySource()
    bridge = HotkeyBridge(source, "f9")
    bridge.set_escape(True)  # not started: nothing to ask
    bridge.start()
    bridge.set_escape(True)
    bridge.set_escape(False)
    assert source.escape_wanted == [True, False]
    with qtbot.waitSignal(bridge.cancel, timeout=1000):
        source.escape()
    bridge.stop()
    bridge.stop()
    assert source.stopped == 1
