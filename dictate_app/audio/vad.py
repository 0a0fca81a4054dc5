"""Voice activity detection with Silero VAD v6, run on onnxruntime (no torch): sherpa-onnx's own
library through its C API (:mod:`dictate_app.audio.silero_runtime`), else onnxruntime's Python package.

Used to split long audio into model-sized windows at pauses, to trim silence from recordings and
to notice recordings that hold no speech at all (so nothing is typed and the model is not run).
All functions take 16 kHz mono float32, the output of :func:`dictate_app.audio.convert.to_model_input`.

The model is ``dictate_app/data/vad/silero_vad.onnx`` (see the README there). Facts it relies on, read
from the ``silero-vad`` 6.2.3 package: at 16 kHz it scores 512-sample (32 ms) frames, each passed
with the last 64 samples of the previous frame in front (576 samples in all); a recurrent state of
shape (2, 1, 128) carries over from frame to frame; inputs ``input``, ``state``, ``sr``, outputs
the speech probability and the next state. Probabilities become spans by Silero's own rules
(:mod:`dictate_app.audio.vad_spans`), so this gives the same spans as the torch model
(``tests/audio/test_vad.py`` checks both against the package when it is installed).

CLI: ``python -m dictate_app.audio.vad FILE`` prints the speech spans of an audio file.
"""

from __future__ import annotations

import logging
import sys
import threading
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from dictate_app.audio import silero_runtime
from dictate_app.audio.convert import MODEL_RATE
from dictate_app.audio.vad_spans import FRAME, Span, spans_from_probabilities
from dictate_app.errors import DictateError, VadError
from dictate_app.resources import resource_dir

# SenseVoice's demo caps a pass at 30 s; longer passes cost more than they gain.
MAX_WINDOW_S = 30.0

MODEL_FILE = "silero_vad.onnx"
# Silero's 16 kHz model takes exactly 512 samples (32 ms) per call...
STREAM_WINDOW = FRAME
# ...plus the last 64 samples of the frame before (v5 and later; zeros before the first frame).
CONTEXT = 64


def model_path() -> Path:
    """The Silero VAD ONNX file: ``dictate_app/data/vad`` (package data in every install, and in
    the bundle), else the copy inside an installed ``silero-vad`` package (a damaged install). The
    package is located, not imported: its ``__init__`` imports torch."""
    shipped = resource_dir("vad") / MODEL_FILE
    if shipped.is_file():
        return shipped
    spec = find_spec("silero_vad")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder) / "data" / MODEL_FILE
        if candidate.is_file():
            return candidate
    raise VadError(f"The voice detector's model ({shipped}) is missing; reinstall Dictate.")


_session = None
_session_lock = threading.Lock()


def load_session():
    """The process's one Silero VAD session, created on first call (thread-safe).

    Preferably on the onnxruntime library that sherpa-onnx ships (:mod:`.silero_runtime`, through
    its C API): the speech model needs that library anyway, so the VAD costs no second runtime.
    Where it is not found, onnxruntime's Python package (as in the full flavour). Either way the
    session has ``run(None, {"input", "state", "sr"}) -> [prob, state]``.

    One intra-op thread: the VAD runs inside the audio path, and more threads would take cores
    from the speech model for a 0.1 ms job (benchmarks/vad.py). A session is stateless (the
    recurrent state is passed in and out), so every stream and every thread shares it.
    """
    global _session
    with _session_lock:
        if _session is None:
            model = model_path()
            _session = silero_runtime.open_session(model, threads=1) or _python_session(model)
            logging.getLogger(__name__).info("Silero VAD runs on %s", session_backend(_session))
        return _session


def _python_session(model: Path):
    """Silero VAD on onnxruntime's Python package: the fallback where sherpa-onnx's library is not found."""
    try:
        import onnxruntime
    except ImportError:
        raise VadError("Neither sherpa-onnx's onnxruntime library nor onnxruntime's Python package was found, "
                       "and Dictate needs one to find speech; install requirements/cpu.txt.") from None
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # its load-time notices are not the user's business
    return onnxruntime.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])


