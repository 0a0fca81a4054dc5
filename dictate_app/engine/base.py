"""The engine interface every backend implements (funasr now; ONNX later; fakes in tests)."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from dictate_app.engine.result import Transcript

# SenseVoiceSmall's languages; "auto" lets the model decide. Anything else is rejected by us,
# because funasr silently treats an unknown language as "auto".
LANGUAGE_CHOICES = ("auto", "zh", "en", "yue", "ja", "ko")


class Engine(Protocol):
    """A loaded speech model, ready to transcribe.

    ``transcribe`` accepts any sample rate, mono or multi-channel, int or float samples; it raises
    :class:`dictate_app.errors.BadAudioError` for input it cannot use. It is not required to be
    thread-safe: call it from one worker thread.
    """

    backend: str  # "funasr", "onnx", ...
    device: str  # "cpu" or "cuda"

    def transcribe(
        self, samples: np.ndarray, sample_rate: int, language: str = "auto", itn: bool = True
    ) -> Transcript: ...
