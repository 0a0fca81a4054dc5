"""``dictate-app transcribe FILE...``: audio files to text (and tags), one line per file."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from dictate_app.engine.base import LANGUAGE_CHOICES
from dictate_app.errors import BadAudioError, DictateError


def ps_warning(option: str) -> str:
    """What --help says about a token given on the command line as ``option``."""
    return f"visible to other users in `ps`: prefer $DICTATE_SERVER_TOKEN or {option}-file"


def add_engine_arguments(parser, remote: bool = True, backend: bool = False, top_level: bool = False) -> None:
    """The model options shared by every command that loads the engine (``remote``: also
    ``--server``/``--server-token``, to use a ``dictate-app serve`` instead of a local model;
    ``backend``: also ``--backend``, to force funasr or the ONNX model; ``top_level``: on the
    top-level parser, see :mod:`dictate_app.commands.options`)."""
    from dictate_app.commands.options import add_model_options

    add_model_options(parser, top_level=top_level)
    unset = None if top_level else argparse.SUPPRESS
    if remote:
        parser.add_argument("--server", default=unset, metavar="URL",
                            help="use a Dictate server (dictate-app serve) instead of a local model; "
                                 "falls back to the local model if the server cannot be reached")
        parser.add_argument("--server-token", default=unset, metavar="TOKEN",
                            help=f"the server's token (default: $DICTATE_SERVER_TOKEN); {ps_warning('--server-token')}")
        parser.add_argument("--server-token-file", type=Path, default=unset, metavar="PATH",
                            help="read the server's token from this file (its first line)")
    if backend:
        from dictate_app.engine.loader import BACKEND_CHOICES

        parser.add_argument("--backend", choices=BACKEND_CHOICES, default="auto",
                            help="funasr (torch; CUDA) or onnx (int8 on the CPU, no torch); auto: funasr on "
                                 "a GPU, else the int8 ONNX model if the model directory has one")


def resolve_token(given: str | None, file: Path | None, option: str) -> str | None:
    """The token from ``option`` (the command line), else from ``option``-file, else from
    $DICTATE_SERVER_TOKEN; None if there is none. DictateError for an unreadable or empty file."""
    from dictate_app.engine.remote_backend import ENV_SERVER_TOKEN

    if given is not None and file is not None:
        raise DictateError(f"give the token with {option} or {option}-file, not both")
    if file is None:
        return given if given is not None else os.environ.get(ENV_SERVER_TOKEN) or None
    try:
        lines = file.read_text(encoding="utf-8").strip().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise DictateError(f"cannot read the token file {file} ({reason}); give a readable file to "
                           f"{option}-file") from None
    if not lines or not lines[0].strip():
        raise DictateError(f"the token file {file} is empty; put the token on its first line")
    return lines[0].strip()


def register(subparsers) -> None:
    parser = subparsers.add_parser("transcribe", help="transcribe audio files (wav, flac, ogg, mp3, aiff)")
    add_engine_arguments(parser, backend=True)
    parser.add_argument("--language", choices=LANGUAGE_CHOICES, default="auto",
                        help="the spoken language; auto (default): the model detects it per file")
    parser.add_argument("--no-itn", dest="itn", action="store_false",
                        help="no punctuation or inverse text normalisation (digits as words)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    from dictate_app.commands.modes import add_mode_option

    add_mode_option(parser)
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE",
                        help="audio files: wav, flac, ogg (Vorbis, Opus), mp3, aiff; up to 4 hours each")
    parser.set_defaults(run=run)


def run(args) -> int:
    from dictate_app.audio.convert import MODEL_RATE
    from dictate_app.audio.files import decode_file
    from dictate_app.commands.options import model_folder
    from dictate_app.engine.loader import load_engine

    token = resolve_token(args.server_token, args.server_token_file, "--server-token")
    runner = None
    if args.ai_mode is not None:  # checked before the model loads: a typo fails fast
        from dictate_app.commands.modes import ModeRunner

        runner = ModeRunner(args, args.ai_mode)
    engine = load_engine(model_folder(args).path, device=args.device,
                         server=args.server, token=token, backend=args.backend)
    failed = False
    for path in args.files:
        started = time.perf_counter()
        try:
            audio = decode_file(path)  # bounded: FILE_MAX_SECONDS, channels, rate
            result = engine.transcribe(audio, MODEL_RATE, language=args.language, itn=args.itn)
        except BadAudioError as exc:
            print(f"error: {path}: {exc}", file=sys.stderr)
            failed = True
            continue
        elapsed_ms = (time.perf_counter() - started) * 1000
        processed = runner(result.text, result) if runner is not None and result.is_speech else None
        if processed is not None and (processed.error or runner.skipped_note(processed)):
            print(f"warning: {path}: {processed.error or runner.skipped_note(processed)}", file=sys.stderr)
        if args.json:
            from dictate_app.text.labels import display_line

            record = {
                "file": str(path),
                "text": result.text,
                "language": result.language,
                "emotion": result.emotion,
                "events": list(result.events),
                "duration_s": round(result.duration_s, 3),
                "elapsed_ms": round(elapsed_ms, 1),
                "itn": result.itn,
                "display": display_line(result),
                "raw": result.raw,
            }
            if runner is not None:  # "raw" stays the tagged model output; "spoken" is before the mode
                record.update(text=processed.text if processed else result.text,
                              spoken=processed.raw if processed else result.text,
                              mode=runner.mode.name, mode_ran=bool(processed and processed.ran),
                              mode_error=processed.error if processed else None)
            print(json.dumps(record, ensure_ascii=False), flush=True)
        else:
            print(processed.text if processed else result.text, flush=True)
    return 2 if failed else 0
