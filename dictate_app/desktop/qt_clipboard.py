"""The system clipboard through Qt, saved and restored with every format (the X11 backend's).

Qt's own clipboard needs no helper process (pyperclip's xclip backend leaves one behind that
holds the caller's stdout open and hangs pipelines). It must be used from the GUI thread, and the
event loop must run after ``set_text`` so that the target can fetch the data from us (X11).
Whether the *target* read the text is told by a read watch (on X11
:class:`dictate_app.desktop.x11.selection.SelectionWatch`); without one, it cannot be told.
"""

from __future__ import annotations

import logging
from typing import Protocol

from PySide6.QtCore import QByteArray, QMimeData
from PySide6.QtGui import QClipboard, QGuiApplication

from dictate_app.desktop.base import MANAGER_HINT, X11_PROTOCOL_TARGETS, Window

Snapshot = dict[str, bytes] | None
log = logging.getLogger(__name__)


class ReadWatch(Protocol):
    """Counts reads of our clipboard by the client of one window (see :meth:`QtClipboard.expect_reader`)."""

    def expect(self, window_id: int | None) -> None: ...

    def reads(self) -> int: ...


class QtClipboard:
    """:class:`dictate_app.desktop.base.Clipboard` over ``QGuiApplication.clipboard()``."""

    def __init__(self, clipboard: QClipboard | None = None, watch: ReadWatch | None = None):
        self._clipboard = clipboard or QGuiApplication.clipboard()
        self._watch = watch
        self._ours: QMimeData | None = None
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
        """Put ``text`` on the clipboard, marked so clipboard managers skip it (:data:`MANAGER_HINT`)."""
        self._ours = QMimeData()
        self._ours.setText(text)
        self._ours.setData(MANAGER_HINT[0], QByteArray(MANAGER_HINT[1]))
        self._clipboard.setMimeData(self._ours, QClipboard.Mode.Clipboard)  # Qt takes ownership
        if self._watch is not None:
            self._watch.expect(None)

    def release(self) -> None:
        """Swap our object for a plain copy of its text (at quit: a Python-made object still
        owned by Qt's clipboard when the interpreter shuts down crashed it)."""
        if self._ours is not None and self._clipboard.mimeData(QClipboard.Mode.Clipboard) is self._ours:
            self._clipboard.setText(self._ours.text(), QClipboard.Mode.Clipboard)
        self._ours = None

    def expect_reader(self, window: Window | None) -> None:
        """Count from now on only reads by ``window``'s application (called before the paste chord)."""
        if self._watch is not None:
            self._watch.expect(int(window.id) if window is not None else None)

    def fetched(self) -> int | None:
        """How often the expected reader has read our text (0: not yet), or None where that
        cannot be told: no read watch (other platforms' clipboards copy the data at once), or
        another program took the clipboard over before the read (a manager that re-owns it)."""
        if self._watch is None or self._ours is None:
            return None
        reads = self._watch.reads()
        if not reads and not self._clipboard.ownsClipboard():
            return None
        return reads

    def text(self) -> str:
        return self._clipboard.text(QClipboard.Mode.Clipboard)
