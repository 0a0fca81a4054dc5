"""The adapter's own logic over stand-in pyobjc modules (no macOS here): how the tap callback
answers (a Python error passes the key on; listen-only never drops), the posted events' call order
and flags, and the Unicode string's length counted in UTF-16 units. The real framework calls are
never run here."""

from __future__ import annotations

import sys
import types

import pytest

from dictate_app.desktop.macos.quartz import QuartzAdapter


class StubQuartz(types.ModuleType):
    kCGHIDEventTap, kCGSessionEventTap, kCGHeadInsertEventTap = "hid", "session", "head"
    kCGEventTapOptionDefault, kCGEventTapOptionListenOnly = 0, 1
    kCGKeyboardEventKeycode, kCGKeyboardEventAutorepeat = "keycode", "autorepeat"
    kCFRunLoopCommonModes = "common"

    def __init__(self):
        super().__init__("Quartz")
        self.calls = []
        self.handler = None

    def CGEventCreateKeyboardEvent(self, source, keycode, down):
        self.calls.append(("create", keycode, down))
        return {"keycode": keycode, "autorepeat": 0, "flags": 0}

    def CGEventSetFlags(self, event, flags):
        event["flags"] = flags
        self.calls.append(("flags", flags))

    def CGEventKeyboardSetUnicodeString(self, event, length, text):
        self.calls.append(("unicode", length, text))

    def CGEventPost(self, tap, event):
        self.calls.append(("post", tap))

    def CGEventGetIntegerValueField(self, event, field):
        return event[field]

    def CGEventGetFlags(self, event):
        return event["flags"]

    def CGEventMaskBit(self, event_type):
        return 1 << event_type

    def CGEventTapCreate(self, where, place, option, mask, handler, refcon):
        self.calls.append(("tap", where, option, mask))
        self.handler = handler
        return "port"

    def CFMachPortCreateRunLoopSource(self, *args):
        return "source"

    def CFRunLoopGetCurrent(self):
        return "loop"

    def CFRunLoopAddSource(self, *args):
        pass

    def CGEventTapEnable(self, port, on):
        self.calls.append(("enable", on))

    def CFRunLoopRun(self):
        pass

    def CFRunLoopStop(self, loop):
        pass

    def CFMachPortInvalidate(self, port):
        pass


@pytest.fixture
def quartz(monkeypatch):
    stub = StubQuartz()
    monkeypatch.setitem(sys.modules, "Quartz", stub)
    return stub


def test_post_key_sets_exact_flags_and_posts_at_the_hid_tap(quartz):
    QuartzAdapter().post_key(0x09, True, 0x100000)
    assert quartz.calls == [("create", 0x09, True), ("flags", 0x100000), ("post", "hid")]


def test_unicode_length_is_in_utf16_units(quartz):
    """An emoji is two UTF-16 units: the length passed must count them, or it is cut."""
    QuartzAdapter().post_unicode("a🙂", True, 0)
    assert ("unicode", 3, "a🙂") in quartz.calls


def test_tap_callback_drops_passes_and_survives_errors(quartz):
    """False from the logic drops the event (None); a Python error passes the key on (pyobjc
    would otherwise drop every key the user types)."""
    answers = iter([False, True])

    def callback(event_type, keycode, flags, repeat):
        if keycode == 0x00:
            raise RuntimeError("bug")
        return next(answers)

    tap = QuartzAdapter().start_tap((10, 11, 12), callback, listen_only=False)
    assert ("tap", "session", 0, (1 << 10) | (1 << 11) | (1 << 12)) in quartz.calls
    f9 = {"keycode": 0x65, "autorepeat": 0, "flags": 0}
    assert quartz.handler(None, 10, f9, None) is None
    assert quartz.handler(None, 10, f9, None) is f9
    a = {"keycode": 0x00, "autorepeat": 0, "flags": 0}
    assert quartz.handler(None, 10, a, None) is a
    tap.stop()


def test_listen_only_tap_never_drops(quartz):
    QuartzAdapter().start_tap((10,), lambda *a: False, listen_only=True)
    assert quartz.calls[0][2] == 1
    event = {"keycode": 0x65, "autorepeat": 0, "flags": 0}
    assert quartz.handler(None, 10, event, None) is event
