"""The coordinator's record keeper: saves each utterance in the history before it is inserted,
then records how the insertion went, and tells the history window about both.

It has the coordinator's ``transcript_log`` shape (``append(transcript, target=, uid=, audio=)``),
so the coordinator needs no history knowledge; the shell connects ``Coordinator.finished`` to
:meth:`finished`. Audio is stored only while the ``history_audio`` setting ("keep audio") is on,
read at each save from the live settings given at construction.

Live words (issue 24): :meth:`progress` writes a take's text so far while it is being dictated,
into one row per take (created "recording" at its first closed segment, then updated), and
:meth:`append` at release rewrites that same row. A take cancelled with Esc leaves no row, unless
words of it were already inserted as spoken (then the row says what was typed).

AI modes (issue 25): :meth:`processed` adds a take's AI mode answer (or why there is none) to the
row saved with its words as spoken, before the text is inserted.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal, Slot

from dictate_app.engine.result import Transcript
from dictate_app.store.history import History, HistoryError
from dictate_app.store.settings import DEFAULTS

log = logging.getLogger(__name__)


class HistoryRecorder(QObject):
    """``saved(history_id)`` after each save, ``updated(history_id)`` after the insertion result."""

    saved = Signal(int)
    updated = Signal(int)

    def __init__(self, history: History, settings=DEFAULTS, parent: QObject | None = None):
        super().__init__(parent)
        self.history = history
        self._settings = settings
        self._ids: dict[int, int] = {}  # coordinator uid -> history id

    @property
    def keeps_audio(self) -> bool:
        """Whether takes are saved with their audio (the history_audio setting, now)."""
        return self._settings.history_audio

    def append(self, transcript: Transcript, *, target: str | None = None, uid: int | None = None,
               audio=None) -> int:
        """Save (committed on return). Raises :class:`HistoryError` if the disk refuses."""
        audio = audio if self.keeps_audio else None
        hid = self._ids.get(uid) if uid is not None else None
        # The take's row, written as it went (unless the user deleted it meanwhile: a new one).
        if hid is not None and self.history.update(hid, transcript, audio=audio, status="pending"):
            self.updated.emit(hid)
            return hid
        hid = self.history.add(transcript, target=target, audio=audio)
        if uid is not None:
            self._ids[uid] = hid
        self.saved.emit(hid)
        return hid

    def progress(self, transcript: Transcript, *, target: str | None = None, uid: int) -> int:
        """Save take ``uid``'s text so far: its row is created at the first call, then rewritten.
        Committed on return; raises :class:`HistoryError` if the disk refuses."""
        hid = self._ids.get(uid)
        if hid is not None and self.history.update(hid, transcript):
            self.updated.emit(hid)
            return hid
        hid = self._ids[uid] = self.history.add(transcript, target=target, status="recording")
        self.saved.emit(hid)
        return hid

    def processed(self, uid: int, mode: str, processed: str | None, error: str = "") -> None:
        """Take ``uid``'s AI mode ``mode`` answered ``processed`` (None: nothing), or fell back
        because of ``error``. Committed on return; raises :class:`HistoryError` if the disk refuses."""
        hid = self._ids.get(uid)
        if hid is not None and self.history.set_processed(hid, mode, processed, error):
            self.updated.emit(hid)

    @Slot(int, object)
    def finished(self, uid: int, details: dict) -> None:
        """The coordinator's ``finished(uid, details)``: store the insertion result."""
        hid = self._ids.pop(uid, None)
        if hid is None:
            return  # dropped before it was saved (no speech, too short, cancelled)
        try:
            if details.get("status") == "cancelled" and not details.get("inserted_live"):
                self.history.delete([hid])  # thrown away with Esc: its words so far go too
                self.updated.emit(hid)
                return
            self.history.set_result(hid, details.get("status", "unknown"), details.get("method"),
                                    details.get("message", ""))
        except HistoryError as exc:
            log.warning("%s", exc)
            return
        self.updated.emit(hid)
