"""The insertion sequence with fake clipboard, keyboard and timer."""

from __future__ import annotations

import pytest

from dictate_app.desktop.base import Window
from dictate_app.output.inserter import FOCUS_MOVED, NOT_PASTED, Inserter
from dictate_app.output.strategy import Method
from tests.desktop.fakes import FakeClipboard, FakeKeyboard


W1 = Window("w1")


class ManualTimer:
    """Records scheduled callbacks; ``run_all`` fires them in order (like an event loop)."""

    def __init__(self):
        self.pending = []
        self.delays = []

    def __call__(self, delay_ms, callback):
        self.delays.append(delay_ms)
        self.pending.append(callback)

    def run_all(self):
        while self.pending:
            self.pending.pop(0)()


def make(clip=None, keys=None, **kwargs):
    clip = clip or FakeClipboard({"text/plain": b"OLD", "text/html": b"<b>OLD</b>"})
    keys = keys or FakeKeyboard()
    timer = ManualTimer()
    results = []
    inserter = Inserter(clip, keys, keys.focused, timer, **kwargs)
    return inserter, clip, keys, timer, results


def test_paste_saves_pastes_then_restores_every_format_after_the_delay():
    inserter, clip, keys, timer, results = make(restore_delay_ms=250)
    inserter.insert("你好世界", W1, Method.PASTE, results.append)
    # The chord went out with the transcript on the clipboard; the old content is not back yet.
    assert keys.sent == [("key", "ctrl+v", False)]
    assert clip.text() == "你好世界" and results == []
    assert timer.delays == [250]
    timer.run_all()
    assert clip.content == {"text/plain": b"OLD", "text/html": b"<b>OLD</b>"}
    assert clip.log == ["save", "set:你好世界", "reader:w1", "restore"]
    assert [r.status for r in results] == ["inserted"] and results[0].method is Method.PASTE


def test_terminal_paste_chord_is_configurable():
    inserter, _, keys, timer, results = make(paste_keys="ctrl+shift+v")
    inserter.insert("ls -la", W1, Method.PASTE, results.append)
    timer.run_all()
    assert keys.sent == [("key", "ctrl+shift+v", False)]


def test_auto_types_short_ascii_without_touching_the_clipboard():
    inserter, clip, keys, timer, results = make()
    inserter.insert("hello", W1, Method.AUTO, results.append)
    assert keys.sent == [("type", "hello", False)] and clip.log == []
    assert results[0].status == "inserted" and results[0].method is Method.TYPE


def test_focus_moved_keeps_text_on_clipboard_and_types_nothing():
    inserter, clip, keys, timer, results = make(keys=FakeKeyboard(window="other"))
    inserter.insert("secret words", W1, Method.PASTE, results.append)
    assert keys.sent == [] and clip.text() == "secret words"
    assert results[0].status == "clipboard" and results[0].message == FOCUS_MOVED


def test_no_known_target_skips_the_focus_check():
    inserter, _, keys, timer, results = make(keys=FakeKeyboard(window=None))
    inserter.insert("hello", None, Method.TYPE, results.append)
    assert keys.sent == [("type", "hello", False)]


def test_waits_for_held_modifiers_before_sending():
    keys = FakeKeyboard(held=[True, True, False])
    inserter, _, keys, timer, results = make(keys=keys, poll_ms=20)
    inserter.insert("hello", W1, Method.TYPE, results.append)
    assert keys.sent == []  # Ctrl is still down: nothing sent yet
    timer.run_all()
    assert keys.sent == [("type", "hello", False)] and timer.delays == [20, 20]


def test_modifiers_held_too_long_are_cleared_for_the_chord():
    keys = FakeKeyboard(held=[True] * 100)
    inserter, _, keys, timer, results = make(keys=keys, poll_ms=100, modifier_wait_ms=300)
    inserter.insert("hello there, long text", W1, Method.PASTE, results.append)
    timer.run_all()
    assert keys.sent == [("key", "ctrl+v", True)]
    assert results[0].status == "inserted"


@pytest.mark.parametrize("method", [Method.PASTE, Method.TYPE])
def test_failure_keeps_text_on_clipboard_and_reports(method):
    keys = FakeKeyboard()
    keys.fail = True
    inserter, clip, _, timer, results = make(keys=keys)
    inserter.insert("keep me", W1, method, results.append)
    timer.run_all()
    assert clip.text() == "keep me"
    assert results[0].status == "failed" and "xdotool" in results[0].message


def test_empty_clipboard_is_restored_empty():
    inserter, clip, _, timer, results = make(clip=FakeClipboard(None))
    inserter.insert("a long enough sentence to paste", W1, Method.AUTO, results.append)
    timer.run_all()
    assert clip.content is None and results[0].inserted


def test_restores_right_after_the_target_read_the_clipboard():
    clip = FakeClipboard({"text/plain": b"OLD"}, reads=[False, False, True])
    inserter, clip, keys, timer, results = make(clip=clip, poll_ms=20, fetch_grace_ms=50)
    inserter.insert("pasted once read", W1, Method.PASTE, results.append)
    timer.run_all()
    # Two polls saw no read yet, the third saw it: restore after the grace, not a fixed 250 ms.
    assert timer.delays == [20, 20, 50]
    assert clip.content == {"text/plain": b"OLD"} and results[0].inserted


def test_a_paste_nobody_read_keeps_the_text_and_says_so():
    # xterm ignores Ctrl+V, for instance: it never asks for the clipboard.
    clip = FakeClipboard({"text/plain": b"OLD"}, reads=[False] * 1000)
    inserter, clip, keys, timer, results = make(clip=clip, poll_ms=100, fetch_timeout_ms=500)
    inserter.insert("nobody reads this", W1, Method.PASTE, results.append)
    timer.run_all()
    assert timer.delays == [100] * 5
    assert clip.text() == "nobody reads this" and "restore" not in clip.log
    assert results[0].status == "clipboard" and results[0].message == NOT_PASTED


def test_restore_waits_until_the_target_stops_reading():
    # Chromium reads several formats per paste: each new read by the target extends the grace.
    clip = FakeClipboard({"text/plain": b"OLD"}, reads=[0, 1, 3, 3])
    inserter, clip, keys, timer, results = make(clip=clip, poll_ms=20, fetch_grace_ms=50)
    inserter.insert("read three times", W1, Method.PASTE, results.append)
    timer.run_all()
    assert timer.delays == [20, 50, 50]  # one poll, a grace after the 1st read, one more after the 3rd
    assert clip.log[-1] == "restore" and results[0].inserted


def test_the_reader_is_the_window_the_chord_goes_to():
    # With no target (re-insertion from the history), the focused window at the chord is the reader.
    inserter, clip, keys, timer, results = make(keys=FakeKeyboard(window="w7"))
    inserter.insert("again", None, Method.PASTE, results.append)
    timer.run_all()
    assert clip.log[:3] == ["save", "set:again", "reader:w7"]


def test_a_desktop_that_cannot_paste_types_instead():
    # GNOME on Wayland: no data-control protocol, so Dictate cannot set the clipboard for the target.
    inserter, clip, keys, timer, results = make(can_paste=False)
    inserter.insert("a sentence long enough to paste", W1, Method.PASTE, results.append)
    assert keys.sent == [("type", "a sentence long enough to paste", False)] and clip.log == []
    assert results[0].method is Method.TYPE
