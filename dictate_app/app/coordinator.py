"""The coordinator: the one place where hotkey, microphone, model worker and insertion meet.

Everything enters through :meth:`Coordinator.post` on the GUI thread (other threads reach it via
queued signals). ``post`` asks :func:`dictate_app.lifecycle.step` what to do and carries out the
actions; what the pure state only numbers it holds in one
:class:`~dictate_app.app.utterance.Utterance` record per take (``utterances``, by number): focus
target, audio, transcript, latency marks, and the helpers' per-take state. A record leaves when
its take ends (inserted, dropped, failed), and helpers get the record, not the coordinator's books.

Incremental transcription: a recording started while the model is ready is begun on the ASR
worker (``AsrWorker.begin``: the current language and itn), which owns that take's
:class:`~dictate_app.engine.incremental.IncrementalTranscriber` and runs its passes on its own
thread, the only thread that touches the engine. The take's live VAD segments go straight from
the recorder's thread to the worker (``recorder.start(on_segment=...)``). At release the worker
adds the last segment and joins (``AsrWorker.finish``); Esc, a too-short tap or a failure cancels
the passes still queued (``AsrWorker.cancel``). A recording the live VAD could not follow (it was
still loading) is transcribed whole, as before. A remote (server) engine takes the same path: each
segment is one request while the key is held, so the network and the server's time hide behind
the speaking too.

Live words (issue 24): each change of an incremental take's text so far reaches
:meth:`Coordinator._on_progress` (the worker's ``progress``, a queued signal) and
:class:`~dictate_app.app.live_words.LiveWords`, which shows it, saves it and, with "insert as I
speak", has the lifecycle insert it piece by piece; at release only the rest is inserted.

AI modes (issue 25): after the final transcript is saved, :class:`~dictate_app.app.ai_mode.AiModeTakes`
decides the take's mode and, when it runs, starts the language model on its own thread; the
lifecycle holds the take's insertion until the answer, a failure or the timeout (``AiModeDone``).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot

from dictate_app import lifecycle as lc
from dictate_app.app.ai_mode import AiConfig, AiModeTakes
from dictate_app.app.hands_free import HandsFree
from dictate_app.app.live_words import LiveWords
from dictate_app.app.popup_text import NO_SPEECH, describe
from dictate_app.app.ports import HistoryLog, PopupView, TextInserter
from dictate_app.app.utterance import Utterance
from dictate_app.app.worker import AsrWorker, user_message
from dictate_app.audio.autostop import auto_stop_after
from dictate_app.desktop.base import Window
from dictate_app.engine.incremental import Progress
from dictate_app.engine.result import Transcript
from dictate_app.errors import DictateError
from dictate_app.output.strategy import InsertOutcome, Method

if TYPE_CHECKING:
    from dictate_app.app.settings_store import SettingsStore
    from dictate_app.audio.recorder import Recording

log = logging.getLogger(__name__)

DROP_MESSAGES = {
    "too short": "Too short: hold the key while you speak.",
    "cancelled": "Cancelled.",
    "no speech": NO_SPEECH,  # a hands-free take in which nobody spoke (audio.autostop)
}


class Coordinator(QObject):
    """Runs the lifecycle. ``phase_changed`` and ``finished`` tell the shell, ``notify`` the user;
    ``popup`` shows each take's progress and result."""

    phase_changed = Signal(object)  # lifecycle.Phase
    # (uid, details dict): emitted once per utterance that ends (inserted, no speech, failed...).
    finished = Signal(int, object)
    model_ready = Signal(str)
    # To the worker thread (queued):
    _request_load = Signal(str, str)
    _request_transcribe = Signal(int, object, str)
    _request_finish = Signal(int, object)
    # From the recorder's thread (queued to us):
    _audio_done = Signal(int, object)
    level = Signal(float)

    def __init__(
        self,
        settings: SettingsStore,
        *,
        recorder_factory: Callable[..., Any],
        worker: AsrWorker,
        inserter: TextInserter,
        active_window: Callable[[], Window | None],
        popup: PopupView,
        transcript_log: HistoryLog,
        notify: Callable[[str, bool], None],
        clock: Callable[[], float] = lambda: time.monotonic() * 1000,
        postprocess: Callable[[Transcript], Transcript] | None = None,
        ai_config: Callable[[], AiConfig] | None = None,
        shift_held: Callable[[], bool] = lambda: False,
    ):
        super().__init__()
        # The live settings: language, insert_method, insert_live, auto_stop_s, hotkey are read
        # at each use; the keys below need an action when they change.
        self.settings = settings
        self.state = lc.State(mode=lc.Mode(settings.mode))
        self._recorder_factory = recorder_factory
        self.recorder = None
        self._recorder_mic: str | None = None  # the microphone self.recorder was opened with
        self.worker = worker
        self.inserter = inserter
        self.active_window = active_window
        self.popup = popup
        self.transcript_log = transcript_log
        # Replacement rules and vocabulary (issue 6): applied before saving and inserting.
        self.postprocess = postprocess or (lambda transcript: transcript)
        self._notify = notify
        self._clock = clock
        self._events: deque = deque()
        self._posting = False
        self.utterances: dict[int, Utterance] = {}  # the takes not ended yet, by number
        self.live = LiveWords(self)  # live words: each take's text so far, shown, saved, inserted
        self._last_event_ms = 0.0
        self.hands_free = HandsFree(self.post, popup, clock)  # auto-stop after a pause (hands_free.py)
        self.ai = AiModeTakes(self, ai_config, shift_held)  # AI modes: off unless ai_config says (ai_mode.py)

        self._request_load.connect(worker.load)
        self._request_transcribe.connect(worker.transcribe)
        self._request_finish.connect(worker.finish)
        worker.loaded.connect(self._on_loaded)
        # A bound slot, not a lambda: PySide6 runs a lambda connected to a signal of an object on
        # another thread on that thread, so post() and the popup would run on the ASR thread.
        worker.load_failed.connect(self._on_load_failed)
        worker.transcribed.connect(self._on_transcribed)
        worker.failed.connect(self._on_failed)
        worker.progress.connect(self._on_progress)
        self._audio_done.connect(self._on_audio_done)
        self.level.connect(popup.set_level)
        settings.watch(("mode",), lambda _key: self.post(lc.SetMode(lc.Mode(settings.mode))))
        settings.watch(("paste_keys",), self._paste_keys_changed)
        settings.watch(("microphone", "keep_mic_ready", "tail_ms"), self._recorder_settings_changed)
        settings.watch(("model_dir", "device", "server_url"), lambda _key: self.load_model())

    # ---- entry points ----

    def start(self) -> None:
        """Open the microphone side and start loading the model (on the worker thread)."""
        self._make_recorder()
        self.load_model()

    def load_model(self) -> None:
        """(Re)load the model the settings name (model_dir, device; the shell's loader reads
        server_url), on the worker thread: at start and after one of them changed."""
        self._request_load.emit(self.settings.model_dir, self.settings.device)

    def post(self, event: lc.Event) -> None:
        """Feed one event to the lifecycle; events posted while acting are queued, never nested."""
        self._events.append(event)
        if self._posting:
            return
        self._posting = True
        try:
            while self._events:
                before = self.state.phase
                event = self._events.popleft()
                if hasattr(event, "at_ms"):
                    self._last_event_ms = event.at_ms
                self.state, actions = lc.step(self.state, event)
                for action in actions:
                    self._act(action)
                if self.state.phase is not before:
                    self.phase_changed.emit(self.state.phase)
        finally:
            self._posting = False

    @Slot(float)
    def press(self, at_ms: float) -> None:
        self.post(lc.Press(at_ms, self.active_window()))

    @Slot(float)
    def release(self, at_ms: float) -> None:
        self.post(lc.Release(at_ms))

    @Slot()
    def toggle(self) -> None:
        self.post(lc.Toggle(self._clock(), self.active_window()))

    @Slot()
    def start_hands_free(self) -> None:
        """Start a take that ends by itself after a pause (nothing if already recording)."""
        self.post(lc.StartHandsFree(self._clock(), self.active_window()))

    @Slot()
    def cancel(self) -> None:
        self.post(lc.Cancel())

    def _paste_keys_changed(self, _key: str) -> None:
        self.inserter.paste_keys = self.settings.paste_keys  # the chord for apps without an override

    def _recorder_settings_changed(self, _key: str) -> None:
        """The microphone or how it records changed: a new recorder now, or after this recording."""
        if self.state.recording is None:
            self._make_recorder()
        else:
            self._recorder_mic = "\0stale"  # rebuilt after this recording (see _on_audio_done)

    def notify(self, message: str, error: bool = False) -> None:
        """Tell the user (a desktop notification; ``error``: something failed)."""
        self._notify(message, error)

    def close(self) -> None:
        if self.recorder is not None:
            self.recorder.close()
            self.recorder = None

    # ---- actions ----

    def _act(self, action: lc.Action) -> None:
        if isinstance(action, lc.StartRecording):
            self._start_recording(action.uid, action.target, action.incremental, action.hands_free)
        elif isinstance(action, lc.StopRecording):
            self.hands_free.disarm()
            self.utterances[action.uid].marks["released"] = self._last_event_ms
            future: Future = self.recorder.stop()
            uid = action.uid
            # Resolves on the recorder's thread after the tail: hop back to ours by signal.
            future.add_done_callback(lambda f: self._audio_done.emit(uid, f))
            st = self.state
            ahead = len(st.awaiting_audio) - 1 + len(st.queued) + (st.transcribing is not None)
            self.popup.show_transcribing(ahead, waiting_for_model=st.model is lc.ModelStatus.LOADING)
        elif isinstance(action, lc.DropRecording):
            self.hands_free.disarm()
            if self.recorder is not None:
                self.recorder.cancel()
            self.popup.show_message(DROP_MESSAGES.get(action.reason, action.reason))
            self._drop(action.uid, action.reason.replace(" ", "_"))
        elif isinstance(action, lc.Transcribe):
            self._transcribe(self.utterances[action.uid])
        elif isinstance(action, lc.Insert):
            self._insert(self.utterances[action.uid])
        elif isinstance(action, lc.InsertLive):
            self.live.insert_piece(action.uid, self.utterances.get(action.uid))
        elif isinstance(action, lc.ShowNoSpeech):
            self.popup.show_content(describe(self.utterances[action.uid].transcript))
            self._drop(action.uid, "no_speech")
        elif isinstance(action, lc.Notify):
            self._notify(action.message, action.error)
            if action.error:  # a calm notice is said once, by the notification alone
                self.popup.show_message("Dictate could not do that", action.message)

    def _start_recording(self, uid: int, target: Window | None, incremental: bool = False,
                         hands_free: bool = False) -> None:
        utt = self.utterances[uid] = Utterance(uid, target, {"pressed": self._last_event_ms})
        self.ai.begin(utt)  # the per-take choice: Shift held with the hotkey
        take = {}  # per-take recorder options
        after_s = auto_stop_after(self.settings.mode, hands_free, self.settings.auto_stop_s)
        if after_s is not None:
            take["on_pause"] = self.hands_free.arm(uid, after_s)
        try:
            if self.recorder is None:
                self._make_recorder()
            if incremental:  # the model is loaded (the lifecycle says): the worker takes the segments
                self.worker.begin(uid, self.settings.language, self.worker.itn)
                utt.incremental = True
                # No time limit: the session keeps each segment, so the recorder forgets its audio
                # (unless the history keeps the take's audio, which needs all of it).
                take["drop_spoken"] = not self.transcript_log.keeps_audio
                self.live.begin(utt)
                self.recorder.start(on_segment=partial(self.worker.segment, uid),
                                    on_provisional=partial(self.worker.provisional, uid), **take)
            else:
                self.recorder.start(**take)
        except Exception as exc:
            log.debug("recording could not start", exc_info=True)
            self.hands_free.disarm()
            message = user_message(exc, "Starting the microphone")
            self._drop(uid, "failed", message)
            self.post(lc.RecordingFailed(message))
            return
        self.popup.show_recording(live=utt.live is not None)

    def _make_recorder(self) -> None:
        self.close()
        self._recorder_mic = self.settings.microphone
        try:
            self.recorder = self._recorder_factory(
                microphone=self.settings.microphone or None,
                keep_ready=self.settings.keep_mic_ready,
                tail_s=self.settings.tail_ms / 1000,
                live_vad=True,  # segments for incremental transcription; also shortens the tail
                on_level=self._emit_level,
                on_warning=lambda message: self._notify(str(message), False),
            )
        except DictateError as exc:
            # No microphone now: say so; the next press tries again (it may be plugged in by then).
            self.recorder = None
            self._notify(str(exc), True)

    def _emit_level(self, rms: float, peak: float = 0.0) -> None:
        """Recorder thread: forward the level (RMS) to the GUI thread."""
        self.level.emit(float(rms))

    # ---- results from other threads (delivered queued, on our thread) ----

    @Slot(int, object)
    def _on_audio_done(self, uid: int, future: Future) -> None:
        utt = self.utterances.get(uid)
        if utt is None:
            return  # ended meanwhile (the model failed while its audio was on its way)
        try:
            recording: Recording = future.result()
        except Exception as exc:
            message = user_message(exc, "Recording")
            self._drop(uid, "failed", message)
            self.post(lc.AudioReady(uid, ok=False, message=message))
            return
        if recording.microphone_lost:
            self._notify("The microphone went away during the recording; what was captured is kept.", False)
        samples = recording.samples
        utt.marks["audio"] = self._clock()
        log.info("utterance %d: %.2f s recorded, microphone live %.0f ms after start, %.0f ms lost, "
                 "pre-roll %.0f ms", uid, recording.duration_s, recording.start_latency_ms,
                 recording.lost_ms, recording.preroll_ms)
        if samples is None or len(samples) == 0:
            message = "Nothing was recorded: check the microphone."
            self._drop(uid, "failed", message)
            self.post(lc.AudioReady(uid, ok=False, message=message))
            return
        utt.recording = recording
        self.post(lc.AudioReady(uid))
        if self.state.recording is None and self._recorder_mic != self.settings.microphone:
            self._make_recorder()  # a microphone change waited for this recording to end

    @Slot(str)
    def _on_load_failed(self, message: str) -> None:
        waiting = self.state.awaiting_audio + self.state.queued
        self.post(lc.ModelFailed(message))
        # The lifecycle gave up the takes that waited for the model (its notice says why): they end.
        for uid in waiting:
            if uid not in self.state.awaiting_audio + self.state.queued:
                self._drop(uid, "failed", message)

    @Slot(str)
    def _on_loaded(self, description: str) -> None:
        self.model_ready.emit(description)
        self.post(lc.ModelLoaded())

    def _transcribe(self, utt: Utterance) -> None:
        """The lifecycle's ``Transcribe``: the worker joins the take's passes, or runs it whole."""
        recording, utt.recording = utt.recording, None
        if self.transcript_log.keeps_audio:
            utt.audio = recording.samples
        utt.marks["transcribe"] = self._clock()
        if utt.incremental and recording.segmented:
            self._request_finish.emit(utt.uid, recording)
            return
        if utt.incremental:  # the live VAD did not follow this take: no segments came
            utt.incremental = False
            self.worker.cancel(utt.uid)
        self._request_transcribe.emit(utt.uid, recording.samples, self.settings.language)

    @Slot(int, object, object)
    def _on_transcribed(self, uid: int, transcript: Transcript | None, timings: dict) -> None:
        utt = self.utterances[uid]
        utt.marks.update(timings, transcribed=self._clock())
        if transcript is not None:
            transcript = self.postprocess(transcript)
        utt.transcript = transcript
        has_text = transcript is not None and transcript.is_speech
        audio, utt.audio = utt.audio, None
        if has_text:
            # Saved before insertion: a failed insertion must never lose the words.
            try:
                extra = {"audio": audio} if audio is not None else {}
                # The history names the application (and title) the words were meant for; a
                # window the desktop names nothing about stays unnamed (its id means nothing to a reader).
                self.transcript_log.append(transcript, target=utt.app, uid=uid, **extra)
            except (OSError, DictateError) as exc:
                self._notify(f"The transcript could not be saved ({exc}); it will still be inserted.", True)
        runs = has_text and self.ai.start(utt)  # after the words as spoken are saved
        self.post(lc.Transcribed(uid, has_text, ai_mode=runs))

    def _insert(self, utt: Utterance) -> None:
        utt.marks["insert"] = self._clock()
        text = self.live.remainder(utt, utt.transcript.text)  # inserted as spoken: only the rest is left
        if not text:  # every word went in as spoken: only a per-app Enter may be left
            self.inserter.enter_after(utt.target)
            self._inserted(utt, InsertOutcome("inserted"))
            return
        self.inserter.insert(
            text, utt.target, Method(self.settings.insert_method),
            lambda outcome: self._inserted(utt, outcome),
        )

    def _inserted(self, utt: Utterance, outcome: InsertOutcome) -> None:
        uid = utt.uid
        self.utterances.pop(uid, None)
        self.live.end(utt)
        transcript = utt.transcript
        marks = utt.marks
        marks["inserted"] = self._clock()
        warning = outcome.status != "inserted"
        self.popup.show_content(self.ai.content(utt, describe(transcript, outcome.message, warning)))
        if outcome.status == "failed":
            self._notify(outcome.message, True)
        details = {"status": outcome.status, "method": outcome.method and outcome.method.value,
                   "message": outcome.message, "text": transcript.text, "marks": marks}
        if "released" in marks:
            since = {k: round(v - marks["released"]) for k, v in marks.items()
                     if not k.endswith("_ms") and k not in ("pressed", "released")}
            log.info("utterance %d: %s by %s, release to inserted %.0f ms; since release %s; "
                     "vad %.0f ms, asr %.0f ms", uid, outcome.status, details["method"],
                     marks["inserted"] - marks["released"], since, marks.get("vad_ms", 0.0),
                     marks.get("asr_ms", 0.0))
        self.finished.emit(uid, details)
        self.post(lc.Inserted(uid))

    @Slot(int, str)
    def _on_failed(self, uid: int, message: str) -> None:
        self._drop(uid, "failed", message)
        self.post(lc.TranscribeFailed(uid, message))

    def _drop(self, uid: int, status: str, message: str = "") -> None:
        """Forget an utterance that ends without insertion, and report how it ended."""
        utt = self.utterances.pop(uid, None)
        details = {"status": status, "message": message} if message else {"status": status}
        if utt is not None:
            self.ai.drop(utt)
            if utt.incremental:
                self.worker.cancel(uid)  # its queued passes are not run
            if self.live.end(utt):
                details["inserted_live"] = True  # words of it are in the target: its history row stays
        self.finished.emit(uid, details)

    @Slot(int, object)
    def _on_progress(self, uid: int, progress: Progress) -> None:
        """Take ``uid``'s words so far changed (live words: :class:`LiveWords`)."""
        utt = self.utterances.get(uid)
        if utt is not None:
            self.live.progress(utt, progress)
