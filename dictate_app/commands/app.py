"""``dictate-app`` with no command: the tray app. Hold the hotkey, speak, release.

Its options sit on the top-level parser and override the saved settings for this run (scripts,
tests and first-time users need that); options not given come from the settings (settings.ini in
the config directory, edited in the Settings dialog). Qt is imported only here, in :func:`run`, so
every other command starts without it. Only one tray app runs per user: a second start asks the
first to show itself and exits.
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys

from dictate_app.commands.modes import add_llm_options
from dictate_app.commands.options import add_microphone_option
from dictate_app.commands.transcribe import add_engine_arguments, resolve_token
from dictate_app.engine.base import LANGUAGE_CHOICES
from dictate_app.errors import DictateError
from dictate_app.desktop.keys import PASTE_CHORDS, KeyNameError, normalize_chord, normalize_hotkey
from dictate_app.desktop.session import DESKTOP_CHOICES
from dictate_app.lifecycle import Mode
from dictate_app.output.strategy import Method


def _key(value: str) -> str:
    try:
        return normalize_hotkey(value)
    except KeyNameError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 60:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds from 0 to 60")
    return seconds


def _chord(value: str) -> str:
    try:
        return normalize_chord(value)
    except KeyNameError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_arguments(parser) -> None:
    """Add the tray app's options to the top-level parser."""
    model = parser.add_argument_group(
        "model options (the tray app's, and every command's: dictate-app --model DIR transcribe FILE)")
    add_engine_arguments(model, top_level=True)
    group = parser.add_argument_group("tray app options (dictate-app with no command)")
    group.add_argument("--hotkey", default=None, metavar="KEY", type=_key,
                       help="the push-to-talk key: f9 (default), ctrl_r, pause, scroll_lock, a letter...")
    group.add_argument("--mode", choices=[m.value for m in Mode], default=None,
                       help="hold: record while the key is down (default); toggle: press to start and stop")
    group.add_argument("--insert", dest="insert_method", choices=[m.value for m in Method], default=None,
                       help="paste via the clipboard (default), type keys, or auto (type short ASCII)")
    group.add_argument("--paste-keys", choices=PASTE_CHORDS, default=None, type=_chord,
                       help="the paste chord (terminals want ctrl+shift+v or shift+insert)")
    group.add_argument("--language", choices=LANGUAGE_CHOICES, default=None,
                       help="spoken language (auto: let the model detect it)")
    add_microphone_option(group, top_level=True)
    group.add_argument("--keep-mic-ready", action="store_true", default=None,
                       help="keep the microphone open for instant start with pre-roll (less private)")
    group.add_argument("--auto-stop", dest="auto_stop_s", type=_seconds, default=None, metavar="S",
                       help="in toggle mode (and for `start --hands-free`) stop after S seconds of "
                            "silence (default 2; 0: only a key press stops)")
    group.add_argument("--tail-ms", type=int, default=None, metavar="MS",
                       help="keep recording this long after the key comes up, so the last word is kept")
    add_llm_options(group, top_level=True)
    group.add_argument("--desktop", choices=DESKTOP_CHOICES, default=None,
                       help="the desktop backend (auto: detected from the session; `dictate-app doctor` "
                            "says which and why)")


# The tray app's options named as the settings they override (argparse dest = settings key).
OVERRIDING = ("hotkey", "mode", "insert_method", "paste_keys", "language", "keep_mic_ready", "tail_ms",
              "auto_stop_s", "llm_url", "llm_model", "desktop")


