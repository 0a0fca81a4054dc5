"""``dictate-app`` with no command: the tray app. Hold the hotkey, speak, release.

Its options sit on the top-level parser and override the saved settings for this run (scripts,
tests and first-time users need that). Qt is imported only here, in :func:`run`, so every other
command starts without it.
"""

from __future__ import annotations

import os
import signal
import sys

from dictate_app.commands.transcribe import add_engine_arguments
from dictate_app.engine.base import LANGUAGE_CHOICES
from dictate_app.errors import DictateError
from dictate_app.lifecycle import Mode
from dictate_app.output.strategy import PASTE_KEYS, Method

DEFAULT_HOTKEY = "f9"  # see dictate_app/app/hotkey.py for why


def add_arguments(parser) -> None:
    """Add the tray app's options to the top-level parser."""
    group = parser.add_argument_group("tray app options (dictate-app with no command)")
    add_engine_arguments(group)
    group.add_argument("--hotkey", default=DEFAULT_HOTKEY, metavar="KEY",
                       help="the push-to-talk key, a pynput key name: f9 (default), ctrl_r, pause, ...")
    group.add_argument("--mode", choices=[m.value for m in Mode], default=Mode.HOLD.value,
                       help="hold: record while the key is down (default); toggle: press to start and stop")
    group.add_argument("--insert", choices=[m.value for m in Method], default=Method.PASTE.value,
                       help="paste via the clipboard (default), type keys, or auto (type short ASCII)")
    group.add_argument("--paste-keys", choices=PASTE_KEYS, default=PASTE_KEYS[0],
                       help="the paste chord (terminals want ctrl+shift+v or shift+Insert)")
    group.add_argument("--language", choices=LANGUAGE_CHOICES, default="auto",
                       help="spoken language (auto: let the model detect it)")
    group.add_argument("--microphone", metavar="NAME", default=None,
                       help="input device name (default: the system default; see `dictate-app devices`)")
    group.add_argument("--keep-mic-ready", action="store_true",
                       help="keep the microphone open for instant start with pre-roll (less private)")
    group.add_argument("--tail-ms", type=int, default=250, metavar="MS",
                       help="keep recording this long after the key comes up, so the last word is kept")


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
    from dictate_app.app.shell import AppShell
    from dictate_app.app.coordinator import AppOptions
    from dictate_app.store.model_store import default_model_dir

    options = AppOptions(
        model_dir=str(args.model or default_model_dir()),
        device=args.device,
        hotkey=args.hotkey,
        mode=Mode(args.mode),
        insert=Method(args.insert),
        paste_keys=args.paste_keys,
        language=args.language,
        microphone=args.microphone,
        keep_mic_ready=args.keep_mic_ready,
        tail_ms=args.tail_ms,
    )
    shell = AppShell(options)
    # Qt's event loop would swallow Ctrl+C and SIGTERM; quit cleanly instead (the clipboard and
    # the worker thread are put away by the shell).
    signal.signal(signal.SIGINT, lambda *_: shell.quit())
    signal.signal(signal.SIGTERM, lambda *_: shell.quit())
    return shell.exec()
