"""The Windows clipboard, pure Win32 through the adapter (:class:`dictate_app.desktop.base.Clipboard`).

Why not Qt's clipboard (as X11 does): QClipboard on Windows goes through OLE with Qt's own hidden
window, so Dictate cannot offer a format by delayed rendering there nor see who asks for it; and
Qt lists a foreign clipboard only in the formats it can convert, so a save through it loses the
rest. Here:

- **Read detection** (Handy's "reliable paste"): the transcript is offered as ``CF_UNICODETEXT``
  with no data (delayed rendering); the first application that asks for it makes Windows *send*
  our window ``WM_RENDERFORMAT``, and that is the read. The reader is the window that has the
  clipboard open (``GetOpenClipboardWindow``): a read by another process than the target's (a
  clipboard manager) is not the target's, and since the text is then rendered, later reads cannot
  be seen: ``fetched()`` says None (cannot tell) and the inserter falls back to its delay. A reader
  without an open window cannot be named and counts as the target's, as Handy counts every read.
  ``GetClipboardSequenceNumber`` (re-read after our own render) guards all of it: once another
  program changed the clipboard, nothing is counted and the old clipboard is *not* restored over
  the user's new copy.
- **Which thread**: the owner window is a message-only window made on the GUI thread
  (``make_clipboard`` runs there). WM_RENDERFORMAT is a *sent* message, which Windows delivers to
  the window procedure inside the thread's PeekMessage/GetMessage, so Qt's event loop serves it
  with no Qt involvement (a Qt native event filter sees only *posted* messages and Qt's own
  windows, so it could not). The inserter never sleeps, so the loop runs while the target reads.
  While retrying a clipboard another program holds open, sent messages are pumped, so a reader
  blocked on our render is never dead-locked by our wait.
- **Save and restore every format**: each format is copied as bytes (every HGLOBAL format,
  registered ones included; ``CF_ENHMETAFILE`` through its bits). Handle formats that are not
  memory (``CF_BITMAP``, ``CF_PALETTE``, ``CF_METAFILEPICT``, owner-display, private and GDI
  ranges) are skipped: Windows synthesises ``CF_BITMAP``/``CF_PALETTE`` from ``CF_DIB`` and
  ``CF_METAFILEPICT`` from ``CF_ENHMETAFILE``, which are saved. Owner-display content cannot be
  saved by anyone.
- **Privacy**: with the transcript go ``ExcludeClipboardContentFromMonitorProcessing``,
  ``CanIncludeInClipboardHistory`` = 0 and ``CanUploadToCloudClipboard`` = 0 (DWORDs), so Windows
  clipboard history (Win+V), cloud sync and monitors that honour them skip it; and
  ``Clipboard Viewer Ignore``, which Ditto and CopyQ skip.
- At quit, WM_RENDERALLFORMATS renders a transcript nobody read yet, so it survives us.

Written against the documentation (learn.microsoft.com "Clipboard Operations", "Using the
Clipboard", "Clipboard Formats", "Cloud Clipboard and Clipboard History Formats"); never run on Windows.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from dictate_app.desktop.base import InsertError, Window

log = logging.getLogger(__name__)

CF_UNICODETEXT, CF_BITMAP, CF_METAFILEPICT, CF_PALETTE = 13, 2, 3, 9
CF_OWNERDISPLAY, CF_DSPBITMAP, CF_DSPMETAFILEPICT, CF_DSPENHMETAFILE = 0x80, 0x82, 0x83, 0x8E
WM_RENDERFORMAT, WM_RENDERALLFORMATS, WM_DESTROYCLIPBOARD = 0x0305, 0x0306, 0x0307
# Formats whose data is a GDI or private handle, not memory: never saved (see the module docstring).
HANDLE_FORMATS = frozenset({CF_BITMAP, CF_METAFILEPICT, CF_PALETTE, CF_OWNERDISPLAY, CF_DSPBITMAP,
                            CF_DSPMETAFILEPICT, CF_DSPENHMETAFILE})
PRIVACY_FORMATS = (("ExcludeClipboardContentFromMonitorProcessing", b"\0\0\0\0"),
                   ("CanIncludeInClipboardHistory", b"\0\0\0\0"),
                   ("CanUploadToCloudClipboard", b"\0\0\0\0"),
                   # The older convention of third-party clipboard managers (Ditto, CopyQ): presence is enough.
                   ("Clipboard Viewer Ignore", b""))
OPEN_ATTEMPTS = 10
OPEN_RETRY_S = 0.02


def saveable(fmt: int) -> bool:
    """Whether a format's data is memory we can copy (not a GDI/private handle)."""
    return fmt not in HANDLE_FORMATS and not 0x200 <= fmt <= 0x3FF


@dataclass(frozen=True)
class Snapshot:
    """The clipboard's formats in their order, each with its bytes."""

    formats: tuple[tuple[int, bytes], ...]


