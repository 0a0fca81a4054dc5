"""What the app tells a new user (app/hints.py): one wording for the setup window, the tray and the
terminal line, with the key as menus name it."""

from __future__ import annotations

from dictate_app.app import hints
from dictate_app.lifecycle import Mode


def test_how_to_dictate_follows_the_mode_and_names_the_key():
    assert hints.how_to_dictate("f9", Mode.HOLD) == "hold F9 anywhere, speak, release"
    assert hints.how_to_dictate("ctrl_r", "toggle") == "press Right Ctrl anywhere to start, again to stop"
    assert hints.hotkey_in_mode("scroll_lock", "hold") == "hold Scroll Lock"
    assert hints.hotkey_in_mode("f9", Mode.TOGGLE) == "press F9"


def test_how_to_stop_a_recording_started_from_the_tray():
    assert hints.how_to_stop("f9", clicked=True) == "To stop: click Dictate's tray icon again, or press F9."
    assert hints.how_to_stop(None, clicked=False) == "To stop: choose Stop dictation in the tray menu."
    assert hints.hands_free_stops(1.5) == (
        "Stops by itself after a 1.5 s pause, or choose Stop dictation in the tray menu.")
    assert hints.hands_free_stops(2.0).startswith("Stops by itself after a 2 s pause")


def test_the_gpu_hint_only_for_the_cpu_build_on_an_nvidia_machine(monkeypatch):
    for cpu, nvidia, expected in ((True, True, hints.GPU_SWITCH), (True, False, ""), (False, True, "")):
        monkeypatch.setattr(hints, "cpu_build", lambda: cpu)
        monkeypatch.setattr(hints, "nvidia_gpu_present", lambda: nvidia)
        assert hints.gpu_switch_hint() == expected


def test_the_cpu_build_is_the_one_without_torch(monkeypatch):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "torch" else object())
    assert hints.cpu_build()
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: object())
    assert not hints.cpu_build()
