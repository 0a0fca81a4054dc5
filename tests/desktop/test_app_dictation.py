"""The real tray app on the real (headless) desktop: hold F9, speak, release, text appears.

Everything is real: the `dictate-app` process (tray, pynput listener, PortAudio recorder, Silero
VAD, funasr with the trained fixture model, Qt clipboard, xdotool), a target window in another
process, X11 focus, and espeak-ng speech played into the PulseAudio virtual microphone. The test
only does what a user does: focus a window, hold the key, speak, let go; then it reads what the
target received.

Release-to-text (key up to text in the target) is measured, printed, and written to
``test-artifacts/app-release-to-text.json``; it is a figure, not a pass/fail threshold.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from testkit.desktop.app_harness import (
    OLD_CLIPBOARD,
    App,
    Target,
    clipboard,
    hold_to_talk,
    report_release_to_text,
    set_clipboard,
    start_talking,
    synthesize,
    wait_for,
)

pytestmark = [pytest.mark.desktop, pytest.mark.slow]
LATENCIES: list[dict] = []


@pytest.fixture(scope="module")
def session(desktop, fixture_model_dir, tmp_path_factory):
    """The app with default settings (paste with Ctrl+V, hold F9) and a QLineEdit target."""
    data = tmp_path_factory.mktemp("app-data")
    target = Target(desktop, data / "target.txt")
    app = App(desktop, fixture_model_dir, data)
    print(f"\napp ready in {app.ready_s:.1f} s: {app.ready_line}")
    yield desktop, target, app
    rc = app.close()
    target.close()
    report_release_to_text(desktop, "app-release-to-text.json", LATENCIES)
    assert rc == 0, app.stderr()[-3000:]


# High pitch and a fast rate are the fixture corpus's proxy for HAPPY, low and slow for SAD
# (tools/minisv/corpus.py), so the popups show a language, an emotion and the text. Five
# utterances give the release-to-text figure a median, not a single sample.
@pytest.mark.parametrize(("case", "spoken", "voice", "pitch", "speed"), [
    ("english", "call my friend", "en-us", 90, 230),
    ("english-2", "call my mother", "en-us", None, None),
    ("english-3", "close the window", "en-us", 10, 115),
    ("mandarin", "今天天气很好", "cmn-latn-pinyin", None, None),
    ("mandarin-2", "播放音乐", "cmn-latn-pinyin", None, None),
])
def test_hold_speak_release_pastes_the_words(session, tmp_path, case, spoken, voice, pitch, speed):
    desktop, target, app = session
    wav = synthesize(desktop, spoken, tmp_path / f"{case}.wav", voice, pitch, speed)
    set_clipboard(desktop, OLD_CLIPBOARD)
    result = hold_to_talk(desktop, target, wav, recording_shot=f"app-recording-{case}.png")
    LATENCIES.append({"case": case, "expected": spoken, **result})
    print(f"\n{case}: {result['text']!r}, release-to-text {result['release_to_text_s'] * 1000:.0f} ms")

    # The popup shows what was inserted, with its tags; the screenshot is for a human to look at
    # (taken before the asserts so that a wrong transcript is on record too).
    wait_for(lambda: app.popup_text() == result["text"], 5, "the result popup")
    print(f"screenshot: {desktop.screenshot(f'app-popup-{case}.png')}")

    # First what the app inserted is exactly what it transcribed (and saved, before insertion:
    # see the fast tests); then the fixture model heard the spoken words.
    assert result["text"] == app.logged_texts()[-1]
    assert result["text"] == spoken
    assert result["focus_during"] == target.wid and desktop.focused_window() == target.wid
    wait_for(lambda: clipboard(desktop) == OLD_CLIPBOARD, 5, "the old clipboard restored")


def test_a_paste_the_window_ignores_keeps_the_text_on_the_clipboard(session, tmp_path):
    """Verified insertion: a window that never reads the clipboard did not get the text; the
    transcript stays on the clipboard (not the old content) for the user to paste by hand."""
    desktop, target, app = session
    spoken = "call my friend"
    wav = synthesize(desktop, spoken, tmp_path / "ignored.wav", "en-us", 90, 230)
    set_clipboard(desktop, OLD_CLIPBOARD)
    target.reset()  # before read-only: a read-only field cannot be cleared either
    target.command("readonly")
    try:
        start_talking(desktop)
        desktop.speak(wav)
        desktop.xdotool("keyup", "F9")
        # Nothing may read the clipboard meanwhile (a read is what the app waits for), so wait
        # for the app's own report rather than polling the clipboard.
        wait_for(lambda: "clipboard by paste" in app.stderr(), 30, "the app's 'not pasted' report")
        desktop.screenshot("app-popup-not-pasted.png")  # the popup's note says what to do
        assert clipboard(desktop) == app.logged_texts()[-1] == spoken
        assert target.text() == "" and desktop.focused_window() == target.wid
    finally:
        target.command("editable")


def test_too_short_tap_types_nothing(session):
    desktop, target, app = session
    set_clipboard(desktop, OLD_CLIPBOARD)
    target.reset()
    # A 100 ms tap, timed inside one xdotool process: two processes with a sleep between them made
    # it a 250+ ms press (a real hold) whenever the second was slow to start on a loaded machine.
    desktop.xdotool("keydown", "F9", "sleep", "0.1", "keyup", "F9")
    wait_for(lambda: app.popup_text() == "Too short: hold the key while you speak.", 5, "too-short popup")
    time.sleep(1.0)  # long enough for a wrongly kept recording to have been typed
    assert target.text() == "" and desktop.focused_window() == target.wid
    assert clipboard(desktop) == OLD_CLIPBOARD


def test_silence_types_nothing_and_says_so(session):
    desktop, target, app = session
    set_clipboard(desktop, OLD_CLIPBOARD)
    target.reset()
    logged_before = app.logged_texts()
    desktop.xdotool("keydown", "F9")
    time.sleep(1.5)  # hold the key, say nothing (a late key-up only makes the hold longer)
    desktop.xdotool("keyup", "F9")
    wait_for(lambda: app.popup_text() == "No speech heard", 15, "the 'No speech heard' popup")
    desktop.screenshot("app-popup-no-speech.png")
    assert target.text() == "" and desktop.focused_window() == target.wid
    assert clipboard(desktop) == OLD_CLIPBOARD
    assert app.logged_texts() == logged_before


def test_the_vad_ran_on_sherpa_onnxs_library_without_onnxruntimes_python_package(session):
    """Issue 26: after the dictations above (the live VAD scored them), the app process has loaded
    sherpa-onnx's libonnxruntime and never imported onnxruntime's Python package (whose extension
    module would be mapped), though this test venv has it installed."""
    desktop, target, app = session
    maps = Path(f"/proc/{app.proc.pid}/maps").read_text()
    assert "onnxruntime_pybind11_state" not in maps
    assert "/sherpa_onnx/lib/libonnxruntime.so" in maps
    assert "Silero VAD runs on onnxruntime 1.28.2 (sherpa-onnx's, C API 28)" in app.stderr()
