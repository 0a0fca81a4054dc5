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
    assert (str(args.model), args.hotkey, Mode(args.mode), Method(args.insert_method), args.paste_keys,
            args.language, args.device, args.microphone, args.keep_mic_ready, args.tail_ms) == (
        "/m", "ctrl_r", Mode.TOGGLE, Method.AUTO, "ctrl+shift+v", "zh", "cpu", "USB", True, 400)


def this_run(argv, saved):
    """The settings the tray app runs with: ``saved`` with the command line's overrides on top."""
    from dataclasses import replace

    from dictate_app.commands.app import overrides

    return replace(saved, **overrides(build_parser().parse_args(argv)))


def test_defaults_come_from_the_settings_and_options_win(monkeypatch, tmp_path):
    from dictate_app.commands.app import model_choice
    from dictate_app.store.settings import Settings

    monkeypatch.setenv("DICTATE_MODEL_DIR", str(tmp_path / "model"))
    options = this_run([], Settings())
    assert (options.hotkey, options.mode, options.insert_method, options.paste_keys, options.language,
            options.device, options.microphone, options.keep_mic_ready, options.tail_ms, model_choice(options)[0]) == (
        "f9", Mode.HOLD, Method.PASTE, "ctrl+v", "auto", "auto", "", False, 250, str(tmp_path / "model"))
    saved = Settings(hotkey="pause", mode="toggle", language="zh", microphone="USB", keep_mic_ready=True,
                     tail_ms=600, device="cpu", model_dir="/saved")
    options = this_run([], saved)
    assert (options.hotkey, options.mode, options.language, options.microphone, options.keep_mic_ready,
            options.tail_ms, options.device, options.model_dir) == (
        "pause", Mode.TOGGLE, "zh", "USB", True, 600, "cpu", "/saved")
    options = this_run(["--hotkey", "f8", "--tail-ms", "0", "--model", "/m"], saved)
    assert (options.hotkey, options.tail_ms, options.model_dir, options.mode) == ("f8", 0, "/m", Mode.TOGGLE)


def test_auto_stop_comes_from_the_setting_or_the_option(capsys):
    from dictate_app.store.settings import Settings

    assert this_run(["--model", "/m"], Settings()).auto_stop_s == 2.0
    saved = Settings(auto_stop_s=4.0)
    assert this_run(["--model", "/m"], saved).auto_stop_s == 4.0
    assert this_run(["--model", "/m", "--auto-stop", "0"], saved).auto_stop_s == 0
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
    from dictate_app.store.settings import Settings
    from tests.audio.test_sources import HEADSET, FakePactl

    monkeypatch.setattr(sources, "_run", FakePactl())
    options = this_run(["--microphone", "USB"], Settings(microphone="Blue Yeti"))
    assert options.microphone == HEADSET
    options = this_run(["--microphone", "Blue Yeti"], Settings())
    assert options.microphone == "Blue Yeti"  # not there now: the recorder falls back, with a note
    # the system default ("" in the settings), even over a saved microphone
    assert this_run(["--microphone", "default"], Settings(microphone="Blue Yeti")).microphone == ""


