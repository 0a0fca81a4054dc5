"""The hotkey bridge: key names, auto-repeat filtering, and a clear error without X11."""

from __future__ import annotations

import enum
from types import SimpleNamespace

import pytest

from dictate_app.app.hotkey import RELEASE_GRACE_MS, HotkeyBridge, HotkeyError, parse_key


class FakeKeyCode:
    def __init__(self, char):
        self.char = char

    @classmethod
    def from_char(cls, char):
        return cls(char)

    def __eq__(self, other):
        return isinstance(other, FakeKeyCode) and other.char == self.char


class FakeKey(enum.Enum):
    f9 = 1
    ctrl_r = 2
    pause = 3
    esc = 4


FAKE_KEYBOARD = SimpleNamespace(Key=FakeKey, KeyCode=FakeKeyCode)


@pytest.mark.parametrize(("name", "expected"), [
    ("f9", FakeKey.f9), ("F9", FakeKey.f9), ("<f9>", FakeKey.f9), ("ctrl_r", FakeKey.ctrl_r),
    ("Ctrl-R", FakeKey.ctrl_r), ("pause", FakeKey.pause), ("x", FakeKeyCode("x")),
])
def test_parse_key(name, expected):
    assert parse_key(name, FAKE_KEYBOARD) == expected


def test_unknown_key_name_says_what_to_use():
    with pytest.raises(HotkeyError, match="Unknown hotkey 'hyper_z'.*f9"):
        parse_key("hyper_z", FAKE_KEYBOARD)


# The dummy listener's thread dies with NotImplementedError: that is the failure under test.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_listener_that_cannot_run_points_to_the_alternatives(qtbot):
    # PYNPUT_BACKEND=dummy (tests/app/conftest.py): pynput imports, but its listener cannot run,
    # which is what the app meets with no usable X server.
    bridge = HotkeyBridge("f9")
    with pytest.raises(HotkeyError) as info:
        bridge.start()
    message = str(info.value)
    assert "could not start" in message and "dictate-app toggle" in message and "tray menu" in message


def test_press_release_with_auto_repeat_in_between(qtbot):
    bridge = HotkeyBridge("f9")
    events = []
    bridge.pressed.connect(lambda ms: events.append(("press", ms)))
    bridge.released.connect(lambda ms: events.append(("release", ms)))
    # What X11 auto-repeat delivers for one long hold: press, (release, press) pairs, release.
    bridge._raw_press.emit(1000.0)
    for t in (1500.0, 1530.0, 1560.0):
        bridge._raw_release.emit(t)
        bridge._raw_press.emit(t + 1)
    qtbot.wait(RELEASE_GRACE_MS * 3)
    assert events == [("press", 1000.0)]  # still held
    bridge._raw_release.emit(3000.0)
    qtbot.waitUntil(lambda: len(events) == 2, timeout=1000)
    # The release carries the real key-up time, not the end of the grace period.
    assert events == [("press", 1000.0), ("release", 3000.0)]


def test_escape_is_forwarded(qtbot):
    bridge = HotkeyBridge("f9")
    with qtbot.waitSignal(bridge.cancel, timeout=1000):
        bridge._raw_escape.emit()
