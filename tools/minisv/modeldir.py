"""Write SenseVoiceSmall model directories in exactly the real funasr format.

A directory holds ``config.yaml``, ``configuration.json``, ``model.pt``,
``chn_jpn_yue_eng_ko_spectok.bpe.model`` and ``am.mvn`` (as the released model). Three uses:

- the trained miniature fixture (``tools.minisv.train`` hands its weights to :func:`write_model_dir`);
- :func:`build_random_model_dir`: a tiny random model for fast load tests, or the full-size
  architecture (234 M parameters, ``model.pt`` ~936 MB) for benchmarks, where speed does not
  depend on the weight values;
- :func:`bench_model_dir`: the full-size random model cached outside the repository.

CLI: ``python -m tools.minisv.modeldir {tiny,full} OUT_DIR [--check]``.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from tools.minisv import lexicon, vocab

TOKENIZER_FILE = "chn_jpn_yue_eng_ko_spectok.bpe.model"
FEATURE_DIM = 560  # 80 mel bins x 7 stacked frames (LFR)

FULL_ENCODER = {"output_size": 512, "attention_heads": 4, "linear_units": 2048,
                "num_blocks": 50, "tp_blocks": 20}
TINY_ENCODER = {"output_size": 32, "attention_heads": 4, "linear_units": 64,
                "num_blocks": 2, "tp_blocks": 1}
BENCH_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "dictate" / "bench-model"

# The real configuration.json, field for field; funasr joins file_path_metas with the directory.
CONFIGURATION = {
    "framework": "pytorch",
    "task": "auto-speech-recognition",
    "model": {"type": "funasr"},
    "pipeline": {"type": "funasr-pipeline"},
    "model_name_in_hub": {"ms": "", "hf": ""},
    "file_path_metas": {
        "init_param": "model.pt",
        "config": "config.yaml",
        "tokenizer_conf": {"bpemodel": TOKENIZER_FILE},
        "frontend_conf": {"cmvn_file": "am.mvn"},
    },
}


def encoder_conf(output_size: int, num_blocks: int, tp_blocks: int, attention_heads: int,
                 linear_units: int) -> dict:
    """SenseVoiceEncoderSmall's configuration with the real model's fixed values for the rest."""
    return {
        "output_size": output_size, "attention_heads": attention_heads,
        "linear_units": linear_units, "num_blocks": num_blocks, "tp_blocks": tp_blocks,
        "dropout_rate": 0.1, "positional_dropout_rate": 0.1, "attention_dropout_rate": 0.1,
        "input_layer": "pe", "pos_enc_class": "SinusoidalPositionEncoder",
        "normalize_before": True, "kernel_size": 11, "sanm_shfit": 0,
        "selfattention_layer_type": "sanm",
    }


def config_dict(enc: Mapping) -> dict:
    """The full ``config.yaml`` content. ``dither: 0.0`` so features are deterministic (pitfall 8)."""
    return {
        "encoder": "SenseVoiceEncoderSmall",
        "encoder_conf": dict(enc),
        "model": "SenseVoiceSmall",
        "model_conf": {"length_normalized_loss": True, "sos": 1, "eos": 2, "ignore_id": -1},
        "tokenizer": "SentencepiecesTokenizer",
        "tokenizer_conf": {"bpemodel": None, "unk_symbol": "<unk>", "split_with_space": True},
        "frontend": "WavFrontend",
        "frontend_conf": {"fs": 16000, "window": "hamming", "n_mels": 80, "frame_length": 25,
                          "frame_shift": 10, "lfr_m": 7, "lfr_n": 6, "cmvn_file": None,
                          "dither": 0.0},
        "specaug": "SpecAugLFR",
        "specaug_conf": {"apply_time_warp": False, "apply_freq_mask": True,
                         "freq_mask_width_range": [0, 30], "lfr_rate": 6, "num_freq_mask": 1,
                         "apply_time_mask": True, "time_mask_width_range": [0, 12],
                         "num_time_mask": 1},
        "dataset": "SenseVoiceCTCDataset",
        "dataset_conf": {"index_ds": "IndexDSJsonl", "batch_sampler": "EspnetStyleBatchSampler",
                         "batch_type": "length", "batch_size": 7000, "max_token_length": 2000,
                         "min_token_length": 60, "shuffle": True, "num_workers": 4,
                         "sos": 1, "eos": 2, "IndexDSJsonl": "IndexDSJsonl",
                         "retry": 20},
        "train_conf": {"accum_grad": 1, "grad_clip": 5, "max_epoch": 20, "keep_nbest_models": 10,
                       "avg_nbest_model": 10, "log_interval": 100, "resume": True,
                       "validate_interval": 10000, "save_checkpoint_interval": 10000},
        "optim": "adamw",
        "optim_conf": {"lr": 2e-05},
        "scheduler": "warmuplr",
        "scheduler_conf": {"warmup_steps": 25000},
    }


def write_am_mvn(path: Path, mean: np.ndarray, std: np.ndarray) -> None:
    """Write CMVN statistics in Kaldi nnet1 text format (``<AddShift>`` = -mean, ``<Rescale>`` = 1/std)."""
    mean = np.asarray(mean, dtype=np.float64).reshape(-1)
    std = np.asarray(std, dtype=np.float64).reshape(-1)
    if mean.shape != (FEATURE_DIM,) or std.shape != (FEATURE_DIM,):
        raise ValueError(f"am.mvn needs {FEATURE_DIM}-dim vectors")
    shift = " ".join(f"{-v:.6f}" for v in mean)
    rescale = " ".join(f"{1.0 / max(v, 1e-5):.6f}" for v in std)
    path.write_text(
        "<Nnet>\n"
        f"<Splice> {FEATURE_DIM} {FEATURE_DIM}\n[ 0 ]\n"
        f"<AddShift> {FEATURE_DIM} {FEATURE_DIM}\n<LearnRateCoef> 0 [ {shift} ]\n"
        f"<Rescale> {FEATURE_DIM} {FEATURE_DIM}\n<LearnRateCoef> 0 [ {rescale} ]\n"
        "</Nnet>\n",
        encoding="utf-8",
    )


def build_model(enc: Mapping, vocab_size: int = vocab.VOCAB_SIZE):
    """funasr's own ``SenseVoiceSmall`` with this encoder (random weights; input 560, CTC over vocab)."""
    from funasr.models.sense_voice.model import SenseVoiceSmall

    conf = config_dict(enc)
    return SenseVoiceSmall(
        encoder=conf["encoder"], encoder_conf=dict(enc), input_size=FEATURE_DIM,
        vocab_size=vocab_size, **conf["model_conf"],
    )