class _Recorded:
    """Stand-ins for run()'s heavy parts that write down the order they were reached in."""

    def __init__(self, monkeypatch, listening=True):
        import PySide6.QtWidgets

        import dictate_app.app.shell
        import dictate_app.app.single_instance
        import dictate_app.desktop.choose
        import dictate_app.engine.loader
        from tests.desktop.fakes import fake_desktop

        self.order: list[str] = []
        self.shell_kwargs: dict = {}
        recorded = self
        real_qapp = PySide6.QtWidgets.QApplication

        class Load:
            def __init__(self, model_dir, device, *, server=None, token=None):
                recorded.order.append("load")
                recorded.load = self
                recorded.load_args = (model_dir, device, server, token)

            def drop(self):
                recorded.order.append("drop")

        class QApp:
            @staticmethod
            def instance():
                recorded.order.append("qt")
                return real_qapp.instance()

        class Instance:
            def __init__(self, handler, parent=None):
                pass

            def listen(self):
                return listening

        class Shell:
            def __init__(self, settings, desktop, instance, **kwargs):
                recorded.order.append("shell")
                recorded.settings, recorded.shell_kwargs = settings, kwargs

            def quit(self):
                pass

            def exec(self):
                return 0

        monkeypatch.setattr(dictate_app.engine.loader, "BackgroundLoad", Load)
        monkeypatch.setattr(PySide6.QtWidgets, "QApplication", QApp)
        monkeypatch.setattr(dictate_app.app.single_instance, "InstanceServer", Instance)
        monkeypatch.setattr(dictate_app.app.single_instance, "send", lambda command: None)
        monkeypatch.setattr(dictate_app.desktop.choose, "build", lambda session: fake_desktop())
        monkeypatch.setattr(dictate_app.app.shell, "AppShell", Shell)


def _run_app(monkeypatch, tmp_path, argv):
    import gc
    import signal

    from dictate_app.commands.app import run

    monkeypatch.setenv("DICTATE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("DISPLAY", ":0")
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    collecting = gc.isenabled()  # off here: the Qt tests' collector runs (tests/app/conftest.py)
    try:
        return run(build_parser().parse_args(argv))
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        assert gc.isenabled() is collecting  # run() switched it off for the load, and back


def test_the_model_load_starts_before_qt_and_the_shell_which_takes_it(qtbot, monkeypatch, tmp_path):
    recorded = _Recorded(monkeypatch)
    code = _run_app(monkeypatch, tmp_path, ["--model", str(tmp_path / "m"), "--device", "cpu",
                                            "--server", "http://host:8000"])
    assert code == 0
    assert recorded.order == ["load", "qt", "shell", "drop"]
    assert recorded.load_args == (str(tmp_path / "m"), "cpu", "http://host:8000", None)
    assert recorded.shell_kwargs["preload"] is recorded.load
    assert recorded.settings.server_url == "http://host:8000"  # this run's, not saved
    assert recorded.settings.saved.server_url == ""


def test_the_early_load_is_for_the_saved_model_device_and_server(qtbot, monkeypatch, tmp_path):
    from dictate_app.app.settings_store import SettingsStore

    monkeypatch.setenv("DICTATE_CONFIG_DIR", str(tmp_path / "config"))
    SettingsStore().update({"model_dir": str(tmp_path / "saved"), "device": "cpu",
                            "server_url": "http://saved:8000"})
    recorded = _Recorded(monkeypatch)
    assert _run_app(monkeypatch, tmp_path, []) == 0
    assert recorded.load_args == (str(tmp_path / "saved"), "cpu", "http://saved:8000", None)


def test_a_second_start_drops_its_early_load(qtbot, monkeypatch, tmp_path, capsys):
    recorded = _Recorded(monkeypatch, listening=False)
    assert _run_app(monkeypatch, tmp_path, ["--model", str(tmp_path / "m")]) == 0
    assert recorded.order == ["load", "qt", "drop"]
    assert "Dictate is already running" in capsys.readouterr().out


def test_a_second_start_while_one_runs_loads_no_model(qtbot, monkeypatch, tmp_path, capsys):
    """The running instance answers on the control socket before Qt exists: no second model load
    (0.8-1.0 s of both cores and about 450 MB beside the running app) only to exit."""
    import socket

    from dictate_app.app.single_instance import server_name

    monkeypatch.setenv("DICTATE_CONFIG_DIR", str(tmp_path / "config"))
    recorded = _Recorded(monkeypatch, listening=False)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as running:
        running.bind(server_name())
        running.listen(1)
        assert _run_app(monkeypatch, tmp_path, ["--model", str(tmp_path / "m")]) == 0
    assert recorded.order == ["qt"]
    assert "Dictate is already running" in capsys.readouterr().out
