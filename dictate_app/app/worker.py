"""The ASR worker: loads the model and transcribes, on its own QThread.

Each slot does one bounded job and reports with a signal, so the thread's event loop stays free
between jobs (no ``while running`` loop). Slots are invoked through queued signals from the
coordinator, so jobs run one at a time in the order they were asked for. funasr and torch are
imported inside the loader, never on the GUI thread (their import alone takes seconds): on this
thread, or on the tray app's early load (``engine.loader.BackgroundLoad``) that the first load takes.

This thread is the only one that calls the engine (engines are not thread-safe), and the only
one that reads :attr:`AsrWorker.engine`. Incremental transcription (segments transcribed while the
key is held) runs here too, and the worker owns those sessions, one
:class:`~dictate_app.engine.incremental.IncrementalTranscriber` per take, by utterance number:

- :meth:`AsrWorker.begin` (GUI thread, at key-down) registers the take; the session is built here
  from the engine this thread holds, with the language and itn of the press.
- :meth:`AsrWorker.segment` / :meth:`AsrWorker.provisional` (the recorder's thread) queue the live
  VAD's segments here, in order; each one's pass runs when its turn comes (the worker is the
  session's executor, so the pass runs inline on this thread). A provisional segment that newer
  audio of the same take has overtaken while queued is skipped unrun: it is stale, or its closed
  segment (queued behind it) makes the same pass, as a queued speculative pass cancelled in time.
- :meth:`AsrWorker.finish` (queued) adds the tail and joins; Qt delivers queued calls in the order
  they were posted, so by then every segment of the take (posted before its audio was complete)
  has run. :meth:`AsrWorker.cancel` (any thread, at once) drops the take: its segments still queued
  are not transcribed. Either way the take leaves the worker's books.

Each change of a take's text so far leaves as ``progress(uid, Progress)`` (live words).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from dictate_app.audio.convert import MODEL_RATE
from dictate_app.engine.base import Engine
from dictate_app.engine.incremental import IncrementalTranscriber
from dictate_app.errors import DictateError
from dictate_app.store.settings import DEFAULTS

log = logging.getLogger(__name__)

LoadEngine = Callable[[str, str], Engine]
# Speech trimming: 16 kHz mono float32 in, the speech part out, or None when there is no speech.
TrimSpeech = Callable[[np.ndarray], "np.ndarray | None"]
NOT_LOADED = "The speech model is not loaded yet."


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


@dataclass
class _Take:
    """An incremental take on the worker's books, from :meth:`AsrWorker.begin` to its end."""

    feeds: int = 0  # segments posted so far (numbers them: a provisional one overtaken is stale)
    session: IncrementalTranscriber | None = None  # built on the worker thread
    problem: str = ""  # why no session could be built (reported at finish)


