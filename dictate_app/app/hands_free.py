"""Hands-free takes in the running app: the recorder's pause reports, on the GUI thread, become
the popup's countdown and the lifecycle's :class:`~dictate_app.lifecycle.AutoStop`.

The decisions are :class:`dictate_app.audio.autostop.AutoStop`'s (pure); this is only the glue the
coordinator owns one of. The recorder calls the callback :meth:`HandsFree.arm` gives for one take
on its own thread after every block (``Recorder.start(on_pause=...)``); a queued signal carries it
here. Reports of a take that is no longer armed (stopped by hand, cancelled) are ignored.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot

from dictate_app import lifecycle as lc
from dictate_app.app.ports import PopupView
from dictate_app.audio.autostop import AutoStop


class HandsFree(QObject):
    """Arms auto-stop for one take at a time; ``post`` feeds the lifecycle, ``popup`` shows the
    countdown (``set_countdown``), ``clock`` gives the event time in ms."""

    _pause = Signal(int, float, bool)  # from the recorder's thread (queued to ours)

    def __init__(self, post: Callable[[lc.Event], None], popup: PopupView,
                 clock: Callable[[], float]) -> None:
        super().__init__()
        self._post, self._popup, self._clock = post, popup, clock
        self._armed: tuple[int, AutoStop] | None = None
        self._pause.connect(self._on_pause)

    def arm(self, uid: int, after_s: float) -> Callable[[float, bool], None]:
        """Take ``uid`` ends by itself after ``after_s`` of silence: the recorder's ``on_pause``."""
        self._armed = (uid, AutoStop(after_s))
        return lambda silence_s, speech_heard: self._pause.emit(uid, silence_s, speech_heard)

    @property
    def after_s(self) -> float | None:
        """The pause that ends the armed take (None: no take armed)."""
        return self._armed[1].after_s if self._armed is not None else None

    def disarm(self) -> None:
        """The take ended (or was dropped): no more countdown, late reports are ignored."""
        if self._armed is not None:
            self._armed = None
            self._popup.set_countdown(None)

    @Slot(int, float, bool)
    def _on_pause(self, uid: int, silence_s: float, speech_heard: bool) -> None:
        if self._armed is None or self._armed[0] != uid:
            return
        verdict = self._armed[1].check(silence_s, speech_heard)
        self._popup.set_countdown(verdict.countdown_s)
        if verdict.stop:
            self.disarm()
            self._post(lc.AutoStop(uid, self._clock(), verdict.no_speech))
