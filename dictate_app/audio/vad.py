"""Voice activity detection with Silero VAD (its weights ship in the `silero-vad` wheel).

Used to split long audio into model-sized windows at pauses, to trim silence from recordings and
to notice recordings that hold no speech at all (so nothing is typed and the model is not run).
All functions take 16 kHz mono float32, the output of :func:`dictate_app.audio.convert.to_model_input`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from dictate_app.audio.convert import MODEL_RATE

# SenseVoice's demo caps a pass at 30 s; longer passes cost more than they gain.
MAX_WINDOW_S = 30.0


@dataclass(frozen=True)
class Span:
    """A stretch of speech, in samples at 16 kHz (end exclusive)."""

    start: int
    end: int

    @property
    def duration_s(self) -> float:
        return (self.end - self.start) / MODEL_RATE


class SileroVad:
    """Silero VAD, loaded on first use. One instance is safe to share between threads."""

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        if self._model is None:
            import torch

            # Importing silero_vad calls torch.set_num_threads(1) for the whole process, which
            # would slow the speech model down; put the count back.
            threads = torch.get_num_threads()
            import silero_vad

            torch.set_num_threads(threads)
            self._model = silero_vad.load_silero_vad()
        return self._model

    def speech_spans(
        self,
        samples: np.ndarray,
        *,
        min_silence_ms: int = 100,
        pad_ms: int = 30,
        min_speech_ms: int = 250,
        max_speech_s: float = float("inf"),
    ) -> list[Span]:
        """Where the speech is, as sample spans."""
        import torch

        with self._lock:
            model = self._load()
            from silero_vad import get_speech_timestamps  # after _load: see the thread note there

            stamps = get_speech_timestamps(
                torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32)),
                model,
                threshold=self.threshold,
                sampling_rate=MODEL_RATE,
                min_speech_duration_ms=min_speech_ms,
                min_silence_duration_ms=min_silence_ms,
                speech_pad_ms=pad_ms,
                max_speech_duration_s=max_speech_s,
            )
        return [Span(int(s["start"]), int(s["end"])) for s in stamps]

    def model_windows(self, samples: np.ndarray, max_window_s: float = MAX_WINDOW_S) -> list[Span]:
        """Cover the speech with windows of at most ``max_window_s``, cut at pauses.

        Consecutive speech spans are grouped while the group fits, so the model keeps the context
        of short pauses; a single span longer than the limit is cut by Silero at its quietest
        point. Audio with no speech gives no windows.
        """
        limit = int(max_window_s * MODEL_RATE)
        spans = self.speech_spans(samples, max_speech_s=max_window_s - 1.0)
        windows: list[Span] = []
        for span in spans:
            if windows and span.end - windows[-1].start <= limit:
                windows[-1] = Span(windows[-1].start, span.end)
            else:
                windows.append(span)
        return windows
