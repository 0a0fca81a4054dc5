"""The system clipboard through Qt, saved and restored with every format.

Qt's own clipboard needs no helper process (pyperclip's xclip backend leaves one behind that
holds the caller's stdout open and hangs pipelines). It must be used from the GUI thread, and the
event loop must run after ``set_text`` so that the target can fetch the data from us (X11).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QClipboard, QGuiApplication

Snapshot = dict[str, bytes] | None
log = logging.getLogger(__name__)

# X11 selection targets that are protocol, not content (ICCCM 2.6.2). Qt lists them among the
# formats of a foreign clipboard. Asking for DELETE or INSERT_* makes the owner *act* (xsel
# empties its selection on DELETE: the user's clipboard was destroyed by our save), and the rest
# are metadata that a restore must not replay.
X11_PROTOCOL_TARGETS = frozenset({
    "TARGETS", "MULTIPLE", "TIMESTAMP", "DELETE", "INCR", "SAVE_TARGETS",
    "INSERT_SELECTION", "INSERT_PROPERTY",
})


class QtClipboard:
    """:class:`dictate_app.output.clipboard.Clipboard` over ``QGuiApplication.clipboard()``."""

    def __init__(self, clipboard: QClipboard | None = None):
        self._clipboard = clipboard or QGuiApplication.clipboard()

    def save(self) -> Snapshot:
        """Copy every content format's bytes now (the owner may change or vanish before we
        restore); X11 protocol targets are skipped, see :data:`X11_PROTOCOL_TARGETS`."""
        data = self._clipboard.mimeData(QClipboard.Mode.Clipboard)
        if data is None or not data.formats():
            log.debug("clipboard empty at save")
            return None
        snapshot = {fmt: bytes(data.data(fmt).data()) for fmt in data.formats()
                    if fmt not in X11_PROTOCOL_TARGETS}
        log.debug("clipboard saved: %s", {fmt: len(payload) for fmt, payload in snapshot.items()})
        return snapshot

    def restore(self, snapshot: Snapshot) -> None:
        """Put the saved formats back; an empty snapshot leaves the clipboard empty again."""
        if snapshot is None:
            self._clipboard.clear(QClipboard.Mode.Clipboard)
            return
        mime = QMimeData()
        for fmt, payload in snapshot.items():
            mime.setData(fmt, payload)
        self._clipboard.setMimeData(mime, QClipboard.Mode.Clipboard)

    def set_text(self, text: str) -> None:
        self._clipboard.setText(text, QClipboard.Mode.Clipboard)

    def text(self) -> str:
        return self._clipboard.text(QClipboard.Mode.Clipboard)
