"""The real tray app on headless sway, with nothing configured: hold F9, speak, release, and the
words land in a native Wayland Qt field (first character included), the user's clipboard with its
several types comes back, the popup shows without taking the focus, the tray icon is in the bar.

Everything is real: ``dictate-app`` (sway IPC hotkey, the data-control clipboard, wtype, the
PortAudio recorder, Silero VAD, funasr with the trained fixture model), a Qt target in another
process, and espeak-ng speech played into the PulseAudio virtual microphone. The key is held by a
wtype virtual keyboard, which sway's bindings see like any keyboard.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from dictate_app.desktop.base import CAPABILITIES
from testkit.desktop.app_harness import (
    App,
    Target,
    doctor,
    hold_to_talk,
    report_release_to_text,
    synthesize,
    wait_for,
)
from testkit.desktop.mic import bench_microphone_live, wait_live
from testkit.desktop.wayland.clients import Owner

pytestmark = [pytest.mark.desktop, pytest.mark.slow]
LATENCIES: list[dict] = []
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360f8cf000000020001e221bc330000000049454e44ae426082")
OLD = {"text/plain;charset=utf-8": "OLD-CLIP 旧的 ✓".encode(), "text/html": "<b>OLD-CLIP</b>".encode(),
       "image/png": PNG}


def wl_paste(mime: str) -> bytes:
    return subprocess.run(["wl-paste", "-n", "-t", mime], capture_output=True, timeout=10).stdout


def popup_window(sway) -> dict | None:
    """Dictate's visible popup in sway's tree (its app_id is dictate-app, its title "Dictate: ...")."""
    return next((w for w in sway.windows() if w.get("app_id") == "dictate-app"
                 and str(w.get("name", "")).startswith("Dictate") and w.get("visible")), None)


@pytest.fixture(scope="module")
def session(sway, fixture_model_dir, tmp_path_factory):
    data = tmp_path_factory.mktemp("sway-app")
    target = Target(sway, data / "target.txt")
    app = App(sway, fixture_model_dir, data)
    print(f"\napp ready in {app.ready_s:.1f} s: {app.ready_line}")
    yield sway, target, app, data
    rc = app.close()
    target.close()
    report_release_to_text(sway, "sway-app-release-to-text.json", LATENCIES)
    assert rc == 0, app.stderr()[-3000:]


def test_ready_with_nothing_configured(session):
    sway, _target, app, _data = session
    assert app.ready_line.startswith("Dictate is ready") and "hold F9 anywhere, speak, release" in app.ready_line
    # Dictate bound F9 itself, through sway's IPC: no line in any config.
    assert "dictate" not in sway.swaymsg("-t", "get_config")["config"]


@pytest.mark.parametrize(("case", "spoken", "voice"), [
    ("english", "call my mother", "en-us"),
    ("mandarin", "今天天气很好", "cmn-latn-pinyin"),
    ("english-2", "close the window", "en-us"),
])
def test_hold_speak_release_pastes_the_words(session, tmp_path, case, spoken, voice):
    sway, target, app, _data = session
    owner = Owner(tmp_path, OLD)  # what the user copied: text, HTML and an image
    try:
        wav = synthesize(sway, spoken, tmp_path / f"{case}.wav", voice)
        result = hold_to_talk(sway, target, wav, recording_shot=f"sway-app-recording-{case}.png")
        LATENCIES.append({"case": case, "expected": spoken, **result})
        print(f"\n{case}: {result['text']!r}, release-to-text {result['release_to_text_s'] * 1000:.0f} ms")
        popup = wait_for(lambda: popup_window(sway), 5, "the result popup")
        print(f"screenshot: {sway.screenshot(f'sway-app-popup-{case}.png')}")
        # Exactly the words, the first character too (wtype's first key is the one that gets lost).
        assert result["text"] == spoken
        assert app.logged_texts()[-1] == spoken
        # The popup floats on top and never took the focus: the target had it throughout.
        target_node = sway.window_of_pid(target.proc.pid)
        assert result["focus_during"] == target_node["id"] and sway.is_active(target)
        assert popup["type"] == "floating_con" and not popup["focused"]
        # The user's clipboard is back, every type of it (Dictate now serves the copy).
        wait_for(lambda: wl_paste("text/plain;charset=utf-8") == OLD["text/plain;charset=utf-8"], 5,
                 "the old clipboard back")
        assert all(wl_paste(mime) == data for mime, data in OLD.items())
    finally:
        owner.stop()


def test_a_text_copied_with_wl_copy_is_back(session, tmp_path):
    sway, target, app, _data = session
    subprocess.run(["wl-copy", "kopiert mit wl-copy"], check=True, timeout=10, env=sway.env)
    before = sorted(subprocess.run(["wl-paste", "-l"], capture_output=True, text=True, timeout=10).stdout.split())
    result = hold_to_talk(sway, target, synthesize(sway, "call my friend", tmp_path / "friend.wav", "en-us"))
    assert result["text"] == "call my friend"
    wait_for(lambda: wl_paste("text/plain") == "kopiert mit wl-copy".encode(), 5, "wl-copy's text back")
    after = sorted(subprocess.run(["wl-paste", "-l"], capture_output=True, text=True, timeout=10).stdout.split())
    assert after == before


def test_the_tray_icon_is_in_the_bar_and_doctor_sees_sway(session):
    sway, _target, _app, data = session
    rc, report = doctor(sway, data)
    assert report["backend"] == "sway" and "SWAYSOCK" in report["reason"]
    assert rc == 0 and report["problems"] == [], report["problems"]
    assert {row["capability"] for row in report["checks"]} == set(CAPABILITIES)
    assert report["running"]["desktop"]["backend"] == "sway"
    print(f"\ndoctor on sway:\n{json.dumps(report['checks'], indent=1, ensure_ascii=False)}")
    sway.screenshot("sway-app-tray.png")


@pytest.fixture(scope="module")
def toggle_session(sway, fixture_model_dir, tmp_path_factory, session):
    _sway, target, first, _data = session
    first.close()  # one Dictate per user: the toggle-mode app replaces it
    data = tmp_path_factory.mktemp("sway-toggle")
    app = App(sway, fixture_model_dir, data, "--mode", "toggle")
    yield target, app
    assert app.close() == 0, app.stderr()[-3000:]


def test_toggle_mode_press_to_start_press_to_stop(sway, toggle_session, tmp_path):
    target, app = toggle_session
    assert "press F9 anywhere to start, again to stop" in app.ready_line
    wav = synthesize(sway, "call my mother", tmp_path / "toggle.wav", "en-us")
    target.reset()
    tap = ("-s", "60", "-P", "F9", "-s", "50", "-p", "F9")  # the wait: the keymap races the first key
    sway.wtype(*tap)  # a tap: recording starts
    wait_live(lambda: bench_microphone_live(sway), 10)
    sway.speak(wav)
    sway.wtype(*tap)  # the second tap stops it
    assert wait_for(target.text, 30, "text in the target") == "call my mother"
