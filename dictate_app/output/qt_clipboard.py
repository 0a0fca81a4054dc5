"""The system clipboard through Qt, saved and restored with every format.

Qt's own clipboard needs no helper process (pyperclip's xclip backend leaves one behind that
holds the caller's stdout open and hangs pipelines). It must be used from the GUI thread, and the
event loop must run after ``set_text`` so that the target can fetch the data from us (X11).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QClipboard, QGuiApplication

from dictate_app.output.clipboard import X11_PROTOCOL_TARGETS

Snapshot = dict[str, bytes] | None
log = logging.getLogger(__name__)


class _WatchedText(QMimeData):
    """Plain text that notes when it is read: Qt calls ``retrieveData`` when another program asks
    for the clipboard's content (an X11 SelectionRequest), on the GUI thread."""

    def __init__(self, text: str):
        super().__init__()
        self.setText(text)
        self.read = False

    def retrieveData(self, mimetype: str, preferred_type):  # noqa: N802 (Qt's name)
        self.read = True
        return super().retrieveData(mimetype, preferred_type)


class QtClipboard:
    """:class:`dictate_app.output.clipboard.Clipboard` over ``QGuiApplication.clipboard()``."""

    def __init__(self, clipboard: QClipboard | None = None):
        self._clipboard = clipboard or QGuiApplication.clipboard()
        self._ours: _WatchedText | None = None
        app = QGuiApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.release)

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
        self._ours = None
        if snapshot is None:
            self._clipboard.clear(QClipboard.Mode.Clipboard)
            return
        mime = QMimeData()
        for fmt, payload in snapshot.items():
            mime.setData(fmt, payload)
        self._clipboard.setMimeData(mime, QClipboard.Mode.Clipboard)

    def set_text(self, text: str) -> None:
        self._ours = _WatchedText(text)
        self._clipboard.setMimeData(self._ours, QClipboard.Mode.Clipboard)  # Qt takes ownership

    def release(self) -> None:
        """Swap our watching object for a plain copy of its text (at quit: a Python object
        still owned by Qt's clipboard when the interpreter shuts down crashes it)."""
        if self._ours is not None and self._clipboard.mimeData(QClipboard.Mode.Clipboard) is self._ours:
            self._clipboard.setText(self._ours.text(), QClipboard.Mode.Clipboard)
        self._ours = None

    def fetched(self) -> bool | None:
        """True once another program has read the text of the last :meth:`set_text`.

        None where reads cannot be seen: platforms whose clipboard copies the data at once
        (Windows, macOS) never call back, so there a fixed delay applies.
        """
        if self._ours is None or QGuiApplication.platformName() != "xcb":
            return None
        try:
            return self._ours.read
        except RuntimeError:  # the clipboard was replaced and Qt deleted our object: it was read or lost
            return True

    def text(self) -> str:
        return self._clipboard.text(QClipboard.Mode.Clipboard)
