"""AI modes in the running app (issue 25): the coordinator's helper for takes a language model
rewrites. Runs on the GUI thread, called by the :class:`~dictate_app.app.coordinator.Coordinator`;
the model call itself (:func:`dictate_app.modes.run.apply_mode`) runs on a thread of its own, never
on the GUI thread nor on the ASR worker's.

Which mode a take gets (:meth:`AiModeTakes.choose`): Shift held with the hotkey at the press (the
per-take choice) gives the ``ai_mode_shift`` mode, or "as spoken" when that mode would run anyway
(so Shift also skips the mode once); else the per-app override's ``ai_mode`` for the target
window; else the ``ai_mode`` setting. An unknown name falls back to "as spoken" and says so once.

A take's AI state (the Shift choice, the call while it runs, how it ended, a one-time note) is kept
on its :class:`~dictate_app.app.utterance.Utterance` record, which the coordinator hands in.

A take whose mode runs (:meth:`AiModeTakes.start`, after its row with the words as spoken is
saved): the popup shows the words at once and the answer as it streams in; the lifecycle holds its
insertion (``Transcribed(ai_mode=True)``) until :meth:`_finish` posts ``AiModeDone``: when the
answer came, the call failed, or ``llm_timeout_s`` ran out. The inserted text is then the answer,
or the words as spoken with the one sentence saying why (in the popup and the history row).

The mode does not run on "No speech heard" takes, on fewer than ``ai_mode_min_words`` words, nor on
a take whose words already went in while it was dictated ("insert as I speak"): text typed into the
target cannot be taken back and rewritten; the popup says so the first time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication

from dictate_app import lifecycle as lc
from dictate_app.app.popup_text import PopupContent, describe
from dictate_app.app.utterance import AiCall, Utterance
from dictate_app.modes.catalog import AS_SPOKEN, AiMode, find_mode, load_modes, modes_file
from dictate_app.modes.client import Endpoint, api_key_for
from dictate_app.modes.prompt import Heard
from dictate_app.modes.run import ModeResult, apply_mode, runs, timed_out
from dictate_app.store.settings import DEFAULTS, Settings

log = logging.getLogger(__name__)

# apply_mode returns within llm_timeout_s plus a few ms (its own deadline); this guard, past it,
# only matters if that promise broke: the raw words still go in and the GUI never waits forever.
GUARD_MS = 1000
LIVE_NOTE = ("The AI mode does not run on words inserted as you spoke (Insert as I speak): "
             "they are already in the app.")


@dataclass(frozen=True)
class AiConfig:
    """What the AI modes use for one take: the settings (``ai_mode``, ``ai_mode_shift``, the
    per-app overrides, ``llm_*`` with this run's ``--llm-url``/``--llm-model`` on top,
    ``ai_mode_min_words``), the modes catalog and the vocabulary (context for the model)."""

    settings: Settings = DEFAULTS
    modes: dict[str, AiMode] = field(default_factory=dict)  # the catalog (built-ins and the user's)
    vocabulary: Sequence[str] = ()

    @property
    def url(self) -> str:
        return self.settings.llm_url

    def endpoint(self) -> Endpoint:
        """The endpoint with its API key. Off the GUI thread: the keyring may ask a D-Bus service."""
        return Endpoint(self.url, self.settings.llm_model, api_key_for(self.url))


def shift_held() -> bool:
    """Whether Shift is down now, anywhere on the desktop. Qt asks the window system: on X11 the
    pointer query's modifier mask (global), on Windows and macOS the key state (global). On
    Wayland Qt only knows the modifiers of the last key event a Dictate window received (possibly
    long ago), so there Shift is never taken as held."""
    if QGuiApplication.platformName().startswith("wayland"):
        return False
    return bool(QGuiApplication.queryKeyboardModifiers() & Qt.KeyboardModifier.ShiftModifier)


class ModesCatalog:
    """The modes (built-ins and the user's modes.txt), read again when the file changed."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else modes_file()
        self._stamp: int | None = -1
        self._modes: dict[str, AiMode] = {}
        self.problems: list[str] = []  # of the last read, one sentence each

    def current(self) -> dict[str, AiMode]:
        try:
            stamp: int | None = self.path.stat().st_mtime_ns
        except OSError:
            stamp = None
        if stamp != self._stamp:
            self._modes, self.problems = load_modes(self.path)
            self._stamp = stamp
        return self._modes


class AiModeTakes(QObject):
    """The AI mode side of the coordinator ``co`` (its popup, history, lifecycle, notices and
    hotkey option): ``config()`` is read per take, ``shift_held()`` at each press (the per-take
    choice). Each take's AI state is on its record."""

    _delta = Signal(object, str)  # from the call's thread: the take's record, a piece of the answer
    _result = Signal(object, object)  # from the call's thread: the take's record, ModeResult

    def __init__(self, coordinator: Any, config: Callable[[], AiConfig] | None = None,
                 shift_held: Callable[[], bool] = lambda: False):
        super().__init__()
        self.co = coordinator
        self.config = config or AiConfig
        self.shift_held = shift_held
        self._said: set[str] = set()  # one-time notes already shown
        self.last_thread: threading.Thread | None = None  # the latest call's (tests look at it)
        self._delta.connect(self._on_delta)
        self._result.connect(self._on_result)

    # ---- choosing ----

    def begin(self, utt: Utterance) -> None:
        """Take ``utt`` starts recording: remember the per-take choice (Shift held now; never with
        a Shift key as the hotkey, which is always held at the press)."""
        try:
            utt.shift = "shift" not in self.co.settings.hotkey.lower() and bool(self.shift_held())
        except Exception:  # a desktop that cannot tell: no per-take choice
            log.debug("modifier state unknown", exc_info=True)
            utt.shift = False

    @staticmethod
    def choose(utt: Utterance, app: str | None, config: AiConfig) -> str:
        """The mode name for take ``utt`` into ``app`` (see the module notes)."""
        name = config.settings.ai_mode_for(app)
        if utt.shift:
            shift = config.settings.ai_mode_shift
            same = find_mode(name, config.modes)[0].name.lower() == find_mode(shift, config.modes)[0].name.lower()
            name = AS_SPOKEN if same else shift
        return name

    # ---- running ----

    def start(self, utt: Utterance) -> bool:
        """Start take ``utt``'s mode if it runs (its words as spoken, ``utt.transcript``, are
        saved); True: its insertion waits for :meth:`_finish` (``AiModeDone``)."""
        config = self.config()
        transcript, target, uid = utt.transcript, utt.target, utt.uid
        # Per-app choices match the class and title, as the insertion overrides do; the model is
        # told the application's name only ({app}): a title may hold a mail's subject or a file name.
        mode, problem = find_mode(self.choose(utt, utt.app, config), config.modes)
        if problem:
            self._say_once(utt, problem)
        text = transcript.text
        s = config.settings
        if not transcript.is_speech or not runs(text, mode, s.ai_mode_min_words):
            return False
        if self.co.live.inserted_any(utt):
            self._say_once(utt, LIVE_NOTE)
            return False
        app = target.app if target is not None else ""
        heard = Heard(transcript.language or "", transcript.emotion or "", tuple(transcript.events), app)
        cancel = threading.Event()
        guard = QTimer(self, singleShot=True, interval=int(s.llm_timeout_s * 1000) + GUARD_MS)
        guard.timeout.connect(lambda: self._finish(utt, ModeResult(
            text, text, mode.name, False, timed_out(Endpoint(config.url), s.llm_timeout_s))))
        utt.ai_call = AiCall(mode.name, text, cancel, guard)
        self.co.popup.show_ai_mode(mode.name, describe(transcript))

        def work() -> None:  # the call's own thread: apply_mode never raises and returns in time
            result = apply_mode(text, mode, heard, config.endpoint(), timeout_s=s.llm_timeout_s,
                                min_words=s.ai_mode_min_words, vocabulary=tuple(config.vocabulary),
                                on_delta=lambda piece: self._delta.emit(utt, piece), cancel=cancel)
            self._result.emit(utt, result)

        thread = threading.Thread(target=work, name=f"ai-mode-{uid}", daemon=True)
        self.last_thread = thread
        guard.start()
        thread.start()
        log.info("utterance %d: AI mode %r at %s", uid, mode.name, config.url)
        return True

    @Slot(object, str)
    def _on_delta(self, utt: Utterance, piece: str) -> None:
        call = utt.ai_call
        if call is not None:
            call.so_far += piece
            self.co.popup.show_ai_text(call.so_far.strip())

    @Slot(object, object)
    def _on_result(self, utt: Utterance, result: ModeResult) -> None:
        self._finish(utt, result)

    def _finish(self, utt: Utterance, result: ModeResult) -> None:
        """The take's mode is through (first of: the answer, the guard): save, then let it go in."""
        call, utt.ai_call = utt.ai_call, None
        if call is None:
            return  # the guard or the answer came first, or the take was dropped
        uid = utt.uid
        call.guard.stop()
        call.cancel.set()
        utt.ai_result = result
        if utt.transcript is not None:
            utt.transcript = replace(utt.transcript, text=result.text)
        if result.error:
            log.warning("utterance %d: %s", uid, result.error)
        processed = result.text if result.ran else (call.so_far.strip() or None)
        try:
            self.co.transcript_log.processed(uid, result.mode, processed, result.error or "")
        except Exception as exc:  # the words as spoken are saved already; the answer is in the popup
            log.warning("the AI mode's answer could not be saved: %s", exc)
        self.co.post(lc.AiModeDone(uid))

    # ---- after ----

    @staticmethod
    def content(utt: Utterance, content: PopupContent) -> PopupContent:
        """The popup's result for take ``utt``: with the words as spoken and which mode ran, or
        why the words went in as spoken (an insertion note, e.g. the focus moved, comes first)."""
        result, once = utt.ai_result, utt.note
        if once:  # why no mode ran (said the first time only), after any insertion note
            content = replace(content, note=f"{content.note} {once}".strip())
        if result is None:
            return content
        if result.error:
            note = f"{content.note} {result.error}".strip()
            return replace(content, note=note, warning=True, mode=f"{result.mode} (not applied)")
        return replace(content, raw=result.raw, mode=result.mode)

    @staticmethod
    def drop(utt: Utterance) -> None:
        """Take ``utt`` ended without insertion: a call still running is cancelled."""
        call, utt.ai_call = utt.ai_call, None
        if call is not None:
            call.guard.stop()
            call.cancel.set()

    def _say_once(self, utt: Utterance, sentence: str) -> None:
        """``sentence`` in take ``utt``'s popup and a notice, the first time it applies only."""
        if sentence not in self._said:
            self._said.add(sentence)
            utt.note = sentence
            self.co.notify(sentence, False)