def write_model_dir(out: Path, enc: Mapping, state_dict: Mapping, tokenizer: bytes,
                    mvn_mean: np.ndarray | None = None, mvn_std: np.ndarray | None = None) -> Path:
    """Write a complete model directory; ``mvn_*`` None means identity CMVN (random models)."""
    import torch
    import yaml

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.yaml").write_text(yaml.safe_dump(config_dict(enc), sort_keys=False), encoding="utf-8")
    (out / "configuration.json").write_text(json.dumps(CONFIGURATION, indent=2) + "\n", encoding="utf-8")
    (out / TOKENIZER_FILE).write_bytes(tokenizer)
    write_am_mvn(out / "am.mvn",
                 np.zeros(FEATURE_DIM) if mvn_mean is None else mvn_mean,
                 np.ones(FEATURE_DIM) if mvn_std is None else mvn_std)
    ctc = state_dict["ctc.ctc_lo.weight"]
    if ctc.shape[0] != vocab.VOCAB_SIZE:
        raise ValueError(f"ctc.ctc_lo has {ctc.shape[0]} rows; SenseVoice needs {vocab.VOCAB_SIZE}")
    # A plain state_dict of contiguous fp32 tensors, as in the published model.pt.
    torch.save({k: v.detach().contiguous().clone() for k, v in state_dict.items()}, out / "model.pt")
    return out


def build_random_model_dir(out: Path, enc: Mapping = TINY_ENCODER, seed: int = 0) -> Path:
    """A randomly initialised model directory (identity CMVN, tokenizer of our lexicon)."""
    import torch

    torch.manual_seed(seed)
    model = build_model(encoder_conf(**enc))
    tokenizer = vocab.build_tokenizer(lexicon.all_text_samples())
    return write_model_dir(out, encoder_conf(**enc), model.state_dict(), tokenizer)


def bench_model_dir(cache: Path = BENCH_CACHE) -> Path:
    """The full-size random model for benchmarks, built once into ``~/.cache/dictate/bench-model``."""
    marker = cache / ".complete"
    if not marker.exists():
        build_random_model_dir(cache, FULL_ENCODER)
        marker.write_text("full-size random SenseVoiceSmall, tools.minisv.modeldir\n", encoding="utf-8")
    return cache


def check_loads(model_dir: Path, seconds: float = 2.0) -> str:
    """Load through ``funasr.AutoModel`` (asserting every key matched) and run ``generate()`` once.

    Returns the generated text. Raises AssertionError when a checkpoint key is missing, unused,
    or of the wrong shape, which ``AutoModel`` itself only logs.
    """
    import torch
    # The submodule, not the package: the app may have imported funasr without its __init__
    # (dictate_app.engine.funasr_import), and then the package has no AutoModel attribute.
    from funasr.auto.auto_model import AutoModel
    import funasr.models.specaug.specaug  # noqa: F401  registers SpecAugLFR, named in config.yaml

    model = AutoModel(model=str(model_dir), device="cpu", disable_update=True, disable_pbar=True,
                      ncpu=torch.get_num_threads())
    saved = torch.load(Path(model_dir) / "model.pt", map_location="cpu", weights_only=True)
    own = model.model.state_dict()
    assert set(saved) == set(own), f"key mismatch: {sorted(set(saved) ^ set(own))[:5]}"
    for key, tensor in own.items():
        assert tensor.shape == saved[key].shape, f"{key}: {tuple(tensor.shape)} vs {tuple(saved[key].shape)}"
        assert torch.equal(tensor, saved[key]), f"{key} was not loaded from model.pt"
    samples = (0.1 * np.sin(np.arange(int(16000 * seconds)) * 0.05)).astype(np.float32)
    return model.generate(input=samples, language="auto", use_itn=True)[0]["text"]


def main(argv: list[str] | None = None) -> int:
    """CLI entry: write a tiny or full random model directory, optionally check that it loads."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", choices=("tiny", "full", "bench"),
                        help="tiny: 2 blocks of 32; full: 512 x (50 + 20); bench: full, cached")
    parser.add_argument("out", nargs="?", type=Path, help="output directory (not for bench)")
    parser.add_argument("--check", action="store_true", help="load with funasr and generate once")
    args = parser.parse_args(argv)
    if args.size == "bench":
        out = bench_model_dir()
    elif args.out is None:
        parser.error("give an output directory")
    else:
        out = build_random_model_dir(args.out, TINY_ENCODER if args.size == "tiny" else FULL_ENCODER)
    print(out)
    if args.check:
        print(check_loads(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
