"""The dictation lifecycle as a pure function: ``step(state, event) -> (state, actions)``.

Hotkey, microphone, model worker and insertion all report to one coordinator, on one thread, in
one order; this module decides what each report means. It imports no Qt and does no I/O, so every
race the real app can meet (a press while the previous utterance still transcribes, a release
before the model has loaded, Esc during a recording, a tap too short to be speech) is a plain
unit test.

Utterances are numbered. An utterance goes: recording -> waiting for its audio (the recorder's
release tail) -> queued -> transcribing (one at a time, in order) -> inserting (one at a time, in
order). The coordinator keeps the audio and transcripts by number; the state keeps only numbers.

A recording that starts while the model is ready is transcribed incrementally: its speech
segments are transcribed while the key is still held, and "transcribing" it at release only adds
the last segment and joins (``StartRecording.incremental``). One that starts while the model is
still loading is transcribed whole after release, once the model is there.

"Insert as I speak" (issue 24): while the key is held, the coordinator reports each growth of a
take's final text (``LivePiece``); the piece is inserted (``InsertLive``) when the one insertion
slot is free, after every earlier utterance's text, and the take's final insertion at release
comes after its last piece. Pieces reported while the slot is busy wait as one flag: the next
``InsertLive`` takes all the text there is by then.

AI modes (issue 25): a take whose AI mode runs is reported ``Transcribed(uid, True, ai_mode=True)``;
it joins the insertion queue in its turn but is not inserted (nor is anything after it, so the
order holds) until ``AiModeDone(uid)``: the coordinator posts that when the language model answered,
failed, or its time ran out. The transcription slot is free meanwhile: the next take is recognised
while the model works on this one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum

# Presses shorter than this are taps, not speech (VoiceTyper discards under 0.3 s; we use 0.25 s).
MIN_PRESS_MS = 250


class Mode(str, Enum):
    """How the hotkey drives recording."""

    HOLD = "hold"  # record while the key is held
    TOGGLE = "toggle"  # one press starts, the next press stops


class Phase(str, Enum):
    """What the tray shows: one word for the whole state."""

    LOADING = "loading"
    IDLE = "ready"
    RECORDING = "recording"
    TRANSCRIBING = "transcribing"
    INSERTING = "inserting"
    ERROR = "error"


class ModelStatus(str, Enum):
    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"


# ---- events (what happened) ----------------------------------------------------------------


@dataclass(frozen=True)
class Press:
    """The hotkey went down (or `start` was asked for). ``target`` is the focused window then."""

    at_ms: float
    target: str | None = None


@dataclass(frozen=True)
class Release:
    """The hotkey came up."""

    at_ms: float


@dataclass(frozen=True)
class Toggle:
    """Start if idle, stop if recording, whatever the mode (tray menu, `dictate-app toggle`)."""

    at_ms: float
    target: str | None = None


@dataclass(frozen=True)
class StartHandsFree:
    """Start a take that ends by itself after a pause (``dictate-app start --hands-free``, the tray);
    nothing happens if already recording."""

    at_ms: float
    target: str | None = None


@dataclass(frozen=True)
class AutoStop:
    """Take ``uid`` heard its pause (``dictate_app.audio.autostop``): end it as a second press
    would; ``no_speech``: nothing was said at all, so drop it. A report for an older take is ignored."""

    uid: int
    at_ms: float
    no_speech: bool = False


@dataclass(frozen=True)
class Cancel:
    """Esc while recording: drop the recording, type nothing."""


@dataclass(frozen=True)
class RecordingFailed:
    """The microphone could not start (or died before any audio): nothing to keep."""

    message: str


@dataclass(frozen=True)
class SetMode:
    mode: Mode


@dataclass(frozen=True)
class ModelLoaded:
    pass


@dataclass(frozen=True)
class ModelFailed:
    """``error`` False: not a failure but a calm notice (no model set up yet)."""

    message: str
    error: bool = True


@dataclass(frozen=True)
class AudioReady:
    """The recorder delivered utterance ``uid`` (after its tail). ``ok`` False: nothing usable."""

    uid: int
    ok: bool = True
    message: str = ""


@dataclass(frozen=True)
class Transcribed:
    """The worker finished ``uid``; ``has_text`` False means no speech (nothing to type);
    ``ai_mode``: an AI mode works on the text, insert it after :class:`AiModeDone`."""

    uid: int
    has_text: bool
    ai_mode: bool = False


@dataclass(frozen=True)
class AiModeDone:
    """The AI mode of ``uid`` is through (answered, failed or timed out): its text can go in."""

    uid: int


@dataclass(frozen=True)
class TranscribeFailed:
    uid: int
    message: str


@dataclass(frozen=True)
class LivePiece:
    """Recording ``uid`` has final text not inserted yet ("insert as I speak")."""

    uid: int


@dataclass(frozen=True)
class Inserted:
    """Insertion of ``uid`` finished (whatever its outcome; the coordinator reports that)."""

    uid: int


Event = (
    Press | Release | Toggle | StartHandsFree | AutoStop | Cancel | RecordingFailed | SetMode | ModelLoaded
    | ModelFailed | AudioReady | Transcribed | TranscribeFailed | Inserted | LivePiece | AiModeDone
)

# ---- actions (what the coordinator must do) -------------------------------------------------


@dataclass(frozen=True)
class StartRecording:
    """``incremental``: transcribe segments while recording (the model is ready to take them).
    ``hands_free``: the take ends by itself after a pause, whatever the mode."""

    uid: int
    target: str | None
    incremental: bool = False
    hands_free: bool = False


@dataclass(frozen=True)
class StopRecording:
    """Stop and keep: the recorder adds its tail, then the coordinator posts AudioReady."""

    uid: int


@dataclass(frozen=True)
class DropRecording:
    """Stop and throw away (Esc, too-short tap). ``reason`` is for the popup."""

    uid: int
    reason: str


@dataclass(frozen=True)
class Transcribe:
    uid: int


@dataclass(frozen=True)
class Insert:
    uid: int


@dataclass(frozen=True)
class InsertLive:
    """Insert the final text of recording ``uid`` said so far and not yet inserted; report
    ``Inserted(uid)`` when done, as for :class:`Insert`."""

    uid: int


@dataclass(frozen=True)
class ShowNoSpeech:
    uid: int


@dataclass(frozen=True)
class Notify:
    """Tell the user something went wrong, and how to fix it."""

    message: str
    error: bool = True


Action = (
    StartRecording | StopRecording | DropRecording | Transcribe | Insert | ShowNoSpeech | Notify | InsertLive
)

# ---- state ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recording:
    uid: int
    started_ms: float
    hands_free: bool = False
    live_waiting: bool = False  # a LivePiece came and has not been inserted yet


@dataclass(frozen=True)
class State:
    """Everything the decisions depend on. Immutable: ``step`` returns a new one."""

    mode: Mode = Mode.HOLD
    model: ModelStatus = ModelStatus.LOADING
    model_error: str = ""
    next_uid: int = 1
    recording: Recording | None = None
    # Stopped recordings whose audio has not arrived yet, and those whose audio has: both in
    # utterance order. Transcription always takes the oldest, so results come back in order.
    awaiting_audio: tuple[int, ...] = ()
    queued: tuple[int, ...] = ()
    transcribing: int | None = None
    to_insert: tuple[int, ...] = ()
    inserting: int | None = None
    # Numbers whose audio arrived out of order (kept until the older ones are through).
    arrived: frozenset[int] = field(default_factory=frozenset)
    # Transcribed numbers whose AI mode is still working: not inserted until AiModeDone.
    ai_waiting: frozenset[int] = field(default_factory=frozenset)

    @property
    def phase(self) -> Phase:
        """The single word the tray shows; recording wins, then work in progress."""
        if self.recording is not None:
            return Phase.RECORDING
        if self.model is ModelStatus.FAILED:
            return Phase.ERROR
        if self.inserting is not None:
            return Phase.INSERTING
        if self.transcribing is not None or self.queued or self.awaiting_audio or self.to_insert:
            return Phase.TRANSCRIBING if self.model is ModelStatus.READY else Phase.LOADING
        if self.model is ModelStatus.LOADING:
            return Phase.LOADING
        return Phase.IDLE


def step(state: State, event: Event) -> tuple[State, list[Action]]:
    """Apply one event; return the new state and the actions to carry out, in order."""
    actions: list[Action] = []
    if isinstance(event, Press):
        if state.mode is Mode.TOGGLE and state.recording is not None:
            state = _stop(state, event.at_ms, actions, check_short=False)
        else:
            state = _start(state, event.at_ms, event.target, actions)
    elif isinstance(event, Release):
        if state.mode is Mode.HOLD and state.recording is not None:
            state = _stop(state, event.at_ms, actions, check_short=True)
    elif isinstance(event, Toggle):
        if state.recording is not None:
            state = _stop(state, event.at_ms, actions, check_short=False)
        else:
            state = _start(state, event.at_ms, event.target, actions)
    elif isinstance(event, StartHandsFree):
        state = _start(state, event.at_ms, event.target, actions, hands_free=True)
    elif isinstance(event, AutoStop):
        rec = state.recording
        if rec is not None and rec.uid == event.uid:
            if event.no_speech:
                actions.append(DropRecording(rec.uid, "no speech"))
                state = replace(state, recording=None)
            else:
                state = _stop(state, event.at_ms, actions, check_short=False)
    elif isinstance(event, Cancel):
        if state.recording is not None:
            actions.append(DropRecording(state.recording.uid, "cancelled"))
            state = replace(state, recording=None)
    elif isinstance(event, RecordingFailed):
        if state.recording is not None:
            state = replace(state, recording=None)
            actions.append(Notify(event.message))
    elif isinstance(event, SetMode):
        state = replace(state, mode=event.mode)
    elif isinstance(event, ModelLoaded):
        state = replace(state, model=ModelStatus.READY, model_error="")
    elif isinstance(event, ModelFailed):
        state = replace(state, model=ModelStatus.FAILED, model_error=event.message)
        actions.append(Notify(event.message, event.error))
        # Utterances waiting for the model can never be transcribed: the notice says why.
        state = replace(state, awaiting_audio=(), queued=(), arrived=frozenset())
    elif isinstance(event, AudioReady):
        if event.uid in state.awaiting_audio:
            if event.ok:
                state = replace(state, arrived=state.arrived | {event.uid})
            else:
                rest = tuple(u for u in state.awaiting_audio if u != event.uid)
                state = replace(state, awaiting_audio=rest)
                if event.message:
                    actions.append(Notify(event.message))
            state = _collect_arrived(state)
    elif isinstance(event, Transcribed):
        if event.uid == state.transcribing:
            state = replace(state, transcribing=None)
            if event.has_text:
                state = replace(state, to_insert=state.to_insert + (event.uid,))
                if event.ai_mode:
                    state = replace(state, ai_waiting=state.ai_waiting | {event.uid})
            else:
                actions.append(ShowNoSpeech(event.uid))
    elif isinstance(event, TranscribeFailed):
        if event.uid == state.transcribing:
            state = replace(state, transcribing=None)
            actions.append(Notify(event.message))
    elif isinstance(event, Inserted):
        if event.uid == state.inserting:
            state = replace(state, inserting=None)
    elif isinstance(event, AiModeDone):
        state = replace(state, ai_waiting=state.ai_waiting - {event.uid})
    elif isinstance(event, LivePiece):
        if state.recording is not None and state.recording.uid == event.uid:
            state = replace(state, recording=replace(state.recording, live_waiting=True))
    return _advance(state, actions)


def _start(state: State, at_ms: float, target: str | None, actions: list[Action],
           hands_free: bool = False) -> State:
    if state.recording is not None:
        return state  # key auto-repeat, or a second start: already recording
    if state.model is ModelStatus.FAILED:
        # Recording now would lose the words: nothing can transcribe them.
        actions.append(Notify(state.model_error or "The speech model is not loaded."))
        return state
    uid = state.next_uid
    actions.append(StartRecording(uid, target, incremental=state.model is ModelStatus.READY,
                                  hands_free=hands_free))
    return replace(state, recording=Recording(uid, at_ms, hands_free), next_uid=uid + 1)


def _stop(state: State, at_ms: float, actions: list[Action], check_short: bool) -> State:
    rec = state.recording
    assert rec is not None
    if check_short and at_ms - rec.started_ms < MIN_PRESS_MS:
        actions.append(DropRecording(rec.uid, "too short"))
        return replace(state, recording=None)
    actions.append(StopRecording(rec.uid))
    return replace(state, recording=None, awaiting_audio=state.awaiting_audio + (rec.uid,))


def _collect_arrived(state: State) -> State:
    """Move arrived audio to the transcription queue, oldest first, never skipping a gap."""
    waiting = list(state.awaiting_audio)
    queued = list(state.queued)
    arrived = set(state.arrived)
    while waiting and waiting[0] in arrived:
        uid = waiting.pop(0)
        arrived.discard(uid)
        queued.append(uid)
    return replace(
        state, awaiting_audio=tuple(waiting), queued=tuple(queued), arrived=frozenset(arrived)
    )


def _advance(state: State, actions: list[Action]) -> tuple[State, list[Action]]:
    """Start the next transcription and the next insertion when their slot is free."""
    if state.transcribing is None and state.queued and state.model is ModelStatus.READY:
        uid, rest = state.queued[0], state.queued[1:]
        state = replace(state, transcribing=uid, queued=rest)
        actions.append(Transcribe(uid))
    # The oldest text waits for its AI mode: the ones after it wait too (insertion keeps order).
    if state.inserting is None and state.to_insert and state.to_insert[0] not in state.ai_waiting:
        uid, rest = state.to_insert[0], state.to_insert[1:]
        state = replace(state, inserting=uid, to_insert=rest)
        actions.append(Insert(uid))
    rec = state.recording
    # A live piece goes after everything older: nothing waits for its audio, transcription or
    # insertion (utterances are numbered in order, and all those are older than the recording).
    older_pending = state.awaiting_audio or state.queued or state.transcribing is not None or state.to_insert
    if rec is not None and rec.live_waiting and state.inserting is None and not older_pending:
        state = replace(state, inserting=rec.uid, recording=replace(rec, live_waiting=False))
        actions.append(InsertLive(rec.uid))
    return state, actions
