"""``dictate-app model download|verify|path|export-onnx``: get the model, check it, show where it
lives, convert it for the fast CPU backend."""

from __future__ import annotations

import argparse
from pathlib import Path

from dictate_app.engine.forms import FORMS
from dictate_app.errors import ModelError


def register(subparsers) -> None:
    from dictate_app.commands.options import add_model_options

    parser = subparsers.add_parser("model", help="download, verify or locate the SenseVoiceSmall model")
    actions = parser.add_subparsers(dest="model_action", metavar="ACTION", required=True,
                                    help="what to do with the model folder in use")

    download = actions.add_parser("download", help="download SenseVoiceSmall and verify every file")
    download.add_argument("--source", choices=("modelscope", "huggingface"), default=None,
                          help="where from; default: huggingface (a pinned revision) for onnx-int8, "
                               "modelscope for pytorch")
    download.add_argument("--dir", type=Path, default=None,
                          help="put the files right here instead (default: the model folder in use, see "
                               "`model path`, with the ONNX model in its onnx/)")
    add_model_options(download)  # --model: the folder to fill as the app reads it; --device: which form
    download.add_argument("--base-url", default=None, help=argparse.SUPPRESS)  # mirrors and tests
    download.add_argument("--format", choices=FORMS, default=None,
                          help="onnx-int8: sherpa-onnx's int8 conversion, 240 MB, run on the CPU without "
                               "PyTorch; pytorch: the funasr model, 940 MB, for a GPU (needs the full "
                               "install); default: the one this install runs")
    download.set_defaults(run=run_download)

    verify = actions.add_parser(
        "verify", help="check a model folder file by file and load it",
        description="Check the model folder in use (or DIR): each form it holds, file by file, then "
                    "load it as the app would.")
    verify.add_argument("dir", nargs="?", type=Path, default=None,
                        help="the folder to check (default: the one in use, see `model path`)")
    add_model_options(verify, device=False)  # verify loads on the CPU, as the CPU flavour would
    verify.add_argument("--no-load", action="store_true", help="check files only, do not load the weights")
    verify.set_defaults(run=run_verify)

    where = actions.add_parser("path", help="print the model folder in use, and why that one")
    add_model_options(where, device=False)
    where.set_defaults(run=run_path)

    export = actions.add_parser(
        "export-onnx", help="convert a funasr model directory to ONNX for the fast CPU backend (minutes)")
    export.add_argument("dir", nargs="?", type=Path, default=None,
                        help="the funasr model folder (default: the one in use, see `model path`)")
    export.add_argument("--out", type=Path, default=None, help="where to write (default: DIR/onnx)")
    export.add_argument("--fp32", action="store_true", help="also write the float32 model.onnx (935 MB)")
    export.add_argument("--no-int8", dest="int8", action="store_false", help="skip model.int8.onnx")
    export.set_defaults(run=run_export_onnx)


def _folder(args) -> Path:
    """DIR if given, else the folder every command uses (--model, the setting, ...)."""
    from dictate_app.commands.options import model_folder

    return getattr(args, "dir", None) or model_folder(args).path


def run_download(args) -> int:
    import sys
    from dataclasses import replace

    from dictate_app.engine.forms import FORM_NAMES, can_run, preferred_form
    from dictate_app.app.first_run import download_plan
    from dictate_app.store.model_store import text_progress

    fmt = args.format or preferred_form(getattr(args, "device", "auto"))
    if not can_run(fmt):
        print(f"note: this Dictate cannot run {FORM_NAMES[fmt]}; downloading it anyway (for another "
              "install, or until this one has what it needs)", file=sys.stderr)
    # The same plan as the tray app's setup window: the ONNX model goes under the model folder's
    # onnx/ (where the loader looks for it, beside any funasr files); --dir is where the files go.
    plan = download_plan(fmt, _folder(args), base_url=args.base_url)
    if args.dir:
        plan = replace(plan, model_dir=args.dir, dest=args.dir)
    if args.source:
        plan = replace(plan, source=args.source)
    plan.run(progress=text_progress())
    print(f"{FORM_NAMES[fmt][0].upper()}{FORM_NAMES[fmt][1:]} is ready in {plan.dest}")
    return 0