class AsrWorker(QObject):
    """Lives on a QThread; see :func:`start_worker`.

    ``loaded(description)`` / ``load_failed(message)`` after :meth:`load`;
    ``transcribed(uid, transcript_or_None, timings)`` (None: no speech, the model was not run) /
    ``failed(uid, message)`` after :meth:`transcribe` and :meth:`finish`;
    ``progress(uid, Progress)`` while an incremental take is held (see the module notes).
    """

    loaded = Signal(str)
    load_failed = Signal(str)
    transcribed = Signal(int, object, object)
    failed = Signal(int, str)
    progress = Signal(int, object)  # uid, engine.incremental.Progress: its text so far
    # submit() -> _run_job on this object's thread: queued from other threads, direct from its own.
    _job = Signal(object)
    # begin() and the segments -> this object's thread (queued: called from other threads).
    _build = Signal(int, str, bool)
    _feed = Signal(int, int, bool, object)  # uid, feed number, provisional, samples

    def __init__(self, load: LoadEngine = _default_load, trim: TrimSpeech = _default_trim, settings=DEFAULTS):
        super().__init__()
        self._load = load
        self._trim = trim
        self.engine: Engine | None = None
        # The live settings (app/settings_store.py), read here on this thread: their frozen
        # dataclass is replaced whole on the GUI thread, so a read sees the old or the new one.
        self._settings = settings
        # Incremental takes by uid: written from the GUI thread (begin, cancel), the recorder's
        # (segments) and this one, so under the lock; engine calls are never made holding it.
        self._lock = threading.Lock()
        self._takes: dict[int, _Take] = {}
        self._job.connect(self._run_job)
        self._build.connect(self._build_session)
        self._feed.connect(self._on_feed)

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
            engine = self._engine()
            speech = self._trim(samples)
            timings["vad_ms"] = (time.monotonic() - started) * 1000
            if speech is None or len(speech) == 0:
                self.transcribed.emit(uid, None, timings)
                return
            started = time.monotonic()
            result = engine.transcribe(speech, MODEL_RATE, language=language, itn=self.itn)
            timings["asr_ms"] = (time.monotonic() - started) * 1000
        except Exception as exc:
            log.debug("transcription %d failed", uid, exc_info=True)
            self.failed.emit(uid, user_message(exc, "Transcription"))
            return
        self.transcribed.emit(uid, result, timings)

    def _engine(self) -> Engine:
        """The loaded engine (worker thread only); a DictateError before the first load."""
        if self.engine is None:
            raise DictateError(NOT_LOADED)
        return self.engine

    # ---- incremental takes (see the module notes) ----

    def begin(self, uid: int, language: str, itn: bool) -> None:
        """Any thread, at key-down: take ``uid`` is transcribed as it goes, with the press's
        ``language`` and ``itn``. Its session is built on the worker thread; segments posted
        before that are queued behind it. End it with :meth:`finish` or :meth:`cancel`."""
        with self._lock:
            self._takes[uid] = _Take()
        self._build.emit(uid, language, itn)

    @Slot(int, str, bool)
    def _build_session(self, uid: int, language: str, itn: bool) -> None:
        try:
            engine = self._engine()
        except DictateError as exc:
            session, problem = None, str(exc)
        else:
            session, problem = IncrementalTranscriber(engine, language, itn, executor=self), ""
            # Called on this thread (the passes run here), or on whichever thread cancels a future.
            session.on_progress = lambda: self.progress.emit(uid, session.so_far())
        with self._lock:
            take = self._takes.get(uid)
            if take is not None:  # else cancelled before its session was built
                take.session, take.problem = session, problem

    def segment(self, uid: int, samples16k: np.ndarray) -> None:
        """Recorder thread: a closed speech segment of take ``uid``. Returns at once."""
        self._post_feed(uid, samples16k, provisional=False)

    def provisional(self, uid: int, samples16k: np.ndarray) -> None:
        """Recorder thread: the segment whose pause has just begun (speculation). Returns at once."""
        self._post_feed(uid, samples16k, provisional=True)

    def _post_feed(self, uid: int, samples16k: np.ndarray, provisional: bool) -> None:
        with self._lock:
            take = self._takes.get(uid)
            if take is None:
                return  # finished or cancelled: a segment that was on its way
            take.feeds += 1
            number = take.feeds
        # A copy: the recorder may reuse its buffer once this returns.
        self._feed.emit(uid, number, provisional, np.array(samples16k, dtype=np.float32, copy=True))

    @Slot(int, int, bool, object)
    def _on_feed(self, uid: int, number: int, provisional: bool, samples: np.ndarray) -> None:
        with self._lock:
            take = self._takes.get(uid)
            session = take.session if take is not None else None
            if session is None or (provisional and number != take.feeds):
                return  # dropped, no model, or a provisional segment newer audio overtook
        if provisional:
            session.on_provisional(samples)
        else:
            session.on_segment(samples)

    @Slot(int, object)
    def finish(self, uid: int, recording) -> None:
        """Finish incremental take ``uid``: the tail's pass (if any) here, then join its passes.

        ``recording`` is its :class:`~dictate_app.audio.recorder.Recording` (``segmented``). No
        speech anywhere (no segment, a silent tail) -> ``transcribed(uid, None, ...)`` without a
        model call, as :meth:`transcribe` does.
        """
        started = time.monotonic()
        with self._lock:
            take = self._takes.pop(uid, None)
        try:
            if take is None or take.session is None:
                raise DictateError(take.problem if take is not None else NOT_LOADED)
            session = take.session
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

    def cancel(self, uid: int) -> None:
        """Any thread: drop incremental take ``uid`` now (Esc, a too-short tap, a failure, or a
        take the live VAD could not follow); its segments still queued are skipped unrun.

        The session is only let go: its passes run inline on the worker thread, so none is ever
        queued inside it, and a running pass cannot be stopped (nor waited for here: the GUI
        thread calls this)."""
        with self._lock:
            self._takes.pop(uid, None)

    @property
    def takes(self) -> tuple[int, ...]:
        """The incremental takes on the worker's books now (begun, not finished nor cancelled)."""
        with self._lock:
            return tuple(self._takes)


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
