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


# Silero's 16 kHz model takes exactly 512 samples (32 ms) per call.
STREAM_WINDOW = 512


class SpeechStream:
    """Streaming Silero VAD: feed 16 kHz audio in pieces, get each speech segment once it closes.

    A segment opens when the speech probability reaches ``threshold`` and closes after
    ``min_silence_ms`` below ``threshold - 0.15`` (Silero's own hysteresis). Segments shorter than
    ``min_speech_ms`` (clicks, a cough) are dropped. Each segment keeps ``pad_ms`` of audio on both
    sides. The model is stateful, so a stream owns a private model: use one stream per thread.
    """

    def __init__(self, *, threshold: float = 0.5, min_silence_ms: int = 500, pad_ms: int = 100,
                 min_speech_ms: int = 250) -> None:
        self._vad = SileroVad(threshold)
        self.threshold = threshold
        self.min_silence_windows = max(1, round(min_silence_ms * MODEL_RATE / 1000 / STREAM_WINDOW))
        self.pad_windows = round(pad_ms * MODEL_RATE / 1000 / STREAM_WINDOW)
        self.min_speech_windows = max(1, round(min_speech_ms * MODEL_RATE / 1000 / STREAM_WINDOW))
        # Silence windows after which the segment's audio is complete (its trailing pad is in).
        self._pause_windows = max(1, self.pad_windows)
        self.reset()

    @property
    def in_speech(self) -> bool:
        """True while a segment is open."""
        return self._start is not None

    @property
    def loaded(self) -> bool:
        """True once the model is in memory (see :meth:`preload`)."""
        return self._vad._model is not None

    def preload(self) -> threading.Thread:
        """Load the model on a background thread (torch's import takes seconds the first time)."""
        def load() -> None:
            try:
                with self._vad._lock:
                    self._vad._load()
            except Exception:  # segments never come then; capture itself is unaffected
                import logging

                logging.getLogger(__name__).exception("Silero VAD could not be loaded")

        thread = threading.Thread(target=load, name="silero-load", daemon=True)
        thread.start()
        return thread

    def feed(self, samples: np.ndarray, *, defer_until_loaded: bool = False) -> list[np.ndarray]:
        """Analyse more 16 kHz mono float32 audio; return the segments that closed in it.

        With ``defer_until_loaded`` the audio is only queued while the model is still loading, so
        a real-time caller never waits; it is analysed by the first call after the load.
        """
        import torch

        self._pending = np.concatenate([self._pending, np.asarray(samples, dtype=np.float32)])
        if defer_until_loaded and not self.loaded:
            return []
        with self._vad._lock:
            model = self._vad._load()
        closed: list[np.ndarray] = []
        while self._pending.size >= STREAM_WINDOW:
            window = self._pending[:STREAM_WINDOW]
            self._pending = self._pending[STREAM_WINDOW:]
            with torch.no_grad():
                prob = float(model(torch.from_numpy(np.ascontiguousarray(window)), MODEL_RATE).item())
            # Windows, not one growing array: appending to an array copies it each time.
            self._windows.append(window)
            if self._start is None:
                if prob >= self.threshold:
                    self._start = len(self._windows) - 1
                    self._speech_end, self._silence = len(self._windows), 0
                else:  # keep only the pad before a possible start
                    drop = max(0, len(self._windows) - self.pad_windows)
                    del self._windows[:drop]
                    self._base += drop * STREAM_WINDOW
                continue
            if prob >= self.threshold:
                self._speech_end, self._silence = len(self._windows), 0
            elif prob < self.threshold - 0.15:
                self._silence += 1
                if self._silence == self._pause_windows and self._speech_end - self._start >= self.min_speech_windows:
                    # The pause has begun: this is the segment exactly as it will close if the
                    # pause lasts, handed out now so it can be transcribed while we wait.
                    self._provisional.append(self._segment_audio())
                if self._silence >= self.min_silence_windows:
                    segment = self._close()
                    if segment is not None:
                        closed.append(segment)
        return closed

    def _segment_audio(self) -> np.ndarray:
        """The open segment with its pads: from the pad before its start to the pad after its speech."""
        assert self._start is not None
        first = max(0, self._start - self.pad_windows)
        return np.concatenate(self._windows[first:min(self._speech_end + self.pad_windows, len(self._windows))])

    def provisional(self) -> list[np.ndarray]:
        """Segments whose pause has begun (``pad_ms`` of it) but not yet lasted ``min_silence_ms``,
        oldest first, each once. If the pause lasts, :meth:`feed` later returns the same samples
        as a closed segment; if speech resumes, the segment grows and the provisional one is stale."""
        out, self._provisional = self._provisional, []
        return out

    @property
    def tail_end(self) -> int | None:
        """Where the open segment ends once its pause has begun (speech end plus pad), as a stream
        position; None while speech may still be going on (the tail then runs to the end)."""
        if self._start is not None and self._silence >= self._pause_windows:
            return self._base + (self._speech_end + self.pad_windows) * STREAM_WINDOW
        return None

    def _close(self) -> np.ndarray | None:
        assert self._start is not None
        speech_windows = self._speech_end - self._start
        end = min(self._speech_end + self.pad_windows, len(self._windows))
        segment = self._segment_audio()
        emitted = speech_windows >= self.min_speech_windows
        if emitted:
            self.emitted_until = self._base + end * STREAM_WINDOW
        keep_from = len(self._windows) - self.pad_windows if self.pad_windows else len(self._windows)
        self._windows = self._windows[keep_from:]
        self._base += keep_from * STREAM_WINDOW
        self._start, self._speech_end, self._silence = None, 0, 0
        return segment if emitted else None

    @property
    def tail_start(self) -> int:
        """Stream position (samples) from which audio not yet emitted may hold speech: the open
        segment's start with its pad, else the end of the last emitted segment."""
        if self._start is not None:
            return self._base + max(0, self._start - self.pad_windows) * STREAM_WINDOW
        return self.emitted_until

    @property
    def speech_pending(self) -> bool:
        """True when audio after :attr:`tail_start` may hold speech not yet emitted: a segment
        is open, or audio still waits for analysis (the model is loading). Incremental
        transcription uses it to skip a model pass over a silent tail at key release."""
        return self._start is not None or self._pending.size >= STREAM_WINDOW

    def reset(self) -> None:
        """Forget all audio and the model's state (a new recording)."""
        if self._vad._model is not None:
            self._vad._model.reset_states()
        self._pending = np.zeros(0, np.float32)
        self._windows: list[np.ndarray] = []
        self._start: int | None = None  # index in _windows of the open segment's first speech window
        self._speech_end = 0  # index after its last speech window
        self._silence = 0  # windows since the probability fell below the low threshold
        self._base = 0  # stream position (samples) of _windows[0]
        self._provisional: list[np.ndarray] = []
        # Stream position where the last emitted segment ends: the audio after it is unemitted.
        self.emitted_until = 0
