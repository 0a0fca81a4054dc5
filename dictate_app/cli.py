"""``dictate-app``: argument parsing and dispatch only.

Each subcommand lives in ``dictate_app/commands/<name>.py`` and exposes ``register(subparsers)``,
which adds its parser and sets ``run=<function(args) -> exit code>``. With no subcommand the tray
app starts (``commands/app.py`` adds its options to the top-level parser).

Errors the user can act on (:class:`DictateError`) are printed as one ``error: ...`` line with the
command's exit code; anything unexpected is one line too, with the traceback behind ``--debug``.
"""

from __future__ import annotations

import argparse
import difflib
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
    "modes",
    "devices",
    "listen",
    "doctor",
)
# The module whose `run` handles `dictate-app` without a subcommand: the tray app.
DEFAULT_COMMAND = "app"


class Parser(argparse.ArgumentParser):
    """argparse with errors that help: an unknown option is reported by the (sub)command it was
    given to, with that command's usage and the closest option ("did you mean --model?"), and an
    unknown command or choice gets the closest one too. (Plain argparse hands a subcommand's
    unknown options up to the top level, whose 10-line usage names none of that command's
    options; Python 3.11 suggests nothing.)"""

    def parse_known_args(self, args=None, namespace=None):
        self._argv = list(sys.argv[1:] if args is None else args)
        namespace, extras = super().parse_known_args(args, namespace)
        if extras:  # a subcommand's parser gets every argument after it: none is someone else's
            self.error(f"unrecognized arguments: {' '.join(self._hint(arg) for arg in extras)}")
        return namespace, extras

    def _hint(self, arg: str) -> str:
        match = self._closest_option(arg) if arg.startswith("--") else None
        return f"{arg} (did you mean {match}?)" if match else arg

    def _closest_option(self, given: str) -> str | None:
        name = given.split("=", 1)[0]
        options = [o for action in self._actions for o in action.option_strings if o.startswith("--")]
        matches = difflib.get_close_matches(name, options, n=3, cutoff=0.6)
        # Swapped letters first: "--modle" is "--model" typed fast, not "--mode" plus a letter.
        return next(iter([m for m in matches if sorted(m) == sorted(name)] or matches), None)

    def _check_value(self, action, value):
        if action.choices is not None and value not in action.choices:
            choices = [str(choice) for choice in action.choices]
            before = self._argv[self._argv.index(value) - 1] if value in self._argv[1:] else ""
            if isinstance(action, argparse._SubParsersAction) and before.startswith("--") and not any(
                    before.split("=", 1)[0] in a.option_strings for a in self._actions):
                # "--hotky f9": argparse took the typo's value for a command name; the typo is the error.
                self.error(f"unrecognized arguments: {self._hint(before)}")
            match = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6)
            hint = f" (did you mean {match[0]!r}?)" if match else ""
            raise argparse.ArgumentError(
                action, f"invalid choice: {value!r}{hint}; choose from {', '.join(choices)}")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="dictate-app",
        description="Offline push-to-talk dictation with SenseVoice: hold a key, speak, release.",
    )
    parser.add_argument("--version", action="version", version=f"dictate-app {__version__}")
    parser.add_argument("--debug", action="store_true", help="verbose logs and full tracebacks")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND",
                                       help="none: start the tray app; `dictate-app COMMAND --help` for its options")
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