class Win32Clipboard:
    """The clipboard through the adapter; make it on the GUI thread (its window lives there)."""

    def __init__(self, api):
        self.api = api
        self.hwnd = api.create_message_window(self._window)
        self._privacy = [(api.register_format(name), data) for name, data in PRIVACY_FORMATS]
        self._text: str | None = None  # our transcript while it is on the clipboard
        self._seq: int | None = None
        self._reader_pid: int | None = None
        self.reads = 0
        self.others = 0  # renders for another process (a clipboard manager) since expect_reader()

    # --- the owner window (GUI thread, inside Qt's event loop) ----------------------------------
    def _window(self, hwnd: int, msg: int, wparam: int, lparam: int) -> int | None:
        if msg == WM_RENDERFORMAT:
            self._render(wparam)
            return 0
        if msg == WM_RENDERALLFORMATS:
            # Quitting with a transcript nobody read: render it so it outlives us (the docs' way:
            # open, render only if we still own it, close).
            if self._text is not None and self.api.open_clipboard(self.hwnd):
                try:
                    if self.api.clipboard_owner() == self.hwnd:
                        self.api.set_data(CF_UNICODETEXT, _utf16(self._text))
                finally:
                    self.api.close_clipboard()
            return 0
        if msg == WM_DESTROYCLIPBOARD:
            self._text = None  # someone emptied the clipboard: it is no longer ours
            return 0
        return None

    def _render(self, fmt: int) -> None:
        """A reader asked for our delayed format (the clipboard is open by the reader: no Open here)."""
        if fmt != CF_UNICODETEXT or self._text is None:
            return
        ours = self._seq is not None and self.api.sequence_number() == self._seq
        self.api.set_data(CF_UNICODETEXT, _utf16(self._text))
        self._seq = self.api.sequence_number() if ours else self._seq  # our own render is no change
        if not ours:
            return
        opener = self.api.open_clipboard_window()
        pid = self.api.window_pid(opener) if opener else None
        if self._reader_pid is None or pid is None or pid == self._reader_pid:
            self.reads += 1
        else:
            self.others += 1
            log.debug("clipboard read by process %s, not the target's %s", pid, self._reader_pid)

    # --- Clipboard -----------------------------------------------------------------------------
    def _open(self) -> None:
        for attempt in range(OPEN_ATTEMPTS):
            if self.api.open_clipboard(self.hwnd):
                return
            # Another program has it open; it may be waiting for our render, so serve that first.
            self.api.pump_sent_messages()
            if attempt + 1 < OPEN_ATTEMPTS:
                time.sleep(OPEN_RETRY_S)
        raise InsertError("Another program keeps the clipboard open, so Dictate cannot use it: try again, "
                          "or close the program that holds it (a clipboard tool).")

    def _ours(self) -> bool:
        """Our transcript is still what the clipboard holds (nobody changed it since)."""
        return self._text is not None and self._seq is not None and self.api.sequence_number() == self._seq

    def save(self) -> Snapshot | None:
        """Every saveable format's bytes, in order; our own unread transcript as its text."""
        if self._ours():
            return Snapshot(((CF_UNICODETEXT, _utf16(self._text or "")),))
        self._open()
        try:
            formats = []
            for fmt in self.api.enum_formats():
                if not saveable(fmt):
                    continue
                data = self.api.get_data(fmt)
                if data is not None:
                    formats.append((fmt, data))
        finally:
            self.api.close_clipboard()
        log.debug("clipboard saved: %s", {fmt: len(data) for fmt, data in formats})
        return Snapshot(tuple(formats)) if formats else None

    def restore(self, snapshot: Snapshot | None) -> None:
        """Put the saved formats back, unless another program changed the clipboard since our
        transcript went there (the user copied something new: that stays)."""
        if self._seq is not None and not self._ours():
            log.info("the clipboard changed since the transcript was set: not restoring over it")
            self._text = self._seq = None
            return
        self._open()
        try:
            self.api.empty_clipboard()
            self._text = self._seq = None
            for fmt, data in (snapshot.formats if snapshot else ()):
                if not self.api.set_data(fmt, data):
                    log.warning("clipboard format %s could not be restored", fmt)
        finally:
            self.api.close_clipboard()

    def set_text(self, text: str) -> None:
        """Offer ``text`` by delayed rendering, marked to stay out of history and cloud sync."""
        self._open()
        try:
            self.api.empty_clipboard()  # we own it now (our previous transcript gets WM_DESTROYCLIPBOARD)
            self._text = text
            self.api.set_data(CF_UNICODETEXT, None)
            for fmt, data in self._privacy:
                self.api.set_data(fmt, data)
        finally:
            self.api.close_clipboard()
        self._seq = self.api.sequence_number()
        self._reader_pid, self.reads, self.others = None, 0, 0

    def expect_reader(self, window: Window | None) -> None:
        """Count from now on only reads by ``window``'s process (called before the paste chord)."""
        self._reader_pid = window.pid if window is not None else None
        self.reads = self.others = 0

    def fetched(self) -> int | None:
        """How often the target has read the transcript (0: not yet); None when that cannot be
        told any more: another program read it first (later reads are invisible once rendered),
        or changed the clipboard."""
        if not self._ours() or self.others:
            return None
        return self.reads

    def text(self) -> str:
        if self._ours():
            return self._text or ""
        self._open()
        try:
            data = self.api.get_data(CF_UNICODETEXT) or b""
        finally:
            self.api.close_clipboard()
        return data.decode("utf-16-le", "replace").split("\0", 1)[0]

    def close(self) -> None:
        """Destroy the owner window (Windows then sends WM_RENDERALLFORMATS to it first)."""
        self.api.destroy_window(self.hwnd)


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le") + b"\0\0"
