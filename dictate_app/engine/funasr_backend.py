"""SenseVoiceSmall on funasr's own classes, loaded strictly and lean.

funasr's ``AutoModel`` builds a randomly initialised model, copies the checkpoint into it while
skipping any tensor whose shape does not match, and keeps about three copies of the weights while
loading (3 GB peak for the 0.94 GB checkpoint). We build the same registry classes (model, wav
frontend, SentencePiece tokenizer) from the validated directory instead: the model on the meta
device (no memory), the checkpoint memory-mapped with ``weights_only=True``, then a strict
``load_state_dict(assign=True)`` after checking every name and shape ourselves, so a wrong file is
a clear error and never a silently random model. Inference is funasr's ``SenseVoiceSmall.inference``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence

import numpy as np

from dictate_app.audio.convert import MODEL_RATE, to_model_input
from dictate_app.engine.base import MAX_PASS_S, check_language, long_audio_windows
from dictate_app.engine.modeldir import ModelConfig, validate_model_dir
from dictate_app.engine.result import Timings, Transcript
from dictate_app.engine.tags import parse_tagged
from dictate_app.errors import ModelError

log = logging.getLogger(__name__)

DEVICE_CHOICES = ("auto", "cpu", "cuda")


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when torch sees a GPU, else ``cpu``; ``cuda`` without a GPU -> ``cpu``."""
    import torch

    if device not in DEVICE_CHOICES:
        raise ModelError(f"device {device!r} is not one of {', '.join(DEVICE_CHOICES)}")
    if device == "cpu":
        return "cpu"
    if torch.cuda.is_available():
        return "cuda"
    if device == "cuda":
        log.warning("CUDA was requested but torch sees no GPU; using the CPU")
    return "cpu"


def _mismatches(expected: dict, loaded: dict) -> list[str]:
    problems = []
    for name in sorted(expected.keys() - loaded.keys())[:3]:
        problems.append(f"{name} is missing")
    for name in sorted(loaded.keys() - expected.keys())[:3]:
        problems.append(f"{name} is not part of this model")
    for name in sorted(expected.keys() & loaded.keys()):
        if tuple(expected[name].shape) != tuple(loaded[name].shape):
            problems.append(
                f"{name} has shape {list(loaded[name].shape)} but config.yaml needs {list(expected[name].shape)}"
            )
            if len(problems) >= 3:
                break
    return problems


