"""``dictate-app``: argument parsing and dispatch only.

Each subcommand lives in ``dictate_app/commands/<name>.py`` and exposes ``register(subparsers)``,
which adds its parser and sets ``run=<function(args) -> exit code>``. With no subcommand the tray
app starts (``commands/app.py`` adds its options to the top-level parser).

Errors the user can act on (:class:`DictateError`) are printed as one ``error: ...`` line with the
command's exit code; anything unexpected is one line too, with the traceback behind ``--debug``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from dictate_app import __version__
from dictate_app.errors import DictateError

# Subcommand modules, in the order `--help` lists them.
COMMANDS = (
    "transcribe",
    "model",
    "serve",
    "history",
    "control",
    "rules",
    "devices",
    "listen",
    "doctor",
)
# The module whose `run` handles `dictate-app` without a subcommand (the tray app, once it exists).
DEFAULT_COMMAND = "app"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dictate-app",
        description="Offline push-to-talk dictation with SenseVoice: hold a key, speak, release.",
    )
    parser.add_argument("--version", action="version", version=f"dictate-app {__version__}")
    parser.add_argument("--debug", action="store_true", help="verbose logs and full tracebacks")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"dictate_app.commands.{name}").register(subparsers)
    if DEFAULT_COMMAND:
        importlib.import_module(f"dictate_app.commands.{DEFAULT_COMMAND}").add_arguments(parser)
    return parser


def configure_logging(debug: bool) -> None:
    """Our logging, set before funasr's `basicConfig(level=INFO)` can take the root logger."""
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.debug)
    run = getattr(args, "run", None)
    if run is None:
        if DEFAULT_COMMAND is None:
            parser.print_help()
            return 0
        run = importlib.import_module(f"dictate_app.commands.{DEFAULT_COMMAND}").run
    try:
        return int(run(args) or 0)
    except DictateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the last line of defence: no traceback unless asked for
        if args.debug:
            raise
        print(f"error: unexpected {type(exc).__name__}: {exc} (run again with --debug for details)",
              file=sys.stderr)
        return 1
