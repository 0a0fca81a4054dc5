"""The ASR worker: loads the model and transcribes, on its own QThread.

Each slot does one bounded job and reports with a signal, so the thread's event loop stays free
between jobs (no ``while running`` loop). Slots are invoked through queued signals from the
coordinator, so jobs run one at a time in the order they were asked for. funasr and torch are
imported inside the loader, never on the GUI thread (their import alone takes seconds): on this
thread, or on the tray app's early load (``engine.loader.BackgroundLoad``) that the first load takes.

This thread is the only one that calls the engine (engines are not thread-safe). Incremental
transcription (segments transcribed while the key is held) runs here too: the worker is the
:class:`~dictate_app.engine.incremental.IncrementalTranscriber`'s executor (:meth:`AsrWorker.submit`
queues a pass onto this thread, cancellable until it starts), and :meth:`AsrWorker.finish` joins a
recording's passes here. Qt delivers queued calls in the order they were posted, so by the time
``finish`` runs every segment of that recording (posted before its audio was complete) has run.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from dictate_app.engine.base import Engine
from dictate_app.errors import DictateError
from dictate_app.store.settings import DEFAULTS

log = logging.getLogger(__name__)

LoadEngine = Callable[[str, str], Engine]
# Speech trimming: 16 kHz mono float32 in, the speech part out, or None when there is no speech.
TrimSpeech = Callable[[np.ndarray], "np.ndarray | None"]
MODEL_RATE = 16_000


def _default_load(model_dir: str, device: str) -> Engine:
    from dictate_app.engine.loader import load_engine

    return load_engine(model_dir, device=device)


def _default_trim(samples: np.ndarray):
    from dictate_app.audio.speech import trim_to_speech

    return trim_to_speech(samples)


def user_message(exc: BaseException, doing: str) -> str:
    """One sentence for the user: a DictateError speaks for itself, anything else is named."""
    if isinstance(exc, DictateError):
        return str(exc)
    return f"{doing} failed unexpectedly ({type(exc).__name__}: {exc}); run with --debug and report it."


class AsrWorker(QObject):
    """Lives on a QThread; see :func:`start_worker`.

    ``loaded(description)`` / ``load_failed(message)`` after :meth:`load`;
    ``transcribed(uid, transcript_or_None, timings)`` (None: no speech, the model was not run) /
    ``failed(uid, message)`` after :meth:`transcribe`.
    """

    loaded = Signal(str)
    load_failed = Signal(str)
    transcribed = Signal(int, object, object)
    failed = Signal(int, str)
    # submit() -> _run_job on this object's thread: queued from other threads, direct from its own.
    _job = Signal(object)

    def __init__(self, load: LoadEngine = _default_load, trim: TrimSpeech = _default_trim, settings=DEFAULTS):
        super().__init__()
        self._load = load
        self._trim = trim
        self.engine: Engine | None = None
        # The live settings (app/settings_store.py), read here on this thread: their frozen
        # dataclass is replaced whole on the GUI thread, so a read sees the old or the new one.
        self._settings = settings
        self._job.connect(self._run_job)

    @property
    def itn(self) -> bool:
        """The "itn" setting (numbers as digits, punctuation), read once per utterance."""
        return self._settings.itn

    # ---- an executor on this thread (for IncrementalTranscriber) ----

    def submit(self, fn: Callable, *args) -> Future:
        """Run ``fn(*args)`` on the worker thread after the jobs already queued; a Future of it.

        Called on the worker thread itself it runs at once (the connection is direct then), which
        is what :meth:`finish` needs for the tail's pass. ``Future.cancel()`` works until it starts.
        """
        future: Future = Future()
        self._job.emit((future, fn, args))
        return future

    @Slot(object)
    def _run_job(self, job) -> None:
        future, fn, args = job
        if not future.set_running_or_notify_cancel():
            return  # cancelled while queued: a stale speculative pass, or a dropped recording
        try:
            result = fn(*args)
        except BaseException as exc:  # the Future carries it to whoever joins the pieces
            future.set_exception(exc)
        else:
            future.set_result(result)

    @Slot(str, str)
    def load(self, model_dir: str, device: str) -> None:
        """Load the model while Silero VAD loads and warms beside it, then report.

        The engine warms itself as it loads (``OnnxEngine.load``, ``FunasrEngine.load``: one short
        pass, so the first utterance is not the slow one); a second pass here cost 0.05-0.13 s of
        start-up for nothing. Silero (about 0.1 s when the recorder has not loaded it yet) runs on
        its own thread during the model's load instead of after it.
        """
        started = time.monotonic()
        vad = threading.Thread(target=self._warm_trim, name="vad-warm-up")
        vad.start()
        try:
            engine = self._load(model_dir, device)
        except Exception as exc:
            vad.join()
            log.debug("model load failed", exc_info=True)
            self.load_failed.emit(user_message(exc, "Loading the model"))
            return
        vad.join()
        self.engine = engine
        log.info("model loaded and warm in %.2f s", time.monotonic() - started)
        self.loaded.emit(f"{engine.backend} on {engine.device}")

    def _warm_trim(self) -> None:
        try:
            self._trim(np.zeros(MODEL_RATE // 2, dtype=np.float32))
        except Exception:  # warming is an optimisation; a real utterance will report real errors
            log.warning("voice detector warm-up failed", exc_info=True)

    @Slot(int, object, str)
    def transcribe(self, uid: int, samples: np.ndarray, language: str) -> None:
        """Trim to speech, then transcribe; no speech -> ``transcribed(uid, None, ...)``."""
        timings: dict[str, float] = {}
        started = time.monotonic()
        try:
            if self.engine is None:
                raise DictateError("The speech model is not loaded yet.")
            speech = self._trim(samples)
            timings["vad_ms"] = (time.monotonic() - started) * 1000
            if speech is None or len(speech) == 0:
                self.transcribed.emit(uid, None, timings)
                return
            started = time.monotonic()
            result = self.engine.transcribe(speech, MODEL_RATE, language=language, itn=self.itn)
            timings["asr_ms"] = (time.monotonic() - started) * 1000
        except Exception as exc:
            log.debug("transcription %d failed", uid, exc_info=True)
            self.failed.emit(uid, user_message(exc, "Transcription"))
            return
        self.transcribed.emit(uid, result, timings)

    @Slot(int, object, object)
    def finish(self, uid: int, session, recording) -> None:
        """Finish an incremental recording: the tail's pass (if any) here, then join the passes.

        ``session`` is the recording's :class:`IncrementalTranscriber` (with this worker as its
        executor). No speech anywhere (no segment, a silent tail) -> ``transcribed(uid, None, ...)``
        without a model call, as :meth:`transcribe` does.
        """
        started = time.monotonic()
        try:
            if self.engine is None:
                raise DictateError("The speech model is not loaded yet.")
            if session.pending:
                # Cannot happen while jobs run in posting order; waiting here would deadlock.
                raise RuntimeError("a segment of this recording was still queued at its finish")
            result = session.finish_recording(recording)
        except Exception as exc:
            log.debug("transcription %d failed", uid, exc_info=True)
            self.failed.emit(uid, user_message(exc, "Transcription"))
            return
        timings = {"asr_ms": (time.monotonic() - started) * 1000}  # at release: the tail's share
        log.debug("utterance %d: %d model passes joined", uid, session.pieces)
        self.transcribed.emit(uid, result if session.pieces else None, timings)


def start_worker(worker: AsrWorker) -> QThread:
    """Move ``worker`` to a new running QThread and return the thread."""
    thread = QThread()
    thread.setObjectName("asr-worker")
    worker.moveToThread(thread)
    thread.start()
    return thread


def stop_worker(thread: QThread, timeout_ms: int = 10_000) -> bool:
    """Ask the thread to finish after its current job; False if it did not within the timeout."""
    thread.quit()
    return thread.wait(timeout_ms)