class FunasrEngine:
    """A loaded SenseVoiceSmall on funasr. Use :func:`load` to make one."""

    backend = "funasr"

    def __init__(self, config: ModelConfig, model, frontend, tokenizer, device: str) -> None:
        self.config = config
        self.model = model
        self.frontend = frontend
        self.tokenizer = tokenizer
        self.device = device

    # ---- loading -----------------------------------------------------------------------------
    @classmethod
    def load(cls, model_dir, device: str = "auto", threads: int | None = None) -> "FunasrEngine":
        """Validate ``model_dir`` and load it; a CUDA failure falls back to the CPU."""
        config = validate_model_dir(model_dir)
        import torch

        from dictate_app.engine.funasr_import import quiet_stdout, sensevoice_tables

        # funasr would set 4 threads process-wide; use the machine's cores unless told otherwise.
        torch.set_num_threads(threads or os.cpu_count() or 1)
        tables = sensevoice_tables()
        with quiet_stdout():
            tokenizer = tables.tokenizer_classes.get(config.tokenizer)(**config.tokenizer_conf)
            frontend = tables.frontend_classes.get(config.frontend)(**config.frontend_conf)
            model = cls._build_model(config, tables, tokenizer, frontend)
        target = resolve_device(device)
        if target == "cuda":
            try:
                model.to("cuda")
            except Exception as exc:  # driver or memory trouble: a slower app beats a dead one
                log.warning("could not load the model on the GPU (%s); using the CPU", exc)
                model.to("cpu")
                target = "cpu"
        engine = cls(config, model, frontend, tokenizer, target)
        engine.warm_up()
        return engine

    @staticmethod
    def _build_model(config: ModelConfig, tables, tokenizer, frontend):
        import torch

        model_class = tables.model_classes.get(config.model)
        kwargs = dict(config.model_conf)
        kwargs.update(
            encoder=config.encoder,
            encoder_conf=config.encoder_conf,
            vocab_size=tokenizer.get_vocab_size(),
            input_size=frontend.output_size(),
        )
        with torch.device("meta"):
            model = model_class(**kwargs)
        expected = model.state_dict()
        try:
            state = torch.load(config.weights, map_location="cpu", mmap=True, weights_only=True)
        except Exception as exc:
            raise ModelError(
                f"the model in {config.path} is unusable: model.pt cannot be read "
                f"({str(exc).splitlines()[0][:160]}); download it again with `dictate-app model download`"
            ) from None
        if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
            state = state["state_dict"]
        problems = _mismatches(expected, state)
        if problems:
            raise ModelError(
                f"the model in {config.path} does not match its config.yaml: {'; '.join(problems)}; "
                "use the model.pt and config.yaml that were published together"
            )
        model.load_state_dict(state, strict=True, assign=True)
        # Buffers computed in __init__ and not saved in the checkpoint would still be on meta.
        leftover = [n for n, t in list(model.named_parameters()) + list(model.named_buffers()) if t.is_meta]
        if leftover:
            raise ModelError(f"the model in {config.path} left tensors unloaded: {', '.join(leftover[:3])}")
        model.eval()
        return model

    def warm_up(self) -> None:
        """One short pass so the user's first utterance does not pay for lazy initialisation."""
        self._infer(np.zeros(MODEL_RATE // 2, dtype=np.float32), "auto", True)

    # ---- inference ---------------------------------------------------------------------------
    def transcribe(
        self, samples: np.ndarray, sample_rate: int, language: str = "auto", itn: bool = True
    ) -> Transcript:
        """Transcribe audio of any rate/channels/sample type; long audio is split at pauses."""
        check_language(language)
        started = time.perf_counter()
        audio = to_model_input(samples, sample_rate)
        duration = audio.size / MODEL_RATE
        if duration <= MAX_PASS_S:
            pieces = [audio]
        else:
            pieces = [audio[span.start:span.end] for span in long_audio_windows(audio)]
        raws, feature_ms, model_ms = [], 0.0, 0.0
        for piece in pieces:
            raw, f_ms, m_ms = self._infer(piece, language, itn)
            raws.append(raw)
            feature_ms += f_ms
            model_ms += m_ms
        if not pieces:  # long audio in which the VAD found no speech at all
            raws.append("<|nospeech|>")
        total_ms = (time.perf_counter() - started) * 1000
        return parse_tagged("".join(raws), duration, Timings(feature_ms, model_ms, total_ms))

    def transcribe_batch(
        self, items: Sequence[tuple[np.ndarray, int]], language: str = "auto", itn: bool = True
    ) -> list[Transcript]:
        """Transcribe several clips with one padded model pass, all with the same language and itn.

        For the server's small dynamic batches: on a busy machine one pass over a few short clips
        costs less than a pass each. Clips longer than ``MAX_PASS_S`` are transcribed on their own
        (they need the VAD split). Each result's timings are those of the shared pass. Raises
        :class:`BadAudioError` if any clip is unusable, before the model runs.
        """
        check_language(language)
        started = time.perf_counter()
        audios = [to_model_input(samples, rate) for samples, rate in items]
        results: list[Transcript | None] = [None] * len(audios)
        short = [i for i, audio in enumerate(audios) if audio.size / MODEL_RATE <= MAX_PASS_S]
        for i, audio in enumerate(audios):
            if results[i] is None and i not in short:
                results[i] = self.transcribe(audio, MODEL_RATE, language, itn)
        if short:
            raws, feature_ms, model_ms = self._infer_batch([audios[i] for i in short], language, itn)
            timings = Timings(feature_ms, model_ms, (time.perf_counter() - started) * 1000)
            for i, raw in zip(short, raws):
                results[i] = parse_tagged(raw, audios[i].size / MODEL_RATE, timings)
        return results  # type: ignore[return-value]  # every slot was filled above

    def _infer(self, audio: np.ndarray, language: str, itn: bool) -> tuple[str, float, float]:
        """One pass of funasr's SenseVoice inference over one clip."""
        raws, feature_ms, model_ms = self._infer_batch([audio], language, itn)
        return raws[0], feature_ms, model_ms

    def _infer_batch(self, audios: list[np.ndarray], language: str, itn: bool) -> tuple[list[str], float, float]:
        """One (padded) pass over one or more clips; a CUDA failure retries on the CPU."""
        try:
            return self._infer_on_device(audios, language, itn)
        except RuntimeError as exc:
            if self.device != "cuda":
                raise
            log.warning("inference on the GPU failed (%s); moving the model to the CPU", exc)
            self.model.to("cpu")
            self.device = "cpu"
            return self._infer_on_device(audios, language, itn)

    def _infer_on_device(
        self, audios: list[np.ndarray], language: str, itn: bool
    ) -> tuple[list[str], float, float]:
        import torch
        from funasr.utils.load_utils import extract_fbank

        t0 = time.perf_counter()
        with torch.inference_mode():
            # A list is zero-padded to the longest clip; the encoder masks each clip's padding.
            speech, lengths = extract_fbank([torch.from_numpy(a) for a in audios], frontend=self.frontend)
            t1 = time.perf_counter()
            results, _ = self.model.inference(
                speech,
                lengths,
                key=[f"utt{i}" for i in range(len(audios))],
                tokenizer=self.tokenizer,
                frontend=self.frontend,
                data_type="fbank",
                device=self.device,
                language=language,
                use_itn=itn,
            )
        t2 = time.perf_counter()
        return [r["text"] for r in results], (t1 - t0) * 1000, (t2 - t1) * 1000