def session_backend(session) -> str:
    """Which runtime a session from :func:`load_session` runs on (for logs and tests)."""
    if isinstance(session, silero_runtime.CApiSession):
        return session.backend
    return f"onnxruntime {sys.modules['onnxruntime'].__version__} (Python package)"


def session_loaded() -> bool:
    """True once :func:`load_session` has run."""
    return _session is not None


class FrameScorer:
    """Speech probability of consecutive 512-sample frames: the model's state and context for one
    audio stream. Not thread-safe (one per stream); the session under it is shared."""

    _RATE = np.array(MODEL_RATE, dtype=np.int64)

    def __init__(self, session=None) -> None:
        self._session = session if session is not None else load_session()
        self.reset()

    def reset(self) -> None:
        """Start a new stream: zero state, zero context."""
        self._state = np.zeros((2, 1, 128), np.float32)
        self._context = np.zeros((1, CONTEXT), np.float32)

    def __call__(self, frame: np.ndarray) -> float:
        """The probability that ``frame`` (exactly 512 samples) holds speech."""
        x = np.concatenate([self._context, np.asarray(frame, np.float32).reshape(1, STREAM_WINDOW)], axis=1)
        prob, self._state = self._session.run(None, {"input": x, "state": self._state, "sr": self._RATE})
        self._context = x[:, -CONTEXT:]
        return float(prob[0, 0])


def speech_probabilities(samples: np.ndarray, scorer: FrameScorer | None = None) -> np.ndarray:
    """One probability per 512-sample frame of ``samples`` (the last frame zero-padded), from a
    fresh state."""
    scorer = scorer or FrameScorer()
    scorer.reset()
    audio = np.asarray(samples, np.float32).reshape(-1)
    whole = audio.size // STREAM_WINDOW
    # Whole frames are views of the audio (a padded copy of an hour would be another 230 MB).
    probabilities = [scorer(frame) for frame in audio[:whole * STREAM_WINDOW].reshape(whole, STREAM_WINDOW)]
    if audio.size % STREAM_WINDOW:
        last = np.zeros(STREAM_WINDOW, np.float32)
        last[:audio.size % STREAM_WINDOW] = audio[whole * STREAM_WINDOW:]
        probabilities.append(scorer(last))
    return np.array(probabilities, np.float64)


