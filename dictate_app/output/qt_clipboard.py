"""The system clipboard through Qt, saved and restored with every format.

Qt's own clipboard needs no helper process (pyperclip's xclip backend leaves one behind that
holds the caller's stdout open and hangs pipelines). It must be used from the GUI thread, and the
event loop must run after ``set_text`` so that the target can fetch the data from us (X11).
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QClipboard, QGuiApplication

Snapshot = dict[str, bytes] | None


class QtClipboard:
    """:class:`dictate_app.output.clipboard.Clipboard` over ``QGuiApplication.clipboard()``."""

    def __init__(self, clipboard: QClipboard | None = None):
        self._clipboard = clipboard or QGuiApplication.clipboard()

    def save(self) -> Snapshot:
        """Copy every format's bytes now (the owner may change or vanish before we restore)."""
        data = self._clipboard.mimeData(QClipboard.Mode.Clipboard)
        if data is None or not data.formats():
            return None
        return {fmt: bytes(data.data(fmt).data()) for fmt in data.formats()}

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
