"""The engine interface every backend implements (ONNX through sherpa-onnx, funasr, fakes in tests),
and what the backends share: the language check and the split of long audio at pauses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

from dictate_app.engine.result import Transcript

if TYPE_CHECKING:
    from dictate_app.audio.vad_spans import Span

# Longer passes are split at pauses by the VAD (SenseVoice's demo caps segments at 30 s).
MAX_PASS_S = 30.0

# SenseVoiceSmall's languages; "auto" lets the model decide. Anything else is rejected by us,
# because funasr silently treats an unknown language as "auto".
LANGUAGE_CHOICES = ("auto", "zh", "en", "yue", "ja", "ko")


def check_language(language: str) -> str:
    """Return ``language`` if SenseVoice knows it, else raise :class:`BadAudioError`."""
    if language not in LANGUAGE_CHOICES:
        from dictate_app.errors import BadAudioError

        raise BadAudioError(f"language {language!r} is not one of {', '.join(LANGUAGE_CHOICES)}")
    return language


def long_audio_windows(audio: np.ndarray) -> list[Span]:
    """Windows of 16 kHz ``audio`` of at most ``MAX_PASS_S`` each, cut at pauses (both backends'
    split of long audio; the process's one Silero VAD, loaded on first use)."""
    from dictate_app.audio.speech import shared_vad

    return shared_vad().model_windows(audio, MAX_PASS_S)


class Engine(Protocol):
    """A loaded speech model, ready to transcribe.

    ``transcribe`` accepts any sample rate, mono or multi-channel, int or float samples; it raises
    :class:`dictate_app.errors.BadAudioError` for input it cannot use. It is not required to be
    thread-safe: call it from one worker thread. A backend may also offer
    ``transcribe_batch(items, language, itn) -> list[Transcript]`` (one padded pass over several
    ``(samples, sample_rate)`` clips); use :func:`transcribe_many`, which falls back to a loop.
    """

    backend: str  # "funasr", "onnx", ...
    device: str  # "cpu" or "cuda"

    def transcribe(
        self, samples: np.ndarray, sample_rate: int, language: str = "auto", itn: bool = True
    ) -> Transcript: ...


def transcribe_many(
    engine: Engine, items: Sequence[tuple[np.ndarray, int]], language: str = "auto", itn: bool = True
) -> list[Transcript]:
    """Transcribe several clips: one padded pass when the backend offers ``transcribe_batch``
    (funasr does), else one ``transcribe`` call each. Same language and itn for every clip."""
    batch = getattr(engine, "transcribe_batch", None)
    if batch is not None and len(items) > 1:
        return list(batch(items, language=language, itn=itn))
    return [engine.transcribe(samples, rate, language=language, itn=itn) for samples, rate in items]
