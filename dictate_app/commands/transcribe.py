"""``dictate-app transcribe FILE...``: audio files to text (and tags), one line per file."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from dictate_app.engine.base import LANGUAGE_CHOICES
from dictate_app.errors import BadAudioError


def add_engine_arguments(parser, remote: bool = True, backend: bool = False) -> None:
    """The model options shared by every command that loads the engine (``remote``: also
    ``--server``/``--server-token``, to use a ``dictate-app serve`` instead of a local model;
    ``backend``: also ``--backend``, to force funasr or the ONNX model)."""
    parser.add_argument("--model", type=Path, default=None, metavar="DIR",
                        help="SenseVoiceSmall directory (default: the model store, or $DICTATE_MODEL_DIR)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                        help="where to run the model (auto: the GPU if torch sees one)")
    if remote:
        parser.add_argument("--server", default=None, metavar="URL",
                            help="use a Dictate server (dictate-app serve) instead of a local model; "
                                 "falls back to the local model if the server cannot be reached")
        parser.add_argument("--server-token", default=None, metavar="TOKEN",
                            help="the server's token (default: $DICTATE_SERVER_TOKEN)")
    if backend:
        from dictate_app.engine.loader import BACKEND_CHOICES

        parser.add_argument("--backend", choices=BACKEND_CHOICES, default="auto",
                            help="funasr (torch; CUDA) or onnx (int8 on the CPU, no torch); auto: funasr on "
                                 "a GPU, else the int8 ONNX model if the model directory has one")


def register(subparsers) -> None:
    parser = subparsers.add_parser("transcribe", help="transcribe audio files (wav, flac, ogg, mp3, aiff)")
    add_engine_arguments(parser, backend=True)
    parser.add_argument("--language", choices=LANGUAGE_CHOICES, default="auto")
    parser.add_argument("--no-itn", dest="itn", action="store_false",
                        help="no punctuation or inverse text normalisation (digits as words)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parser.set_defaults(run=run)


def run(args) -> int:
    from dictate_app.audio.convert import MODEL_RATE
    from dictate_app.audio.files import decode_file
    from dictate_app.engine.loader import load_engine
    from dictate_app.store.model_store import default_model_dir

    engine = load_engine(args.model or default_model_dir(), device=args.device,
                         server=args.server, token=args.server_token, backend=args.backend)
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
        if args.json:
            from dictate_app.engine.tags import display_line

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
            print(json.dumps(record, ensure_ascii=False), flush=True)
        else:
            print(result.text, flush=True)
    return 2 if failed else 0
