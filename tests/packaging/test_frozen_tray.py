"""The frozen tray app on the desktop bench: it gets ready, dictates, answers remote control and
quits cleanly; without a model it opens the first-run setup window. Everything the bundle must carry for that is exercised: Qt's xcb platform plugin and
tray, pynput's X11 backend (a hidden import), PortAudio capture from the virtual microphone, the
Silero VAD model in dictate_app/data/, the ONNX speech model, the clipboard paste with xdotool (and the
user's clipboard back afterwards).
"""

from __future__ import annotations

import json

import pytest

from testkit.desktop.app_harness import (
    OLD_CLIPBOARD,
    App,
    Target,
    clipboard,
    hold_to_talk,
    set_clipboard,
    synthesize,
    wait_for,
)
from tests.desktop.test_app_setup import check_first_run_setup
from tests.packaging.conftest import run_frozen

pytestmark = [pytest.mark.desktop, pytest.mark.slow]


def test_frozen_tray_app_gets_ready_dictates_and_quits_cleanly(frozen_exe, build_info, desktop, request, tmp_path):
    # frozen_exe first: without a bundle the test is skipped before a bench is started.
    # The cpu flavour runs the ONNX export; the full one the funasr model directory (its backend
    # on a GPU user's machine, and the frozen-funasr traps: version.txt, the class registry).
    model = request.getfixturevalue("fixture_onnx_dir" if build_info["flavour"] == "cpu" else "fixture_model_dir")
    data = tmp_path / "app-data"
    data.mkdir()
    target = Target(desktop, data / "target.txt")
    try:
        app = App(desktop, model, data, command=(str(frozen_exe),))
        print(f"\nfrozen {build_info['flavour']} app ready in {app.ready_s:.1f} s: {app.ready_line}")
        try:
            # Remote control through the single-instance socket, from a second frozen process.
            env = dict(desktop.env, DICTATE_DATA_DIR=str(data), DICTATE_CONFIG_DIR=str(data))
            status = run_frozen(frozen_exe, "status", "--json", env=env)
            assert status.returncode == 0, status.stderr
            reply = json.loads(status.stdout)
            assert reply["ok"] and reply["phase"] == "ready", reply

            spoken = "call my mother"
            wav = synthesize(desktop, spoken, tmp_path / "utterance.wav", "en-us")
            set_clipboard(desktop, OLD_CLIPBOARD)
            result = hold_to_talk(desktop, target, wav)
            print(f"frozen dictation: {result['text']!r}, release-to-text {result['release_to_text_s'] * 1000:.0f} ms")
            assert result["text"] == app.logged_texts()[-1] == spoken
            # Pasted (the default), and the user's clipboard is theirs again afterwards.
            wait_for(lambda: clipboard(desktop) == OLD_CLIPBOARD, 5, "the old clipboard restored")
            entry = json.loads(run_frozen(frozen_exe, "history", "--json", "--limit", "1", env=env).stdout)[0]
            assert (entry["text"], entry["insert_status"], entry["insert_method"]) == (spoken, "inserted", "paste")
            # The result popup (Qt widgets, fonts and emoji in the bundle), for a human to look at.
            wait_for(lambda: app.popup_text() == result["text"], 5, "the result popup")
            print(f"screenshot: {desktop.screenshot('frozen-app-popup.png')}")
        finally:
            rc = app.close()
    finally:
        target.close()
    stderr = app.stderr()
    assert rc == 0, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]


def test_frozen_first_run_opens_the_model_setup_window(frozen_exe, desktop, tmp_path):
    """No model yet: the bundle's tray app offers the download (the setup window), and quits cleanly."""
    check_first_run_setup(desktop, tmp_path, (str(frozen_exe),), screenshot_name="frozen-first-run-setup.png")
