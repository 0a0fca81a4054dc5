"""The command line's own behaviour: errors that name the right command and the closest spelling,
and help for every argument of every command."""

from __future__ import annotations

import argparse
import re

import pytest

from dictate_app.cli import build_parser, main


def error_of(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as caught:
        main(list(argv))
    assert caught.value.code == 2
    return capsys.readouterr().err


def test_a_typo_in_a_subcommands_option_shows_that_subcommands_usage(capsys):
    err = error_of(capsys, "transcribe", "--modle", "x", "a.wav")
    assert err.startswith("usage: dictate-app transcribe ") and "FILE [FILE ...]" in err
    assert err.rstrip().endswith("dictate-app transcribe: error: unrecognized arguments: --modle (did you mean --model?)")
    err = error_of(capsys, "model", "verify", "--no-lod")
    assert err.startswith("usage: dictate-app model verify ")
    assert "unrecognized arguments: --no-lod (did you mean --no-load?)" in err
    err = error_of(capsys, "listen", "--json", "extra")  # a stray word: listen's error, not the top level's
    assert err.startswith("usage: dictate-app listen ") and "dictate-app listen: error: unrecognized arguments: extra" in err


def test_a_typo_in_a_command_or_a_choice_gets_the_closest_one(capsys):
    err = error_of(capsys, "transcirbe", "a.wav")
    assert "invalid choice: 'transcirbe' (did you mean 'transcribe'?); choose from transcribe, model," in err
    assert "did you mean 'verify'?" in error_of(capsys, "model", "verfy")
    err = error_of(capsys, "transcribe", "--language", "eng", "a.wav")
    assert "argument --language: invalid choice: 'eng' (did you mean 'en'?); choose from auto, zh, en, yue, ja, ko" in err
    # A mistyped top-level option with a value: the value is not taken for a command name.
    assert error_of(capsys, "--hotky", "f9").rstrip().endswith(
        "dictate-app: error: unrecognized arguments: --hotky (did you mean --hotkey?)")


def _parsers(parser: argparse.ArgumentParser, name: str = "dictate-app"):
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub, child in action.choices.items():
                yield from _parsers(child, f"{name} {sub}")


def test_every_argument_of_every_command_has_help_and_no_doubled_parentheses():
    missing, doubled = [], []
    for name, parser in _parsers(build_parser()):
        for action in parser._actions:
            if action.help is None or not str(action.help).strip():
                missing.append(f"{name}: {action.dest}")
            if isinstance(action, argparse._SubParsersAction):
                missing += [f"{name} {c.dest}" for c in action._choices_actions if not c.help]
        for line in parser.format_help().splitlines():
            if re.search(r"\)\s*\(|\([^()]*\(", line):
                doubled.append(f"{name}: {line.strip()}")
    assert missing == [] and doubled == []


def test_help_names_the_file_and_language_arguments(capsys):
    with pytest.raises(SystemExit):
        main(["transcribe", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "FILE audio files: wav, flac, ogg" in out and "--language {auto,zh,en,yue,ja,ko} the spoken language" in out