def overrides(args) -> dict:
    """This run's settings from the command line: each option given overrides its setting (never
    saved; see app/settings_store.py). ``--model`` is kept as the folder it names, ``--microphone``
    as the id the recorder opens, ``--device auto`` leaves the setting."""
    values = {key: getattr(args, key) for key in OVERRIDING if getattr(args, key, None) is not None}
    if getattr(args, "server", None) is not None:  # --server is every engine command's option
        values["server_url"] = args.server
    if getattr(args, "model", None) is not None:
        from dictate_app.store.model_store import resolve_model_dir

        values["model_dir"] = str(resolve_model_dir(args.model).path)
    if getattr(args, "device", None) not in (None, "auto"):
        values["device"] = args.device
    if getattr(args, "microphone", None) is not None:
        values["microphone"] = _microphone_id(args.microphone) or ""
    return values


def model_choice(s) -> tuple[str, str]:
    """The model directory and device the settings ``s`` name ("" = the model store)."""
    from dictate_app.store.model_store import resolve_model_dir

    return str(resolve_model_dir(saved=s.model_dir).path), s.device


def _microphone_id(given: str) -> str | None:
    """``--microphone`` as the id the recorder opens: "USB" -> ``pulse:alsa_input.usb-...``. A name
    not found now is kept as given: the recorder then says so and uses the default, the app runs."""
    from dictate_app.audio.sources import find_microphone
    from dictate_app.errors import DeviceError

    try:
        return find_microphone(given).id or None
    except DeviceError:
        return given


def _check_display() -> None:
    """Qt aborts with a misleading message when there is no display: say it plainly first."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")
    ):
        raise DictateError(
            "No graphical display found (DISPLAY is not set): start dictate-app in your desktop "
            "session, or use `dictate-app transcribe` in a terminal."
        )


def run(args) -> int:
    """Start the tray app and run until Quit (or Ctrl+C / SIGTERM)."""
    _check_display()
    token = resolve_token(args.server_token, args.server_token_file, "--server-token")
    from dictate_app.app.settings_store import SettingsStore
    from dictate_app.app.single_instance import answers_without_qt
    from dictate_app.engine.loader import BackgroundLoad

    settings = SettingsStore(overrides=overrides(args))
    # The model first: creating the recognizer (0.8-1.0 s, int8) runs beside the imports, Qt, the
    # tray and the shell (0.5 s) instead of after them; the shell's first load takes it. No cycle
    # collection may run on its thread (app/gui_gc.py says why): the shell's collector takes over.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    # A second start only asks the running one to show itself: it loads nothing.
    preload = None if answers_without_qt() else BackgroundLoad(
        *model_choice(settings), token=token, server=settings.server_url or None)
    try:
        return _run_shell(settings, preload, token)
    finally:
        if preload is not None:
            preload.drop()  # the shell took it, or never will
        if gc_was_enabled:
            gc.enable()


def _run_shell(settings, preload, token) -> int:
    """Qt, the single-instance check and the shell, while ``preload`` loads the model."""
    from PySide6.QtWidgets import QApplication

    from dictate_app.app.shell import AppShell
    from dictate_app.app.single_instance import InstanceServer, send

    from dictate_app.desktop.choose import build
    from dictate_app.desktop.session import choose

    session = choose(settings.desktop)
    if not os.environ.get("QT_QPA_PLATFORM") and session.qt_platform:
        os.environ["QT_QPA_PLATFORM"] = session.qt_platform  # the plugin must match the backend
    app = QApplication.instance() or QApplication(sys.argv[:1])
    # Until the shell is built, remote commands get a polite "starting" answer.
    instance = InstanceServer(lambda command: {"ok": False, "error": "Dictate is still starting."}, parent=app)
    if not instance.listen():
        send("show")
        print("Dictate is already running: use its tray icon, or `dictate-app toggle|status`.")
        return 0
    shell = AppShell(settings, build(session), instance, server_token=token, preload=preload)
    # Qt's event loop would swallow Ctrl+C and SIGTERM; quit cleanly instead (the clipboard and
    # the worker thread are put away by the shell).
    signal.signal(signal.SIGINT, lambda *_: shell.quit())
    signal.signal(signal.SIGTERM, lambda *_: shell.quit())
    return shell.exec()
