"""`dictate-app` with no command: its options and its refusal to start without a display."""

from __future__ import annotations

import os
import subprocess
import sys

from dictate_app.cli import build_parser
from dictate_app.lifecycle import Mode
from dictate_app.output.strategy import Method


def test_options_override_defaults():
    args = build_parser().parse_args([
        "--model", "/m", "--hotkey", "ctrl_r", "--mode", "toggle", "--insert", "auto",
        "--paste-keys", "ctrl+shift+v", "--language", "zh", "--device", "cpu",
        "--microphone", "USB", "--keep-mic-ready", "--tail-ms", "400",
    ])
    assert args.command is None
    assert (str(args.model), args.hotkey, Mode(args.mode), Method(args.insert), args.paste_keys,
            args.language, args.device, args.microphone, args.keep_mic_ready, args.tail_ms) == (
        "/m", "ctrl_r", Mode.TOGGLE, Method.AUTO, "ctrl+shift+v", "zh", "cpu", "USB", True, 400)


def test_defaults_come_from_the_settings_and_options_win(monkeypatch, tmp_path):
    from dictate_app.commands.app import build_options
    from dictate_app.store.settings import Settings

    monkeypatch.setenv("DICTATE_MODEL_DIR", str(tmp_path / "model"))
    options = build_options(build_parser().parse_args([]), Settings())
    assert (options.hotkey, options.mode, options.insert, options.paste_keys, options.language,
            options.device, options.microphone, options.keep_mic_ready, options.tail_ms, options.model_dir) == (
        "f9", Mode.HOLD, Method.PASTE, "ctrl+v", "auto", "auto", None, False, 250, str(tmp_path / "model"))
    saved = Settings(hotkey="pause", mode="toggle", language="zh", microphone="USB", keep_mic_ready=True,
                     tail_ms=600, device="cpu", model_dir="/saved")
    options = build_options(build_parser().parse_args([]), saved)
    assert (options.hotkey, options.mode, options.language, options.microphone, options.keep_mic_ready,
            options.tail_ms, options.device, options.model_dir) == (
        "pause", Mode.TOGGLE, "zh", "USB", True, 600, "cpu", "/saved")
    options = build_options(build_parser().parse_args(["--hotkey", "f8", "--tail-ms", "0", "--model", "/m"]), saved)
    assert (options.hotkey, options.tail_ms, options.model_dir, options.mode) == ("f8", 0, "/m", Mode.TOGGLE)


def test_auto_stop_comes_from_the_setting_or_the_option(capsys):
    from dictate_app.commands.app import build_options
    from dictate_app.store.settings import Settings

    assert build_options(build_parser().parse_args(["--model", "/m"]), Settings()).auto_stop_s == 2.0
    saved = Settings(auto_stop_s=4.0)
    assert build_options(build_parser().parse_args(["--model", "/m"]), saved).auto_stop_s == 4.0
    assert build_options(build_parser().parse_args(["--model", "/m", "--auto-stop", "0"]), saved).auto_stop_s == 0
    try:
        build_parser().parse_args(["--auto-stop", "soon"])
    except SystemExit as exc:
        assert exc.code == 2
    assert "'soon' is not a number of seconds from 0 to 60" in capsys.readouterr().err


def test_no_display_is_one_sentence_not_a_qt_abort():
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run([sys.executable, "-m", "dictate_app"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith("error: No graphical display found (DISPLAY is not set)")
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_a_microphone_given_by_name_opens_by_the_sound_servers_id(monkeypatch):
    from dictate_app.audio import sources
    from dictate_app.commands.app import build_options
    from dictate_app.store.settings import Settings
    from tests.audio.test_sources import HEADSET, FakePactl

    monkeypatch.setattr(sources, "_run", FakePactl())
    options = build_options(build_parser().parse_args(["--microphone", "USB"]), Settings())
    assert options.microphone == HEADSET
    options = build_options(build_parser().parse_args(["--microphone", "Blue Yeti"]), Settings())
    assert options.microphone == "Blue Yeti"  # not there now: the recorder falls back, with a note
    assert build_options(build_parser().parse_args(["--microphone", "default"]), Settings()).microphone is None
