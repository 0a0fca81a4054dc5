"""``dictate-app model download|verify|path|export-onnx``: get the model, check it, show where it
lives, convert it for the fast CPU backend."""

from __future__ import annotations

import argparse
from pathlib import Path

from dictate_app.errors import ModelError


def register(subparsers) -> None:
    parser = subparsers.add_parser("model", help="download, verify or locate the SenseVoiceSmall model")
    actions = parser.add_subparsers(dest="model_action", metavar="ACTION", required=True)

    download = actions.add_parser("download", help="download SenseVoiceSmall and verify every file")
    download.add_argument("--source", choices=("modelscope", "huggingface"), default=None,
                          help="default: modelscope for pytorch, huggingface (pinned revision) for onnx-int8")
    download.add_argument("--dir", type=Path, default=None, help="where to put it (default: the model store)")
    download.add_argument("--base-url", default=None, help=argparse.SUPPRESS)  # mirrors and tests
    download.add_argument("--format", choices=("pytorch", "onnx-int8"), default="pytorch",
                          help="pytorch: the funasr model (any device); onnx-int8: sherpa-onnx's int8 "
                               "conversion, for the fast CPU backend without torch (default: pytorch)")
    download.set_defaults(run=run_download)

    verify = actions.add_parser("verify", help="check a model directory file by file and load it")
    verify.add_argument("dir", nargs="?", type=Path, default=None)
    verify.add_argument("--no-load", action="store_true", help="check files only, do not load the weights")
    verify.set_defaults(run=run_verify)

    where = actions.add_parser("path", help="print the default model directory")
    where.set_defaults(run=run_path)

    export = actions.add_parser(
        "export-onnx", help="convert a funasr model directory to ONNX for the fast CPU backend (minutes)")
    export.add_argument("dir", nargs="?", type=Path, default=None, help="the funasr model directory")
    export.add_argument("--out", type=Path, default=None, help="where to write (default: DIR/onnx)")
    export.add_argument("--fp32", action="store_true", help="also write the float32 model.onnx (935 MB)")
    export.add_argument("--no-int8", dest="int8", action="store_false", help="skip model.int8.onnx")
    export.set_defaults(run=run_export_onnx)


def run_download(args) -> int:
    from dataclasses import replace

    from dictate_app.store.first_run import ONNX_INT8, download_plan
    from dictate_app.store.model_store import default_model_dir, text_progress

    # The same plan as the tray app's first-run setup: the ONNX model goes under the model
    # directory's onnx/ (where the loader looks for it, beside any funasr files); --dir is
    # where the files go.
    plan = download_plan(args.format, default_model_dir(), base_url=args.base_url)
    if args.dir:
        plan = replace(plan, model_dir=args.dir, dest=args.dir)
    if args.source:
        plan = replace(plan, source=args.source)
    plan.run(progress=text_progress())
    what = "SenseVoiceSmall int8 ONNX (sherpa-onnx)" if args.format == ONNX_INT8 else "SenseVoiceSmall"
    print(f"{what} is ready in {plan.dest}")
    return 0


def run_export_onnx(args) -> int:
    import sys

    from dictate_app.engine.export import export_onnx
    from dictate_app.store.model_store import default_model_dir

    model_dir = args.dir or default_model_dir()
    out = export_onnx(model_dir, args.out, int8=args.int8, fp32=args.fp32,
                      progress=lambda message: print(f"{message}...", file=sys.stderr, flush=True))
    print(f"ONNX model written to {out}")
    return 0


def _verify_onnx(model_dir: Path, load: bool) -> bool:
    """Check the ONNX model in ``model_dir`` (or its onnx/), if any; True when one was found."""
    from dictate_app.engine.onnxdir import find_onnx_model, validate_onnx_model
    from dictate_app.store.model_store import SHERPA_SENSEVOICE_INT8, check_files

    found = find_onnx_model(model_dir, "int8")
    if found is None:
        return False
    validate_onnx_model(found)
    published = all(check.ok for check in check_files(found.model.parent, SHERPA_SENSEVOICE_INT8))
    print(f"ok  {found.model.relative_to(model_dir) if found.model.is_relative_to(model_dir) else found.model}"
          f"  ({'the published sherpa-onnx int8 conversion' if published else 'SenseVoice metadata and tokens match'})")
    if load:
        from dictate_app.engine.onnx_backend import OnnxEngine

        OnnxEngine.load(model_dir)
        print("loads on sherpa-onnx (onnx, cpu)")
    return True


def run_verify(args) -> int:
    from dictate_app.engine.modeldir import validate_model_dir
    from dictate_app.store.model_store import SENSEVOICE_SMALL, check_files, default_model_dir

    model_dir = args.dir or default_model_dir()
    if not (model_dir / "config.yaml").exists() and _verify_onnx(model_dir, not args.no_load):
        return 0  # an ONNX-only directory (`model download --format onnx-int8`)
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

        engine = load_engine(model_dir, device="cpu", backend="funasr")
        print(f"loads strictly: all tensors match ({engine.backend}, {engine.device})")
    _verify_onnx(model_dir, not args.no_load)
    if all(check.ok for check in checks):
        print(f"{model_dir}: the published SenseVoiceSmall, verified")
    else:
        print(f"{model_dir}: a valid SenseVoice model, but not the published SenseVoiceSmall files")
    return 0


def run_path(args) -> int:
    from dictate_app.store.model_store import default_model_dir

    print(default_model_dir())
    return 0
