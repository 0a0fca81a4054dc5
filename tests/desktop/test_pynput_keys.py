"""pynput's part of the X11 and Windows hotkeys (desktop/pynput_keys.py), against a fake of
``pynput.keyboard``: our key names in pynput's spelling, and a listener that reports the key and
Esc, or fails in one sentence when it cannot start."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from dictate_app.desktop.base import HotkeyError
from dictate_app.desktop.pynput_keys import NO_HOTKEY_HELP, pynput_key, start_listener


class FakeListener:
    def __init__(self, on_press, on_release, alive=True, **options):
        self.on_press, self.on_release, self.options = on_press, on_release, options
        self.alive, self.stopped = alive, False
        self._ready = threading.Event()

    def start(self):
        if self.alive:
            self._ready.set()

    def wait(self):
        self._ready.wait()

    def is_alive(self):
        return self.alive

    def join(self, timeout=None):
        pass

    def stop(self):
        self.stopped = True


def fake_keyboard(alive=True):
    made = []

    def listener(**kwargs):
        made.append(FakeListener(alive=alive, **kwargs))
        return made[-1]

    keys = SimpleNamespace(f9="Key.f9", ctrl_r="Key.ctrl_r", cmd="Key.cmd", esc="Key.esc", pause="Key.pause")
    return SimpleNamespace(Key=keys, KeyCode=SimpleNamespace(from_char=lambda c: f"char {c}"), Listener=listener,
                           made=made)


def test_our_names_in_pynputs_spelling():
    keyboard = fake_keyboard()
    assert pynput_key("F9", keyboard) == "Key.f9"
    assert pynput_key("super", keyboard) == "Key.cmd"
    assert pynput_key("a", keyboard) == "char a"
    with pytest.raises(HotkeyError, match="is not a key name"):
        pynput_key("hyper_9", keyboard)
    with pytest.raises(HotkeyError, match="'scroll_lock' cannot be watched here: use f9, ctrl_r, pause"):
        pynput_key("scroll_lock", keyboard)


def test_the_listener_reports_the_key_and_esc_only():
    keyboard = fake_keyboard()
    seen = []
    listener = start_listener("f9", lambda ms: seen.append(("press", ms)), lambda ms: seen.append(("release", ms)),
                              lambda: seen.append("escape"), keyboard=keyboard, suppress=False)
    assert listener is keyboard.made[0] and listener.options == {"suppress": False}
    for event, key in (("on_press", "Key.f9"), ("on_press", "char x"), ("on_press", "Key.esc"),
                       ("on_release", "Key.esc"), ("on_release", "Key.f9")):
        getattr(listener, event)(key)
    assert [s if isinstance(s, str) else s[0] for s in seen] == ["press", "escape", "release"]
    assert seen[0][1] <= seen[2][1]  # monotonic milliseconds


def test_a_listener_that_dies_at_once_is_one_sentence_with_the_way_around():
    keyboard = fake_keyboard(alive=False)
    with pytest.raises(HotkeyError) as caught:
        start_listener("f9", print, print, lambda: None, keyboard=keyboard)
    assert str(caught.value) == f"The global hotkey listener could not start (it stopped at once); {NO_HOTKEY_HELP}."
    assert keyboard.made[0].stopped
