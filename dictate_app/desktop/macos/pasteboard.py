"""The macOS general pasteboard: every item and type saved and restored, the transcript offered as
a promise whose read proves the paste, and marked so clipboard managers skip it.

Written against the documentation (``NSPasteboard``, ``NSPasteboardItem``,
``NSPasteboardItemDataProvider``, nspasteboard.org's markers); never run on macOS. OS calls are the
adapter's (:mod:`dictate_app.desktop.macos.quartz`).

Read detection, decided: the transcript's text type is *promised* (a data provider) and the
provider's callback counts the read, guarded by ``changeCount`` (the read counts only while the
pasteboard is still the one we wrote) - Handy's "reliable paste". ``changeCount`` plus ownership
alone (VoiceInk) tells that nobody replaced the pasteboard, never that the target read it, so
VoiceInk restores after a fixed 0.25 s; a slow target then pastes the *old* clipboard (issue 20).
The provider cannot name the reader, so:

- reads before the paste chord (``expect_reader``) are not the target's; AppKit caches provided data,
  so after such an early read the target's own read is never seen: ``fetched()`` is then None
  (cannot tell) and the inserter falls back to its fixed delay instead of reporting "not pasted";
- clipboard managers that honour ``org.nspasteboard.ConcealedType`` / ``TransientType`` (Maccy,
  Paste, Raycast...) look at the types and never ask for the data; one that ignores them and reads
  after the chord would be counted as the target (not seen by any test here).

Restore: only while the pasteboard is still ours (``changeCount`` unchanged since our write); if
the user or another app copied something meanwhile, that newer content stays.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from dictate_app.desktop.base import Window

log = logging.getLogger(__name__)

TEXT = "public.utf8-plain-text"
CONCEALED = "org.nspasteboard.ConcealedType"
TRANSIENT = "org.nspasteboard.TransientType"
SOURCE = "org.nspasteboard.source"
BUNDLE_ID = "io.github.dictate-app"  # packaging/dictate.spec's bundle_identifier


@dataclass(frozen=True)
class Snapshot:
    """Every pasteboard item as (type, bytes) pairs, in order."""

    items: tuple[tuple[tuple[str, bytes], ...], ...]


class MacPasteboard:
    """:class:`dictate_app.desktop.base.Clipboard` over the adapter's pasteboard calls."""

    def __init__(self, adapter):
        self.adapter = adapter
        self._text: str | None = None
        self._count = -1
        self._expecting = False
        self._early = False
        self._reads = 0
        self._own_read = False

    def save(self) -> Snapshot | None:
        """Copy every item's every type now (the owner may quit before we restore)."""
        items = self.adapter.pb_items()
        if not items:
            return None
        return Snapshot(tuple(tuple(entries) for entries in items))

    def _ours(self) -> bool:
        return self._text is not None and self.adapter.pb_change_count() == self._count

    def restore(self, snapshot: Snapshot | None) -> None:
        """Put the saved items back (none: empty), unless someone replaced our pasteboard meanwhile."""
        if self._text is not None and not self._ours():
            log.info("the pasteboard changed since the transcript was put there: not restoring over it")
        else:
            self.adapter.pb_write([list(entries) for entries in snapshot.items] if snapshot else [])
        self._text = None

    def set_text(self, text: str) -> None:
        """Offer ``text`` as a promise, with the concealed/transient markers and our bundle id."""
        self._text, self._reads, self._expecting, self._early = text, 0, False, False
        eager = [(CONCEALED, b""), (TRANSIENT, b""), (SOURCE, BUNDLE_ID.encode())]
        self._count = self.adapter.pb_write_promise(eager, [TEXT], self._provide)

    def _provide(self, pb_type: str) -> bytes:
        """The data provider's callback: a reader asked for the text (on the main thread)."""
        text = self._text or ""
        if not self._own_read and self.adapter.pb_change_count() == self._count:
            if self._expecting:
                self._reads += 1
            else:
                self._early = True  # AppKit keeps this data: the target's read will not be seen
        return text.encode("utf-8")

    def expect_reader(self, window: Window | None) -> None:
        """From now on a read is the target's (the provider does not say who reads)."""
        self._expecting = True

    def fetched(self) -> int | None:
        """Reads since the chord (0: not yet), or None when that cannot be told (nothing set,
        the pasteboard replaced, or read before the chord)."""
        if self._text is None or self._early or not self._ours():
            return None
        return self._reads

    def text(self) -> str:
        self._own_read = True
        try:
            for entries in self.adapter.pb_items():
                for pb_type, payload in entries:
                    if pb_type == TEXT:
                        return payload.decode("utf-8", "replace")
        finally:
            self._own_read = False
        return ""

    def release(self) -> None:
        """At quit: a promise dies with its process, so a transcript still on the pasteboard is
        written out as plain data (markers kept)."""
        if self._ours():
            self.adapter.pb_write([[(TEXT, self._text.encode("utf-8")), (CONCEALED, b""), (TRANSIENT, b""),
                                    (SOURCE, BUNDLE_ID.encode())]])
        self._text = None