def run_export_onnx(args) -> int:
    import sys

    from dictate_app.engine.export import export_onnx

    out = export_onnx(_folder(args), args.out, int8=args.int8, fp32=args.fp32,
                      progress=lambda message: print(f"{message}...", file=sys.stderr, flush=True))
    print(f"ONNX model written to {out}")
    return 0


def _verify_onnx(model_dir: Path, load: bool) -> None:
    """Check (and load) the int8 ONNX model in ``model_dir`` or its onnx/; ModelError if unusable."""
    from dictate_app.engine.onnxdir import EXPORT_HINT, find_onnx_model, validate_onnx_model
    from dictate_app.store.model_store import SHERPA_SENSEVOICE_INT8, check_files

    found = find_onnx_model(model_dir, "int8")
    if found is None:
        raise ModelError(f"the int8 ONNX model in {model_dir} is incomplete: it needs model.int8.onnx and "
                         f"tokens.txt side by side (in the folder or its onnx/); {EXPORT_HINT}")
    validate_onnx_model(found)
    published = all(check.ok for check in check_files(found.model.parent, SHERPA_SENSEVOICE_INT8))
    print(f"ok  {found.model.relative_to(model_dir) if found.model.is_relative_to(model_dir) else found.model}"
          f"  ({'the published sherpa-onnx int8 conversion' if published else 'SenseVoice metadata and tokens match'})")
    if load:
        from dictate_app.engine.onnx_backend import OnnxEngine

        OnnxEngine.load(model_dir)
        print("loads on sherpa-onnx (onnx, cpu)")


def _verify_funasr(model_dir: Path, load: bool) -> None:
    """Check the funasr directory file by file (size, sha256), load it strictly; ModelError if unusable."""
    from dictate_app.engine.modeldir import validate_model_dir
    from dictate_app.store.model_store import SENSEVOICE_SMALL, check_files

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
            "run `dictate-app model download --format pytorch` to fetch it again"
        )
    if load:
        from dictate_app.engine.loader import load_engine

        engine = load_engine(model_dir, device="cpu", backend="funasr")
        print(f"loads strictly: all tensors match ({engine.backend}, {engine.device})")
    if all(check.ok for check in checks):
        print(f"{model_dir}: the published SenseVoiceSmall, verified")
    else:
        print(f"{model_dir}: a valid SenseVoice model, but not the published SenseVoiceSmall files")


def run_verify(args) -> int:
    """Verify every form the folder holds that this install runs; a form it cannot run is named
    and skipped, unless it is the only one (then that is the error)."""
    from dictate_app.engine.forms import FORM_NAMES, ONNX_INT8, can_run, forms_in, no_model_message
    from dictate_app.engine.forms import unrunnable_message

    model_dir = Path(_folder(args)).expanduser()
    present = forms_in(model_dir)
    if not present:
        raise ModelError(no_model_message(model_dir, getattr(args, "device", "auto")))
    runnable = [form for form in present if can_run(form)]
    if not runnable:
        raise ModelError(unrunnable_message(model_dir))
    for form in present:
        if form not in runnable:
            print(f"--  skipped {FORM_NAMES[form]}: this install cannot run it")
        elif form == ONNX_INT8:
            _verify_onnx(model_dir, not args.no_load)
        else:
            _verify_funasr(model_dir, not args.no_load)
    return 0


def run_path(args) -> int:
    """The folder in use on stdout (for scripts); where that choice came from and what the
    folder holds on stderr."""
    import os
    import sys

    from dictate_app.commands.options import model_folder
    from dictate_app.engine.forms import FORM_NAMES, forms_in
    from dictate_app.store.model_store import ENV_MODEL_DIR

    folder = model_folder(args)
    print(folder.path)
    held = " and ".join(FORM_NAMES[form] for form in forms_in(folder.path)) or "no model yet"
    print(f"chosen by: {folder.describe()}\nit holds: {held}", file=sys.stderr)
    env = os.environ.get(ENV_MODEL_DIR)
    if env and folder.source == "setting":
        print(f"${ENV_MODEL_DIR}={env} is not used: the setting comes first (--model overrides both)",
              file=sys.stderr)
    return 0
