"""Options that mean the same in every command, and the one model folder they all use.

``--model DIR``, ``--device auto|cpu|cuda`` (where the model runs) and ``--microphone NAME`` are
defined once here. They exist on the top-level parser (the tray app's options, so
``dictate-app --model DIR transcribe ...`` works too) and again on each subcommand that uses them.
On a subcommand their default is :data:`argparse.SUPPRESS`: argparse copies every attribute a
subparser sets over the top-level namespace, so a subcommand's ``None`` default would silently
erase a top-level ``--model DIR``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

DEVICE_CHOICES = ("auto", "cpu", "cuda")


def device_type(value: str) -> str:
    """``--device``: only where the model runs; a microphone name here gets pointed to --microphone."""
    if value not in DEVICE_CHOICES:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not auto, cpu or cuda (--device is where the model runs; "
            "choose the microphone with --microphone NAME)")
    return value


def add_model_options(parser, top_level: bool = False, device: bool = True) -> None:
    """``--model DIR`` and (``device``) ``--device``; ``top_level``: on the top-level parser (real
    defaults). A command given ``--device`` only on the top level still reads ``args.device``."""
    parser.add_argument("--model", type=Path, metavar="DIR", default=None if top_level else argparse.SUPPRESS,
                        help="the model folder for this run (default: the model_dir setting, else "
                             "$DICTATE_MODEL_DIR, else the model store; `dictate-app model path` shows it)")
    if not device:
        return
    parser.add_argument("--device", type=device_type, metavar="{auto,cpu,cuda}",
                        default="auto" if top_level else argparse.SUPPRESS,
                        help="where to run the model; auto: the GPU if this install can use one")


def add_microphone_option(parser, top_level: bool = False) -> None:
    """``--microphone NAME``, the input device, in every command that records or lists them."""
    parser.add_argument("--microphone", metavar="NAME", default=None if top_level else argparse.SUPPRESS,
                        help="the microphone, by a name `dictate-app devices` lists "
                             "(default: the saved setting, else the system default)")


def model_folder(args):
    """The :class:`~dictate_app.store.model_store.ModelFolder` this command uses: ``--model``, else
    the tray app's saved ``model_dir`` setting, else ``$DICTATE_MODEL_DIR``, else the store."""
    from dictate_app.store.model_store import resolve_model_dir

    given = getattr(args, "model", None)
    if given is not None:
        return resolve_model_dir(given)
    return resolve_model_dir(None, saved_setting("model_dir"))


def saved_setting(key: str):
    """One saved setting (settings.ini), read without creating or changing anything."""
    from dictate_app.app.settings_store import saved_settings

    return getattr(saved_settings(), key)
