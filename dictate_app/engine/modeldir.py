"""Validate a SenseVoiceSmall model directory before funasr ever sees it.

funasr is forgiving in the worst way: a missing ``model.pt`` gives a random model, tensors of the
wrong shape are skipped with an INFO line, a missing directory becomes a hub download and then
"model is not registered". Here every problem becomes one :class:`ModelError` sentence naming the
file and the fix, and the configuration funasr needs is resolved from the directory itself.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from dictate_app.errors import ModelError

TOKENIZER_FILE = "chn_jpn_yue_eng_ko_spectok.bpe.model"
MODEL_FILES = ("config.yaml", "configuration.json", "model.pt", TOKENIZER_FILE, "am.mvn")
VOCAB_SIZE = 25055
# funasr hard-codes these ids (model.py: lid_int_dict, textnorm_int_dict, emo_dict); a tokenizer
# that puts the tags elsewhere decodes them as other pieces.
FIXED_TAG_IDS = {
    "<|zh|>": 24884, "<|en|>": 24885, "<|yue|>": 24888, "<|ja|>": 24892, "<|ko|>": 24896,
    "<|nospeech|>": 24992, "<|Speech|>": 24993,
    "<|HAPPY|>": 25001, "<|SAD|>": 25002, "<|ANGRY|>": 25003, "<|NEUTRAL|>": 25004,
    "<|EMO_UNKNOWN|>": 25009, "<|withitn|>": 25016, "<|woitn|>": 25017,
}
FIX_HINT = "run `dictate-app model download`, or pass --model DIR with a complete SenseVoiceSmall directory"


@dataclass(frozen=True)
class ModelConfig:
    """What funasr needs to build SenseVoice, resolved from a validated directory."""

    path: Path
    model: str
    model_conf: dict
    encoder: str
    encoder_conf: dict
    frontend: str
    frontend_conf: dict  # cmvn_file filled in
    tokenizer: str
    tokenizer_conf: dict  # bpemodel filled in
    weights: Path


def _fail(path: Path, what: str) -> ModelError:
    return ModelError(f"the model in {path} is unusable: {what}; {FIX_HINT}")


def _read_mvn_dims(mvn: Path) -> tuple[int, int]:
    """Dimensions of the <AddShift> and <Rescale> vectors of a Kaldi nnet1 am.mvn."""
    dims = {}
    tokens = mvn.read_text(encoding="utf-8", errors="replace").split()
    for i, token in enumerate(tokens):
        if token in ("<AddShift>", "<Rescale>") and i + 1 < len(tokens):
            dims[token] = int(tokens[i + 1])
    if len(dims) != 2:
        raise ValueError("it has no <AddShift>/<Rescale> statistics")
    return dims["<AddShift>"], dims["<Rescale>"]


def _check_weights_file(path: Path, weights: Path) -> None:
    # torch.save writes a zip archive; a truncated download loses its central directory at the end.
    try:
        with zipfile.ZipFile(weights) as archive:
            if not any(name.endswith("data.pkl") for name in archive.namelist()):
                raise _fail(path, "model.pt is not a PyTorch checkpoint (no data.pkl inside)")
    except zipfile.BadZipFile:
        size = weights.stat().st_size
        raise _fail(path, f"model.pt is truncated or corrupt ({size:,} bytes, not a complete archive)") from None


def _check_tokenizer(path: Path, bpemodel: Path) -> None:
    import sentencepiece

    processor = sentencepiece.SentencePieceProcessor()
    try:
        processor.Load(str(bpemodel))
    except (OSError, RuntimeError):
        raise _fail(path, f"{bpemodel.name} is not a SentencePiece model") from None
    size = processor.GetPieceSize()
    if size != VOCAB_SIZE:
        raise _fail(path, f"{bpemodel.name} has {size:,} pieces; SenseVoice needs {VOCAB_SIZE:,}")
    for tag, tag_id in FIXED_TAG_IDS.items():
        if processor.IdToPiece(tag_id) != tag:
            raise _fail(path, f"{bpemodel.name} has {processor.IdToPiece(tag_id)!r} at id {tag_id} where SenseVoice expects {tag}")


def validate_model_dir(model_dir: str | Path) -> ModelConfig:
    """Check every file of a SenseVoiceSmall directory and resolve funasr's configuration.

    Checks: the directory exists; all five files exist and are non-empty; ``configuration.json``
    and ``config.yaml`` parse and describe SenseVoiceSmall; ``am.mvn`` matches the frontend's
    80 x lfr_m feature size; the tokenizer has 25,055 pieces with the tags at funasr's ids;
    ``model.pt`` is a complete archive. Tensor names and shapes are checked at load time
    (:mod:`dictate_app.engine.funasr_backend`), when the model's own layout is known.
    """
    import yaml

    path = Path(model_dir).expanduser()
    if not path.exists():
        raise ModelError(f"no model directory at {path}; {FIX_HINT}")
    if not path.is_dir():
        raise ModelError(f"{path} is a file, not a model directory; {FIX_HINT}")
    missing = [name for name in MODEL_FILES if not (path / name).is_file()]
    if missing:
        raise _fail(path, f"missing {', '.join(missing)} (it needs {', '.join(MODEL_FILES)})")
    empty = [name for name in MODEL_FILES if (path / name).stat().st_size == 0]
    if empty:
        raise _fail(path, f"{', '.join(empty)} is empty")

    try:
        metas = json.loads((path / "configuration.json").read_text(encoding="utf-8")).get("file_path_metas", {})
        config = yaml.safe_load((path / "config.yaml").read_text(encoding="utf-8"))
    except (ValueError, yaml.YAMLError) as exc:
        raise _fail(path, f"a configuration file does not parse ({str(exc).splitlines()[0]})") from None
    if not isinstance(config, dict) or config.get("model") != "SenseVoiceSmall":
        raise _fail(path, "config.yaml does not describe a SenseVoiceSmall model")

    frontend_conf = dict(config.get("frontend_conf") or {})
    frontend_conf["cmvn_file"] = str(path / metas.get("frontend_conf", {}).get("cmvn_file", "am.mvn"))
    tokenizer_conf = dict(config.get("tokenizer_conf") or {})
    tokenizer_conf["bpemodel"] = str(path / metas.get("tokenizer_conf", {}).get("bpemodel", TOKENIZER_FILE))
    weights = path / metas.get("init_param", "model.pt")

    try:
        shift, rescale = _read_mvn_dims(Path(frontend_conf["cmvn_file"]))
    except (OSError, ValueError) as exc:
        raise _fail(path, f"am.mvn is not a Kaldi CMVN file ({exc})") from None
    feature_size = int(frontend_conf.get("n_mels", 80)) * int(frontend_conf.get("lfr_m", 1))
    if shift != feature_size or rescale != feature_size:
        raise _fail(path, f"am.mvn holds {shift}-dim statistics; the frontend makes {feature_size}-dim features")
    _check_tokenizer(path, Path(tokenizer_conf["bpemodel"]))
    _check_weights_file(path, weights)

    return ModelConfig(
        path=path,
        model=config["model"],
        model_conf=dict(config.get("model_conf") or {}),
        encoder=config.get("encoder", "SenseVoiceEncoderSmall"),
        encoder_conf=dict(config.get("encoder_conf") or {}),
        frontend=config.get("frontend", "WavFrontend"),
        frontend_conf=frontend_conf,
        tokenizer=config.get("tokenizer", "SentencepiecesTokenizer"),
        tokenizer_conf=tokenizer_conf,
        weights=weights,
    )
