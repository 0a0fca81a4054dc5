"""Live words in the running app (issue 24): the coordinator's helper for takes transcribed as
they go. Runs on the GUI thread, called by the :class:`~dictate_app.app.coordinator.Coordinator`
(which owns the lifecycle); what to show and insert is decided by :mod:`dictate_app.app.live_text`.

A take's live state (a :class:`~dictate_app.app.live_text.LiveTake`) is kept on its
:class:`~dictate_app.app.utterance.Utterance` record (``live``), which the coordinator hands in.
For each change of a take's text so far (the ASR worker's ``progress``, hopped to the GUI thread
by the coordinator), :meth:`LiveWords.progress`:

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
from dictate_app.app.utterance import Utterance
from dictate_app.engine.incremental import Progress
from dictate_app.errors import DictateError
from dictate_app.output.strategy import InsertOutcome, Method

log = logging.getLogger(__name__)


class LiveWords:
    """The live takes of one coordinator ``co`` (its popup, history, inserter, settings and
    lifecycle), from key-down to insertion; each take's state is on its record."""

    def __init__(self, coordinator: Any):
        self.co = coordinator

    def begin(self, utt: Utterance) -> None:
        """Take ``utt`` is transcribed as it goes (the worker feeds it)."""
        utt.live = LiveTake(self.co.postprocess)

    def end(self, utt: Utterance) -> bool:
        """Forget take ``utt``'s live state (inserted or dropped); True when words of it were
        inserted already, or are being inserted (a piece in flight at Esc still lands)."""
        sent = self.inserted_any(utt)
        utt.live = None
        return sent

    @staticmethod
    def inserted_any(utt: Utterance) -> bool:
        """Words of take ``utt`` went (or are going) into the target while it was dictated."""
        return utt.live is not None and bool(utt.live.sent)

    def view(self) -> LiveView | None:
        """The words so far of the take being recorded (None: none, or not a live take)."""
        rec = self.co.state.recording
        utt = self.co.utterances.get(rec.uid) if rec is not None else None
        return utt.live.view if utt is not None and utt.live is not None else None

    def progress(self, utt: Utterance, progress: Progress) -> None:
        """Take ``utt``'s text so far may have changed: show, save, and offer a piece to insert."""
        co = self.co
        take, rec = utt.live, co.state.recording
        if take is None or rec is None or rec.uid != utt.uid:
            return  # released (the result view takes over) or dropped
        co.popup.show_live(take.update(progress))
        if take.needs_saving():
            try:  # saved before any of it is inserted, as a whole take is
                co.transcript_log.progress(take.final, target=utt.app, uid=utt.uid)
            except (OSError, DictateError) as exc:
                log.warning("the words so far could not be saved: %s", exc)  # said again at release
                return
            take.saved()
        if co.settings.insert_live and take.next_piece():
            co.post(lc.LivePiece(utt.uid))

    def insert_piece(self, uid: int, utt: Utterance | None) -> None:
        """The lifecycle's ``InsertLive`` for take ``uid`` (``utt``: its record, None once it
        ended): insert its saved words not inserted yet."""
        co = self.co
        take = utt.live if utt is not None else None
        piece = take.take_piece() if take is not None else ""
        if not piece:  # dropped meanwhile: free the insertion slot
            co.post(lc.Inserted(uid))
            return
        # A piece of a take still being dictated: no per-app Enter after it (PerAppInserter).
        co.inserter.insert_piece(piece, utt.target, Method(co.settings.insert_method),
                                 lambda outcome: self._piece_done(utt, piece, outcome))

    def _piece_done(self, utt: Utterance, piece: str, outcome: InsertOutcome) -> None:
        if utt.live is not None:
            utt.live.piece_done(piece, outcome.inserted)
        if not outcome.inserted:
            log.info("utterance %d: a piece was not inserted (%s); the rest waits for the release",
                     utt.uid, outcome.message or outcome.status)
        self.co.post(lc.Inserted(utt.uid))

    @staticmethod
    def remainder(utt: Utterance, text: str) -> str:
        """What is left of take ``utt``'s final ``text`` to insert at release (all of it unless
        words were inserted as spoken)."""
        take = utt.live
        if take is None or not take.inserted_any:
            return text
        rest, whole = take.remainder(text)
        if not whole:
            log.warning("utterance %d: the replacement rules changed words already inserted", utt.uid)
        return rest
