"""Convert a funasr SenseVoiceSmall directory into the ONNX files sherpa-onnx runs.

Steps: load the model strictly (the funasr backend's own loader), run funasr's exporter on it
(``funasr.utils.export_utils.export``: its SenseVoice export wrapper, ``torch.onnx.export`` and,
for int8, onnxruntime's dynamic MatMul quantisation with funasr's settings), then write what
sherpa-onnx needs beside the graph: the SenseVoice metadata (LFR window, CMVN vectors from
``am.mvn``, the language and itn query rows from the model itself) and ``tokens.txt`` (every
SentencePiece piece with its id). Output, in ``<model dir>/onnx`` by default:
``model.int8.onnx`` (about 240 MB for the real model), ``tokens.txt`` and, with ``fp32=True``,
``model.onnx`` (about 935 MB). Needs ``onnx``, ``onnxscript`` and ``onnxruntime``; takes about
four minutes for the full-size model on two cores.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from dictate_app.engine.onnxdir import FP32_FILE, INT8_FILE, ONNX_SUBDIR, TOKENS_FILE
from dictate_app.errors import ModelError

log = logging.getLogger(__name__)

MODEL_TYPE = "sense_voice_ctc"
METADATA_VERSION = "2"
# torch 2.13's exporter implements opset 18 and up; funasr asks for 14 by default, which makes
# torch try (and fail, harmlessly but loudly) to down-convert the graph. sherpa-onnx's bundled
# onnxruntime runs opset 18.
OPSET = 18

ProgressFn = Callable[[str], None]


def default_output_dir(model_dir: str | Path) -> Path:
    """Where the loader looks for an exported model: ``<model dir>/onnx``."""
    return Path(model_dir).expanduser() / ONNX_SUBDIR


def _float_list(values) -> str:
    # repr of each float32 value: the shortest text that parses back to the same float32.
    return ",".join(repr(float(v)) for v in values)


def sherpa_metadata(engine) -> dict[str, str]:
    """The ``metadata_props`` sherpa-onnx's SenseVoice model reads, from a loaded funasr engine."""
    from funasr.frontends.wav_frontend import load_cmvn

    config, model = engine.config, engine.model
    cmvn = load_cmvn(config.frontend_conf["cmvn_file"]).numpy()
    metadata = {
        "model_type": MODEL_TYPE,
        "version": METADATA_VERSION,
        "vocab_size": str(engine.tokenizer.get_vocab_size()),
        "lfr_window_size": str(config.frontend_conf.get("lfr_m", 7)),
        "lfr_window_shift": str(config.frontend_conf.get("lfr_n", 6)),
        # funasr's frontend scales [-1, 1] samples to int16 range itself; sherpa-onnx must too.
        "normalize_samples": "0",
        "neg_mean": _float_list(cmvn[0]),
        "inv_stddev": _float_list(cmvn[1]),
        "with_itn": str(model.textnorm_dict["withitn"]),
        "without_itn": str(model.textnorm_dict["woitn"]),
        "comment": "exported by dictate-app from a funasr SenseVoiceSmall directory",
    }
    for language, row in model.lid_dict.items():
        metadata[f"lang_{language}"] = str(row)
    return metadata


def write_tokens(bpemodel: str | Path, out: Path) -> int:
    """Write sherpa-onnx's ``tokens.txt`` (``piece id`` per line); returns the piece count."""
    import sentencepiece

    processor = sentencepiece.SentencePieceProcessor()
    processor.Load(str(bpemodel))
    size = processor.GetPieceSize()
    with open(out, "w", encoding="utf-8") as handle:
        for piece_id in range(size):
            handle.write(f"{processor.IdToPiece(piece_id)} {piece_id}\n")
    return size


def add_metadata(source: Path, target: Path, metadata: dict[str, str]) -> None:
    """Copy an ONNX model to ``target`` as one file with ``metadata`` added (replacing keys)."""
    import onnx

    model = onnx.load(str(source))  # loads external weights too: the result is self-contained
    keep = [prop for prop in model.metadata_props if prop.key not in metadata]
    del model.metadata_props[:]
    model.metadata_props.extend(keep)
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, str(target))


@contextlib.contextmanager
def _quiet_logs():
    # The quantiser logs one INFO line per tensor (thousands); torch.onnx is chatty too.
    # The opset notes from torch.onnx and onnxscript are expected (see OPSET) and not actionable.
    names = ("", "onnxruntime", "torch.onnx", "onnxscript")
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logger.level, logging.ERROR))
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def export_onnx(
    model_dir: str | Path,
    out_dir: str | Path | None = None,
    *,
    int8: bool = True,
    fp32: bool = False,
    progress: ProgressFn | None = None,
) -> Path:
    """Export ``model_dir`` to sherpa-onnx's layout in ``out_dir`` (default ``<model_dir>/onnx``).

    Raises :class:`ModelError` when the model directory is unusable or the export tools are missing.
    """
    if not (int8 or fp32):
        raise ModelError("nothing to export: ask for int8, fp32 or both")
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError as exc:
        raise ModelError(
            f"exporting to ONNX needs onnx, onnxscript and onnxruntime ({exc.name} is missing); "
            "install them with `pip install --no-deps -r requirements/app.txt`"
        ) from None
    from dictate_app.engine.funasr_backend import FunasrEngine
    from dictate_app.engine.funasr_import import quiet_stdout
    from dictate_app.engine.modeldir import validate_model_dir

    config = validate_model_dir(model_dir)  # before anything is created in or under it
    say = progress or (lambda message: None)
    out = Path(out_dir).expanduser() if out_dir else default_output_dir(model_dir)
    out.mkdir(parents=True, exist_ok=True)
    work = out / ".export-tmp"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        started = time.perf_counter()
        say("loading the funasr model")
        engine = FunasrEngine.load(model_dir, device="cpu")
        metadata = sherpa_metadata(engine)

        say("exporting the ONNX graph" + (" and quantising it to int8" if int8 else ""))
        from funasr.utils.export_utils import export

        with quiet_stdout(), _quiet_logs():
            # funasr's exporter swaps the model's forward for its export wrapper: this engine
            # is private to the export and is dropped afterwards.
            # init_param: funasr evaluates its default output dir from it even when one is given.
            export(model=engine.model, quantize=int8, type="onnx", device="cpu", output_dir=str(work),
                   opset_version=OPSET, init_param=str(engine.config.weights))
        del engine

        say("writing metadata and tokens.txt")
        if int8:
            add_metadata(work / "model_quant.onnx", out / INT8_FILE, metadata)
        if fp32:
            add_metadata(work / "model.onnx", out / FP32_FILE, metadata)
        write_tokens(config.tokenizer_conf["bpemodel"], out / TOKENS_FILE)
        log.info("ONNX export of %s took %.1f s", model_dir, time.perf_counter() - started)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out
