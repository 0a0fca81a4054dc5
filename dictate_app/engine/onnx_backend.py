"""SenseVoiceSmall as ONNX on sherpa-onnx: the fast CPU backend, with no torch at run time.

sherpa-onnx computes the features (fbank, LFR, CMVN from the model's metadata) in C++, runs the
int8 (or fp32) graph on its bundled onnxruntime and splits language, emotion and event out of
the first output tokens. We rebuild SenseVoice's tagged string from those fields and hand it to
:func:`dictate_app.engine.tags.parse_tagged`, so tags are parsed by the same code as funasr's.

Two sherpa-onnx properties shape this class:
- language and itn are fixed when a recognizer is created, so a call with other settings builds
  a new recognizer (about a second for int8) and keeps it: settings change rarely.
- sherpa-onnx drops the fourth (itn) token and returns text from the fifth on, so the itn tag in
  ``raw`` is the one that was requested, which is what the model emits for it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from dictate_app.audio.convert import MODEL_RATE, to_model_input
from dictate_app.engine.base import MAX_PASS_S, check_language, long_audio_windows
from dictate_app.engine.heap import lean_load
from dictate_app.engine.onnxdir import EXPORT_HINT, OnnxModel, find_onnx_model, validate_onnx_model
from dictate_app.engine.result import Timings, Transcript
from dictate_app.engine.tags import parse_tagged
from dictate_app.errors import ModelError

log = logging.getLogger(__name__)


def _itn_tag(itn: bool) -> str:
    return "<|withitn|>" if itn else "<|woitn|>"


def tagged_raw(result, itn: bool) -> str:
    """SenseVoice's tagged string from a sherpa-onnx result (``lang``/``emotion``/``event``/``text``)."""
    return f"{result.lang}{result.emotion}{result.event}{_itn_tag(itn)}{result.text}"


class OnnxEngine:
    """A loaded SenseVoice ONNX model on sherpa-onnx. Use :func:`load` to make one."""

    backend = "onnx"
    device = "cpu"

    def __init__(self, model: OnnxModel, threads: int) -> None:
        self.model = model
        self.precision = model.precision
        self.threads = threads
        self._settings: tuple[str, bool] | None = None
        self._recognizer = None
        # sherpa-onnx decodes are not documented as thread-safe; one at a time per engine.
        self._lock = threading.Lock()

    # ---- loading -----------------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        model_dir: str | Path,
        threads: int | None = None,
        precision: str = "int8",
        language: str = "auto",
        itn: bool = True,
    ) -> "OnnxEngine":
        """Find, validate and load the ONNX model in ``model_dir`` (or ``model_dir/onnx``), warmed up."""
        found = find_onnx_model(model_dir, precision)
        if found is None:
            raise ModelError(f"no {precision} ONNX model (model{'.int8' if precision == 'int8' else ''}.onnx "
                             f"and tokens.txt) in {model_dir}; {EXPORT_HINT}")
        validate_onnx_model(found)
        try:
            import sherpa_onnx  # noqa: F401
        except ImportError:
            raise ModelError(
                "the ONNX backend needs sherpa-onnx; install it with `pip install --no-deps -r requirements/app.txt`"
            ) from None
        engine = cls(found, threads or os.cpu_count() or 1)
        engine._recognizer_for(language, itn)
        engine.warm_up()
        return engine

    def _recognizer_for(self, language: str, itn: bool):
        if self._settings != (language, itn):
            import sherpa_onnx

            self._recognizer = None  # free the old one before loading the next
            with lean_load():  # 120 MB less after the load, and its peak (engine.heap)
                self._recognizer = sherpa_onnx.OfflineRecognizer.from_sense_voice(
                    model=str(self.model.model),
                    tokens=str(self.model.tokens),
                    num_threads=self.threads,
                    language=language,
                    use_itn=itn,
                )
            self._settings = (language, itn)
        return self._recognizer

    def warm_up(self) -> None:
        """One short pass so the user's first utterance does not pay for lazy initialisation."""
        language, itn = self._settings or ("auto", True)
        self._decode([np.zeros(MODEL_RATE // 2, dtype=np.float32)], language, itn)

    # ---- inference ---------------------------------------------------------------------------
    def transcribe(
        self, samples: np.ndarray, sample_rate: int, language: str = "auto", itn: bool = True
    ) -> Transcript:
        """Transcribe audio of any rate/channels/sample type; long audio is split at pauses."""
        return self.transcribe_batch([(samples, sample_rate)], language, itn)[0]

    def transcribe_batch(
        self, items: Sequence[tuple[np.ndarray, int]], language: str = "auto", itn: bool = True
    ) -> list[Transcript]:
        """Transcribe several ``(samples, sample_rate)`` clips in one batched pass, in order.

        Clips longer than ``MAX_PASS_S`` are cut at pauses first and their passes join the same
        batch. Each result gets its share of the pass time. Raises :class:`BadAudioError` if any
        clip is unusable, before the model runs.
        """
        check_language(language)
        started = time.perf_counter()
        audios = [to_model_input(samples, rate) for samples, rate in items]
        passes: list[list[np.ndarray]] = []
        for audio in audios:
            if audio.size / MODEL_RATE <= MAX_PASS_S:
                passes.append([audio])
            else:
                passes.append([audio[span.start:span.end] for span in long_audio_windows(audio)])
        flat = [piece for pieces in passes for piece in pieces]
        # One batch pads every pass to the longest one: fine for a few short clips (the server),
        # wasteful for a long clip's 30 s window next to its 3 s remainder (measured: 2x the
        # time). So clips that were split are decoded pass by pass.
        # Batches of indices into ``flat``: every unsplit clip together, then each split piece alone.
        batches: list[list[int]] = [[]]
        first = 0  # index in ``flat`` of this clip's first piece
        for pieces in passes:
            if len(pieces) == 1:
                batches[0].append(first)
            else:
                batches.extend([first + j] for j in range(len(pieces)))
            first += len(pieces)
        raws: list[str] = [""] * len(flat)
        model_ms = 0.0
        for batch in batches:
            decoded, ms = self._decode([flat[k] for k in batch], language, itn)
            model_ms += ms
            for k, raw in zip(batch, decoded):
                raws[k] = raw
        total_ms = (time.perf_counter() - started) * 1000
        results, index = [], 0
        for audio, pieces in zip(audios, passes):
            own = raws[index:index + len(pieces)]
            index += len(pieces)
            raw = "".join(own) if own else "<|nospeech|>"  # long audio with no speech at all
            share = len(pieces) / max(1, len(flat))
            results.append(parse_tagged(raw, audio.size / MODEL_RATE,
                                        Timings(0.0, model_ms * share, total_ms * share)))
        return results

    def _decode(self, pieces: list[np.ndarray], language: str, itn: bool) -> tuple[list[str], float]:
        """Tagged strings for 16 kHz float32 pieces, decoded as one batch; plus the model time (ms)."""
        if not pieces:
            return [], 0.0
        with self._lock:
            recognizer = self._recognizer_for(language, itn)
            streams = []
            for piece in pieces:
                stream = recognizer.create_stream()
                stream.accept_waveform(MODEL_RATE, np.ascontiguousarray(piece, dtype=np.float32))
                streams.append(stream)
            t0 = time.perf_counter()
            if len(streams) == 1:
                recognizer.decode_stream(streams[0])
            else:
                recognizer.decode_streams(streams)
            model_ms = (time.perf_counter() - t0) * 1000
        return [tagged_raw(stream.result, itn) for stream in streams], model_ms
