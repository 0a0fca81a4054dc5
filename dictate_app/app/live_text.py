"""Live words (issue 24): one take's text while the key is still held, as shown, saved and
inserted piece by piece. Qt-free: the coordinator feeds it and carries out what it says.

The transcriber's :class:`~dictate_app.engine.incremental.Progress` has the closed segments
transcribed so far (final) and the open segment's speculative pass (provisional). Both pass
through the user's replacement rules here, so what the popup shows is what will be inserted.

Joining is never done here: the final text is the transcriber's own join of its pieces
(:func:`~dictate_app.engine.incremental.join_transcripts`, i.e.
:func:`dictate_app.engine.join.join_pieces`: spaces between Latin words, none between CJK), and the
provisional part is the whole text minus the final prefix. "Insert as I speak" inserts each
growth of the final text as one piece, seam included (" second sentence" after "first sentence",
"播放音乐" after "今天天气很好"), so the target ends up with exactly the text a take inserted whole
would have given. At release only what is left is inserted (:meth:`LiveTake.remainder`).

A piece that does not land (the focus moved, the paste failed) stops insertion as you speak for
that take: everything not inserted goes through the normal insertion at release, with its focus
check, so nothing is lost and nothing lands twice.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from dictate_app.app.popup_text import tag_labels
from dictate_app.engine.incremental import Progress
from dictate_app.engine.result import Transcript

Postprocess = Callable[[Transcript], Transcript]


@dataclass(frozen=True)
class LiveView:
    """What the popup and ``dictate-app status`` show while recording. ``provisional`` carries its
    own seam (a leading space between Latin words), so ``final + provisional`` is the text so far."""

    final: str = ""
    provisional: str = ""
    tags: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return self.final + self.provisional


class LiveTake:
    """One recording's live state. ``postprocess``: the replacement rules (as for the result)."""

    def __init__(self, postprocess: Postprocess = lambda transcript: transcript):
        self.postprocess = postprocess
        self.view = LiveView()
        self.final: Transcript | None = None  # the final part, rules applied (what the history holds)
        self.saved_text: str | None = None  # the final text last saved to the history
        self.sent = ""  # handed to the inserter (landed or in flight)
        self.landed = ""  # confirmed inserted
        self.stopped = False  # a piece did not land: the rest waits for the release

    def update(self, progress: Progress) -> LiveView:
        """Take the transcriber's progress; the new view."""
        final = self.postprocess(progress.final)
        whole = self.postprocess(progress.whole) if progress.provisional is not None else final
        self.final = final if final.is_speech else None
        final_text = final.text if final.is_speech else ""
        whole_text = whole.text if whole.is_speech else final_text
        # A rule rewriting across the seam would make the whole no longer start with the final
        # part: then only the final part is shown until the segment closes.
        provisional = whole_text[len(final_text):] if whole_text.startswith(final_text) else ""
        self.view = LiveView(final_text, provisional, tag_labels(whole) if whole.is_speech else ())
        return self.view

    def needs_saving(self) -> bool:
        """True when the final text differs from what the history holds (then call :meth:`saved`)."""
        return self.final is not None and self.final.text != self.saved_text

    def saved(self) -> None:
        self.saved_text = self.final.text if self.final is not None else None

    def next_piece(self) -> str:
        """The final text not yet handed to the inserter ("" when none, or after a failed piece).
        Only what the history holds is inserted: the history is written first."""
        if self.stopped or self.saved_text is None or not self.saved_text.startswith(self.sent):
            return ""
        return self.saved_text[len(self.sent):]

    def take_piece(self) -> str:
        """:meth:`next_piece`, now counted as sent."""
        piece = self.next_piece()
        self.sent += piece
        return piece

    def piece_done(self, piece: str, landed: bool) -> None:
        """The inserter's outcome for ``piece``; one that did not land stops live insertion."""
        if landed:
            self.landed += piece
        else:
            self.stopped = True
            self.sent = self.landed

    @property
    def inserted_any(self) -> bool:
        return bool(self.landed)

    def remainder(self, text: str) -> tuple[str, bool]:
        """What to insert at release for the take's final ``text`` (rules applied), and False when
        the text already inserted is not a prefix of it (a rule rewrote across a seam: the
        inserted words cannot be taken back, so the rest after the common part is inserted)."""
        if text.startswith(self.landed):
            return text[len(self.landed):], True
        return text[len(os.path.commonprefix([text, self.landed])):], False
