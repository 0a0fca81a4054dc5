"""Find and validate a SenseVoice ONNX model (sherpa-onnx layout) without loading it.

The layout is sherpa-onnx's: ``model.int8.onnx`` (and/or ``model.onnx``) next to ``tokens.txt``,
the model carrying SenseVoice's metadata (LFR window, CMVN vectors, language and itn query ids).
It is found either in the model directory itself (the sherpa-onnx download) or in its ``onnx/``
subdirectory (what ``dictate-app model export-onnx`` writes next to the funasr files).

Why validate here: sherpa-onnx ends the whole process (``exit(-1)``) when a metadata key is
missing, so a bad file must become a :class:`ModelError` before sherpa-onnx ever sees it. The
metadata is read by walking the ONNX protobuf's top-level fields and skipping the graph, so this
costs milliseconds and needs neither ``onnx`` nor the 240 MB of weights in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dictate_app.errors import ModelError

ONNX_SUBDIR = "onnx"
INT8_FILE = "model.int8.onnx"
FP32_FILE = "model.onnx"
TOKENS_FILE = "tokens.txt"
PRECISION_FILES = {"int8": INT8_FILE, "fp32": FP32_FILE}
FEATURE_DIM = 560  # 80 mel bins x 7 stacked frames

# What sherpa-onnx's SenseVoice model reads (offline-sense-voice-model.cc); all required.
REQUIRED_METADATA = (
    "vocab_size", "lfr_window_size", "lfr_window_shift", "normalize_samples", "with_itn",
    "without_itn", "lang_auto", "lang_zh", "lang_en", "lang_ja", "lang_ko", "lang_yue",
    "neg_mean", "inv_stddev",
)
# The download first: the CPU flavour cannot export (that needs PyTorch).
EXPORT_HINT = ("run `dictate-app model download --format onnx-int8` for the published one, or "
               "`dictate-app model export-onnx` on the full install")


@dataclass(frozen=True)
class OnnxModel:
    """A SenseVoice ONNX model file and its token list."""

    model: Path
    tokens: Path
    precision: str  # "int8" or "fp32"


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def _read_varint(handle) -> int | None:
    value, shift = 0, 0
    while True:
        raw = handle.read(1)
        if not raw:
            if shift == 0:
                return None  # clean end of file
            raise ValueError("truncated varint")
        value |= (raw[0] & 0x7F) << shift
        if not raw[0] & 0x80:
            return value
        shift += 7


def _string_pair(entry: bytes) -> tuple[str, str]:
    """Decode an ONNX StringStringEntryProto (key = field 1, value = field 2)."""
    fields = {1: "", 2: ""}
    pos = 0
    while pos < len(entry):
        key, pos = _varint(entry, pos)
        number, wire = key >> 3, key & 7
        if wire == 2:
            length, pos = _varint(entry, pos)
            if number in fields:
                fields[number] = entry[pos:pos + length].decode("utf-8", errors="replace")
            pos += length
        elif wire == 0:
            _, pos = _varint(entry, pos)
        else:
            raise ValueError(f"unexpected wire type {wire} in metadata")
    return fields[1], fields[2]


def read_metadata(path: Path) -> dict[str, str]:
    """The ``metadata_props`` of an ONNX file (ModelProto field 14), skipping everything else."""
    metadata: dict[str, str] = {}
    with open(path, "rb") as handle:
        while True:
            key = _read_varint(handle)
            if key is None:
                return metadata
            number, wire = key >> 3, key & 7
            if wire == 0:
                _read_varint(handle)
            elif wire == 1:
                handle.seek(8, 1)
            elif wire == 5:
                handle.seek(4, 1)
            elif wire == 2:
                length = _read_varint(handle)
                if length is None:
                    raise ValueError("truncated field")
                if number == 14:
                    entry = handle.read(length)
                    if len(entry) != length:
                        raise ValueError("truncated metadata")
                    name, value = _string_pair(entry)
                    metadata[name] = value
                else:
                    handle.seek(length, 1)
            else:
                raise ValueError(f"not an ONNX model (wire type {wire})")


def _candidates(model_dir: Path) -> list[Path]:
    return [model_dir, model_dir / ONNX_SUBDIR]


def find_onnx_model(model_dir: str | Path, precision: str = "int8") -> OnnxModel | None:
    """The ONNX model of ``precision`` in ``model_dir`` or ``model_dir/onnx``, or None.

    Only checks that the two files exist; :func:`validate_onnx_model` checks their content.
    """
    if precision not in PRECISION_FILES:
        raise ModelError(f"precision {precision!r} is not one of {', '.join(PRECISION_FILES)}")
    model_dir = Path(model_dir).expanduser()
    for folder in _candidates(model_dir):
        model, tokens = folder / PRECISION_FILES[precision], folder / TOKENS_FILE
        if model.is_file() and tokens.is_file():
            return OnnxModel(model, tokens, precision)
    return None


def count_tokens(tokens: Path) -> int:
    """Lines of a sherpa-onnx ``tokens.txt`` (``piece id`` per line)."""
    with open(tokens, encoding="utf-8", errors="replace") as handle:
        return sum(1 for line in handle if line.strip())


def validate_onnx_model(found: OnnxModel) -> dict[str, str]:
    """Check the metadata sherpa-onnx needs and that ``tokens.txt`` matches; return the metadata."""
    where = found.model
    if found.model.stat().st_size == 0:
        raise ModelError(f"{where} is empty; {EXPORT_HINT}")
    try:
        metadata = read_metadata(found.model)
    except (OSError, ValueError) as exc:
        raise ModelError(f"{where} is not a readable ONNX model ({exc}); {EXPORT_HINT}") from None
    missing = [key for key in REQUIRED_METADATA if key not in metadata]
    if missing:
        raise ModelError(
            f"{where} lacks the SenseVoice metadata sherpa-onnx needs ({', '.join(missing[:4])}"
            f"{'...' if len(missing) > 4 else ''}); {EXPORT_HINT}"
        )
    try:
        vocab = int(metadata["vocab_size"])
        means = metadata["neg_mean"].split(",")
        scales = metadata["inv_stddev"].split(",")
    except ValueError:
        raise ModelError(f"{where} has malformed SenseVoice metadata; {EXPORT_HINT}") from None
    if len(means) != FEATURE_DIM or len(scales) != FEATURE_DIM:
        raise ModelError(f"{where} holds {len(means)}-dim CMVN statistics, not {FEATURE_DIM}; {EXPORT_HINT}")
    tokens = count_tokens(found.tokens)
    if tokens != vocab:
        raise ModelError(
            f"{found.tokens} lists {tokens:,} tokens but the model has {vocab:,}; "
            f"use the tokens.txt written with this model ({EXPORT_HINT})"
        )
    return metadata
