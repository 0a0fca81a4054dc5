"""``dictate-app model download|verify|path``: get the model, check it, show where it lives."""

from __future__ import annotations

import argparse
from pathlib import Path

from dictate_app.errors import ModelError


def register(subparsers) -> None:
    parser = subparsers.add_parser("model", help="download, verify or locate the SenseVoiceSmall model")
    actions = parser.add_subparsers(dest="model_action", metavar="ACTION", required=True)

    download = actions.add_parser("download", help="download SenseVoiceSmall and verify every file")
    download.add_argument("--source", choices=("modelscope", "huggingface"), default="modelscope")
    download.add_argument("--dir", type=Path, default=None, help="where to put it (default: the model store)")
    download.add_argument("--base-url", default=None, help=argparse.SUPPRESS)  # mirrors and tests
    download.set_defaults(run=run_download)

    verify = actions.add_parser("verify", help="check a model directory file by file and load it")
    verify.add_argument("dir", nargs="?", type=Path, default=None)
    verify.add_argument("--no-load", action="store_true", help="check files only, do not load the weights")
    verify.set_defaults(run=run_verify)

    where = actions.add_parser("path", help="print the default model directory")
    where.set_defaults(run=run_path)


def run_download(args) -> int:
    from dictate_app.store.model_store import default_model_dir, download_model, text_progress

    dest = args.dir or default_model_dir()
    download_model(dest, args.source, base_url=args.base_url, progress=text_progress())
    print(f"SenseVoiceSmall is ready in {dest}")
    return 0


def run_verify(args) -> int:
    from dictate_app.engine.modeldir import validate_model_dir
    from dictate_app.store.model_store import SENSEVOICE_SMALL, check_files, default_model_dir

    model_dir = args.dir or default_model_dir()
    validate_model_dir(model_dir)
    checks = check_files(model_dir)
    published = {spec.name: spec.size for spec in SENSEVOICE_SMALL}
    corrupt = []
    for check in checks:
        print(f"{'ok' if check.ok else '--'}  {check.name}{'' if check.ok else '  (' + check.problem + ')'}")
        size = (model_dir / check.name).stat().st_size
        if not check.ok and size == published[check.name]:
            corrupt.append(check.name)  # the published size but other bytes: damaged, not custom
    if corrupt:
        raise ModelError(
            f"{', '.join(corrupt)} in {model_dir} has the published size but different content (damaged); "
            "run `dictate-app model download` to fetch it again"
        )
    if not args.no_load:
        from dictate_app.engine.loader import load_engine

        engine = load_engine(model_dir, device="cpu")
        print(f"loads strictly: all tensors match ({engine.backend}, {engine.device})")
    if all(check.ok for check in checks):
        print(f"{model_dir}: the published SenseVoiceSmall, verified")
    else:
        print(f"{model_dir}: a valid SenseVoice model, but not the published SenseVoiceSmall files")
    return 0


def run_path(args) -> int:
    from dictate_app.store.model_store import default_model_dir

    print(default_model_dir())
    return 0
