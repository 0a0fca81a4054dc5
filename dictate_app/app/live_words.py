"""Live words in the running app (issue 24): the coordinator's helper for takes transcribed as
they go. Runs on the GUI thread, called by the :class:`~dictate_app.app.coordinator.Coordinator`
(which owns the lifecycle); what to show and insert is decided by :mod:`dictate_app.app.live_text`.

For each change of a take's text so far (the transcriber's ``on_progress``, hopped to the GUI
thread by the coordinator), :meth:`LiveWords.progress`:

1. shows the words in the popup (final plain, provisional grey);
2. saves the final part in the take's history row (created at the first closed segment, rewritten
   as segments close: a crash mid-take keeps what was transcribed by then);
3. with "insert as I speak" on, posts ``LivePiece``: the lifecycle answers with ``InsertLive``
   when the insertion slot is free, and :meth:`insert_piece` inserts the saved final text not yet
   inserted, with the same focus check as a whole take. Never text that is not saved yet.
"""

from __future__ import annotations

import logging
from typing import Any

from dictate_app import lifecycle as lc
from dictate_app.app.live_text import LiveTake, LiveView
from dictate_app.errors import DictateError
from dictate_app.output.strategy import InsertOutcome, Method

log = logging.getLogger(__name__)


class LiveWords:
    """The live takes of one coordinator, by utterance number, from key-down to insertion."""

    def __init__(self, coordinator: Any):
        self.co = coordinator
        self._takes: dict[int, LiveTake] = {}

    def begin(self, uid: int) -> None:
        """Take ``uid`` is transcribed as it goes (an incremental session feeds it)."""
        self._takes[uid] = LiveTake(self.co.postprocess)

    def follows(self, uid: int) -> bool:
        return uid in self._takes

    def end(self, uid: int) -> bool:
        """Forget take ``uid`` (inserted or dropped); True when words of it were inserted already,
        or are being inserted (a piece in flight at Esc still lands)."""
        sent = self.inserted_any(uid)
        self._takes.pop(uid, None)
        return sent

    def inserted_any(self, uid: int) -> bool:
        """Words of take ``uid`` went (or are going) into the target while it was dictated."""
        take = self._takes.get(uid)
        return take is not None and bool(take.sent)

    def view(self) -> LiveView | None:
        """The words so far of the take being recorded (None: none, or not a live take)."""
        rec = self.co.state.recording
        take = self._takes.get(rec.uid) if rec is not None else None
        return take.view if take is not None else None

    def progress(self, uid: int) -> None:
        """Take ``uid``'s text so far may have changed: show, save, and offer a piece to insert."""
        co = self.co
        take, session, rec = self._takes.get(uid), co._sessions.get(uid), co.state.recording
        if take is None or session is None or rec is None or rec.uid != uid:
            return  # released (the result view takes over) or dropped
        co.popup.show_live(take.update(session.so_far()))
        if take.needs_saving():
            target = co._targets.get(uid)
            try:  # saved before any of it is inserted, as a whole take is
                co.transcript_log.progress(take.final, target=(target.describe() or None) if target else None,
                                           uid=uid)
            except (OSError, DictateError) as exc:
                log.warning("the words so far could not be saved: %s", exc)  # said again at release
                return
            take.saved()
        if co.settings.insert_live and take.next_piece():
            co.post(lc.LivePiece(uid))

    def insert_piece(self, uid: int) -> None:
        """The lifecycle's ``InsertLive``: insert the saved words of ``uid`` not inserted yet."""
        co = self.co
        take = self._takes.get(uid)
        piece = take.take_piece() if take is not None else ""
        if not piece:  # dropped meanwhile: free the insertion slot
            co.post(lc.Inserted(uid))
            return
        # A piece of a take still being dictated: no per-app Enter after it (PerAppInserter).
        insert = getattr(co.inserter, "insert_piece", co.inserter.insert)
        insert(piece, co._targets.get(uid), Method(co.settings.insert_method), lambda outcome: self._piece_done(uid, piece, outcome))

    def _piece_done(self, uid: int, piece: str, outcome: InsertOutcome) -> None:
        take = self._takes.get(uid)
        if take is not None:
            take.piece_done(piece, outcome.inserted)
        if not outcome.inserted:
            log.info("utterance %d: a piece was not inserted (%s); the rest waits for the release",
                     uid, outcome.message or outcome.status)
        self.co.post(lc.Inserted(uid))

    def remainder(self, uid: int, text: str) -> str:
        """What is left of take ``uid``'s final ``text`` to insert at release (all of it unless
        words were inserted as spoken)."""
        take = self._takes.get(uid)
        if take is None or not take.inserted_any:
            return text
        rest, whole = take.remainder(text)
        if not whole:
            log.warning("utterance %d: the replacement rules changed words already inserted", uid)
        return rest
