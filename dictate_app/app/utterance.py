"""One take in the running app, from key-down to its end: the :class:`Utterance` record.

The :class:`~dictate_app.app.coordinator.Coordinator` holds one record per take in one dict (by
utterance number) while the take lives, and hands the record to its helpers: live words
(:mod:`dictate_app.app.live_words`) keep their state in ``live``, AI modes
(:mod:`dictate_app.app.ai_mode`) theirs in ``shift``/``ai_call``/``ai_result``/``note``. The pure
lifecycle (:mod:`dictate_app.lifecycle`) only numbers takes; the record holds what it numbers.
When a take ends (inserted, dropped, failed) its record leaves the dict: nothing of it is kept.

The incremental session (segments transcribed while the key is held) is not here: the ASR worker
owns it (:meth:`dictate_app.app.worker.AsrWorker.begin`), on the one thread that calls the engine.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # types only: the record is plain data
    import numpy as np

    from dictate_app.app.live_text import LiveTake
    from dictate_app.audio.recorder import Recording
    from dictate_app.desktop.base import Window
    from dictate_app.engine.result import Transcript
    from dictate_app.modes.run import ModeResult


@dataclass
class AiCall:
    """A take's AI mode call while the language model works (:mod:`dictate_app.app.ai_mode`)."""

    mode: str
    raw: str  # the words as spoken
    cancel: threading.Event  # set: the call's thread stops reading the answer
    guard: Any  # a single-shot QTimer past the call's own timeout (ai_mode.GUARD_MS)
    so_far: str = ""  # the answer streamed in so far


@dataclass(eq=False)
class Utterance:
    """One take. ``marks``: timestamps (ms) for the latency log and ``finished``'s details."""

    uid: int
    target: Window | None = None  # the window focused at key-down: the words go there
    marks: dict[str, float] = field(default_factory=dict)
    recording: Recording | None = None  # from the recorder's stop until it goes to the worker
    audio: np.ndarray | None = None  # the samples kept for the history row (its "keep audio")
    transcript: Transcript | None = None  # from the worker's result until inserted
    incremental: bool = False  # the worker transcribes its segments while the key is held
    live: LiveTake | None = None  # its words so far (live words), when transcribed as it goes
    # AI modes: Shift held at the press (the per-take choice), the call while it runs, how it
    # ended (until inserted), and a one-time note for its popup result.
    shift: bool = False
    ai_call: AiCall | None = None
    ai_result: ModeResult | None = None
    note: str = ""

    @property
    def app(self) -> str | None:
        """What the history and the per-app choices know of the target (None: nothing)."""
        return (self.target.describe() or None) if self.target is not None else None
