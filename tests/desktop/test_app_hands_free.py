"""Hands-free dictation on the real bench: the take ends by itself after a pause.

The real tray app in toggle mode with a 2 s auto-stop (``--auto-stop 2``, the default made
explicit): press F9 once, speak (espeak-ng into the virtual microphone), then say nothing. The take
must end by itself within N + 0.5 s of the end of the speech, and the words must land in the
target. When the take ends is read from the sound server: the app's microphone, opened on demand,
closes when its take ends (``pactl list source-outputs``, polled every 10 ms or so).

``dictate-app start --hands-free`` (the control command) with nothing said ends
after the no-speech timeout with "No speech heard".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from dictate_app.audio.autostop import NO_SPEECH_S
from dictate_app.audio.files import decode_file
from dictate_app.audio.vad import SileroVad
from testkit.desktop.app_harness import (
    APP_LIVE_TIMEOUT_S, LEAD_S, OLD_CLIPBOARD, REPO, App, Target, clipboard, set_clipboard,
    settled_text, synthesize, wait_for)
from testkit.desktop.mic import bench_microphone_live, wait_live

pytestmark = [pytest.mark.desktop, pytest.mark.slow]
AUTO_STOP_S = 2.0
MARGIN_S = 0.5  # the bound: the take ends within N + 0.5 s


@pytest.fixture(scope="module")
def session(desktop, fixture_model_dir, tmp_path_factory):
    data = tmp_path_factory.mktemp("hands-free-data")
    target = Target(desktop, data / "target.txt")
    app = App(desktop, fixture_model_dir, data, "--mode", "toggle", "--auto-stop", str(AUTO_STOP_S))
    yield desktop, target, app, data
    rc = app.close()
    target.close()
    assert rc == 0, app.stderr()[-3000:]


def trailing_silence_s(wav) -> float:
    """espeak-ng's own silence after the last word: the pause begins that much before paplay ends."""
    audio = decode_file(wav)
    spans = SileroVad().speech_spans(audio)
    return (audio.size - spans[-1].end) / 16000


def control(data, *args) -> dict:
    env_keys = {"DICTATE_DATA_DIR": str(data), "DICTATE_CONFIG_DIR": str(data)}
    out = subprocess.run([sys.executable, "-m", "dictate_app", *args, "--json"], cwd=REPO,
                         env={**os.environ, **env_keys}, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_toggle_speak_then_pause_ends_the_take_by_itself_and_the_words_land(session, tmp_path):
    desktop, target, app, _data = session
    spoken = "call my friend"
    wav = synthesize(desktop, spoken, tmp_path / "hands-free.wav", "en-us")
    after_words = trailing_silence_s(wav)
    set_clipboard(desktop, OLD_CLIPBOARD)
    target.reset()
    desktop.xdotool("key", "F9")  # press and release: toggle mode records until the pause
    wait_live(lambda: bench_microphone_live(desktop), APP_LIVE_TIMEOUT_S)
    time.sleep(LEAD_S)
    desktop.speak(wav)
    played = time.monotonic()
    time.sleep(1.0)  # into the pause: the popup counts down
    shot = desktop.screenshot("app-hands-free-countdown.png")
    print(f"\nscreenshot: {shot}")
    assert bench_microphone_live(desktop), "still recording during the pause"
    wait_for(lambda: not bench_microphone_live(desktop), AUTO_STOP_S + 5, "the take to end by itself")
    ended_s = time.monotonic() - played + after_words  # from the end of the last word
    text = settled_text(target)
    print(f"hands-free: {text!r}; the take ended {ended_s:.2f} s after the last word "
          f"(espeak's trailing silence {after_words:.2f} s)")
    assert AUTO_STOP_S - 0.3 <= ended_s <= AUTO_STOP_S + MARGIN_S, ended_s
    assert text == spoken == app.logged_texts()[-1]
    assert desktop.focused_window() == target.wid
    wait_for(lambda: clipboard(desktop) == OLD_CLIPBOARD, 5, "the old clipboard restored")


def test_start_hands_free_with_nothing_said_ends_with_no_speech_heard(session):
    desktop, target, app, data = session
    target.reset()
    logged = app.logged_texts()
    reply = control(data, "start", "--hands-free")
    started = time.monotonic()
    assert reply["recording"] is True and reply["hands_free"] is True
    wait_live(lambda: bench_microphone_live(desktop), APP_LIVE_TIMEOUT_S)
    wait_for(lambda: app.popup_text() == "No speech heard", NO_SPEECH_S + 10, "the 'No speech heard' popup")
    ended_s = time.monotonic() - started
    print(f"\nno speech: ended {ended_s:.2f} s after `start --hands-free` (timeout {NO_SPEECH_S} s)")
    desktop.screenshot("app-hands-free-no-speech.png")
    assert NO_SPEECH_S <= ended_s <= NO_SPEECH_S + APP_LIVE_TIMEOUT_S + MARGIN_S
    assert not bench_microphone_live(desktop) and control(data, "status")["phase"] == "ready"
    assert target.text() == "" and app.logged_texts() == logged