class SileroVad:
    """Silero VAD over whole clips, loaded on first use. One instance is safe to share between
    threads (each call scores with its own state)."""

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold

    @property
    def loaded(self) -> bool:
        """True once the model is in memory."""
        return session_loaded()

    def speech_spans(
        self,
        samples: np.ndarray,
        *,
        min_silence_ms: int = 100,
        pad_ms: int = 30,
        min_speech_ms: int = 250,
        max_speech_s: float = float("inf"),
    ) -> list[Span]:
        """Where the speech is, as sample spans (see :func:`spans_from_probabilities`)."""
        audio = np.asarray(samples, np.float32).reshape(-1)
        return spans_from_probabilities(
            speech_probabilities(audio), audio.size, threshold=self.threshold,
            min_silence_ms=min_silence_ms, pad_ms=pad_ms, min_speech_ms=min_speech_ms,
            max_speech_s=max_speech_s)

    def model_windows(self, samples: np.ndarray, max_window_s: float = MAX_WINDOW_S) -> list[Span]:
        """Cover the speech with windows of at most ``max_window_s``, cut at pauses.

        Consecutive speech spans are grouped while the group fits, so the model keeps the context
        of short pauses; a single span longer than the limit is cut at its longest pause. Audio
        with no speech gives no windows.
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


class SpeechStream:
    """Streaming Silero VAD: feed 16 kHz audio in pieces, get each speech segment once it closes.

    A segment opens when the speech probability reaches ``threshold`` and closes after
    ``min_silence_ms`` below ``threshold - 0.15`` (Silero's own hysteresis). Segments shorter than
    ``min_speech_ms`` (clicks, a cough) are dropped. Its speech ends where its pause begins: at the
    first window below ``threshold - 0.15`` after its last speech window, as in Silero's own spans
    (windows in between, where Silero is unsure, may hold a soft trailing consonant and are kept).
    Each segment keeps ``pad_ms`` of audio (in whole windows) after that, and the same before its
    first speech window, or ``lead_in_ms`` (rounded up to whole windows) when that is given: Silero
    fires late on a soft onset, so a segment needs more audio before its first speech window than
    after its end (see :data:`dictate_app.audio.speech.LEAD_IN_S` and ``LIVE_TRAIL_MS``). The
    lead-in never reaches back into the segment before. A stream owns the model's state (the
    session is shared): use one stream per thread.
    """

    def __init__(self, *, threshold: float = 0.5, min_silence_ms: int = 500, pad_ms: int = 100,
                 min_speech_ms: int = 250, lead_in_ms: int | None = None) -> None:
        self.threshold = threshold
        self._scorer: FrameScorer | None = None  # created with the session (see preload)
        self.min_silence_windows = max(1, round(min_silence_ms * MODEL_RATE / 1000 / STREAM_WINDOW))
        self.pad_windows = round(pad_ms * MODEL_RATE / 1000 / STREAM_WINDOW)
        # Windows kept before the first speech window: at least lead_in_ms (ceil), else the pad.
        self.lead_in_windows = self.pad_windows if lead_in_ms is None else \
            -(-lead_in_ms * MODEL_RATE // (1000 * STREAM_WINDOW))
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
        return session_loaded()

    def preload(self) -> threading.Thread:
        """Load the model on a background thread (finding the runtime and creating the session
        take about 0.18 s the first time: benchmarks/results/vad-2026-12-06-silero.json)."""
        def load() -> None:
            try:
                load_session()
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
        self._pending = np.concatenate([self._pending, np.asarray(samples, dtype=np.float32)])
        if defer_until_loaded and not self.loaded:
            return []
        if self._scorer is None:
            self._scorer = FrameScorer()
        closed: list[np.ndarray] = []
        while self._pending.size >= STREAM_WINDOW:
            window = self._pending[:STREAM_WINDOW]
            self._pending = self._pending[STREAM_WINDOW:]
            prob = self._scorer(window)
            # Windows, not one growing array: appending to an array copies it each time.
            self._windows.append(window)
            if self._start is None:
                if prob >= self.threshold:
                    self._start = len(self._windows) - 1
                    self._speech_end, self._silence = len(self._windows), 0
                else:  # keep only the lead-in before a possible start
                    drop = max(0, len(self._windows) - self.lead_in_windows)
                    del self._windows[:drop]
                    self._base += drop * STREAM_WINDOW
                continue
            if prob >= self.threshold:
                self._speech_end, self._silence, self._quiet_from = len(self._windows), 0, None
            elif prob < self.threshold - 0.15:
                if self._quiet_from is None:  # the pause begins with this window
                    self._quiet_from = len(self._windows) - 1
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

    def _end(self) -> int:
        """Index in ``_windows`` after the open segment's trailing pad, once its pause has begun."""
        assert self._quiet_from is not None
        return min(self._quiet_from + self.pad_windows, len(self._windows))

    def _segment_audio(self) -> np.ndarray:
        """The open segment with its pads: from the lead-in before its start to the pad after its speech."""
        assert self._start is not None
        first = max(0, self._start - self.lead_in_windows)
        return np.concatenate(self._windows[first:self._end()])

    def provisional(self) -> list[np.ndarray]:
        """Segments whose pause has begun (``pad_ms`` of it, at least one window) but not yet
        lasted ``min_silence_ms``, oldest first, each once. If the pause lasts, :meth:`feed` later
        returns the same samples as a closed segment; if speech resumes, the segment grows and the
        provisional one is stale."""
        out, self._provisional = self._provisional, []
        return out

    @property
    def tail_end(self) -> int | None:
        """Where the open segment ends once its pause has begun (pause start plus pad), as a stream
        position; None while speech may still be going on (the tail then runs to the end)."""
        if self._start is not None and self._silence >= self._pause_windows:
            return self._base + self._end() * STREAM_WINDOW
        return None

    @property
    def speech_end(self) -> int | None:
        """Stream position after the open segment's last speech window (probability at or above
        ``threshold``); None while no segment is open. (Measurements: ``benchmarks/vad_tail.py``.)"""
        return None if self._start is None else self._base + self._speech_end * STREAM_WINDOW

    def _close(self) -> np.ndarray | None:
        assert self._start is not None
        speech_windows = self._speech_end - self._start
        end = self._end()
        segment = self._segment_audio()
        emitted = speech_windows >= self.min_speech_windows
        if emitted:
            self.emitted_until = self._base + end * STREAM_WINDOW
        # The next segment's lead-in, but nothing this one handed out: segments never overlap.
        keep_from = max(end if emitted else 0, len(self._windows) - self.lead_in_windows)
        self._windows = self._windows[keep_from:]
        self._base += keep_from * STREAM_WINDOW
        self._start, self._speech_end, self._silence, self._quiet_from = None, 0, 0, None
        return segment if emitted else None

    @property
    def tail_start(self) -> int:
        """Stream position (samples) from which audio not yet emitted may hold speech: the open
        segment's start with its lead-in, else the end of the last emitted segment."""
        if self._start is not None:
            return self._base + max(0, self._start - self.lead_in_windows) * STREAM_WINDOW
        return self.emitted_until

    @property
    def settled_until(self) -> int:
        """Stream position before which no audio can belong to a future segment: :attr:`tail_start`
        while a segment is open, else the start of the pad kept before a possible next one (the
        silence before it is never emitted). A recorder with no time limit drops the audio before it."""
        if self._start is not None:
            return self.tail_start
        return self._base

    @property
    def speech_pending(self) -> bool:
        """True when audio after :attr:`tail_start` may hold speech not yet emitted: a segment
        is open, or audio still waits for analysis (the model is loading). Incremental
        transcription uses it to skip a model pass over a silent tail at key release."""
        return self._start is not None or self._pending.size >= STREAM_WINDOW

    def reset(self) -> None:
        """Forget all audio and the model's state (a new recording)."""
        if self._scorer is not None:
            self._scorer.reset()
        self._pending = np.zeros(0, np.float32)
        self._windows: list[np.ndarray] = []
        self._start: int | None = None  # index in _windows of the open segment's first speech window
        self._speech_end = 0  # index after its last speech window
        self._silence = 0  # windows since the probability fell below the low threshold
        self._quiet_from: int | None = None  # index in _windows of the first of them (the pause's start)
        self._base = 0  # stream position (samples) of _windows[0]
        self._provisional: list[np.ndarray] = []
        # Stream position where the last emitted segment ends: the audio after it is unemitted.
        self.emitted_until = 0


def main(argv: list[str] | None = None) -> int:
    """``python -m dictate_app.audio.vad FILE [--max-window S]``: print an audio file's speech
    spans (or, with ``--max-window``, the model windows) in seconds."""
    import argparse

    from dictate_app.audio.files import decode_file

    parser = argparse.ArgumentParser(prog="python -m dictate_app.audio.vad", description=main.__doc__)
    parser.add_argument("file")
    parser.add_argument("--max-window", type=float, default=None, help="group spans into model windows of at most S seconds")
    args = parser.parse_args(argv)
    try:
        audio = decode_file(args.file)
        vad = SileroVad()
        spans = vad.model_windows(audio, args.max_window) if args.max_window else vad.speech_spans(audio)
    except DictateError as exc:
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return exc.exit_code
    for span in spans:
        print(f"{span.start / MODEL_RATE:8.3f} {span.end / MODEL_RATE:8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
