"""Clipboard save and restore through Qt keeps every format, not just text; transcripts carry the
clipboard-manager hint; reads count only through a read watch (X11's, tested on the bench)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData

from dictate_app.desktop.base import Window
from dictate_app.desktop.qt_clipboard import MANAGER_HINT, QtClipboard


@pytest.fixture(autouse=True)
def plain_clipboard_after(qapp):
    """Leave no Python-made QMimeData owned by Qt's clipboard: destroyed after the interpreter's
    shutdown, it crashed the test process at exit (the app swaps it at aboutToQuit: release())."""
    yield
    qapp.clipboard().clear()
    qapp.processEvents()


def test_every_format_survives_a_paste(qapp):
    system = qapp.clipboard()
    mime = QMimeData()
    mime.setText("old text")
    mime.setHtml("<b>old</b> text")
    mime.setData("image/png", b"\x89PNG\r\n\x1a\nfake-but-opaque-bytes")
    mime.setData("application/x-dictate-test", bytes(range(256)))
    system.setMimeData(mime)
    before = {fmt: bytes(system.mimeData().data(fmt).data()) for fmt in system.mimeData().formats()}

    clip = QtClipboard()
    snapshot = clip.save()
    clip.set_text("你好 😀")
    assert clip.text() == "你好 😀"
    clip.restore(snapshot)

    after = {fmt: bytes(system.mimeData().data(fmt).data()) for fmt in system.mimeData().formats()}
    assert after == before
    assert "image/png" in after and after["application/x-dictate-test"] == bytes(range(256))


def test_empty_clipboard_round_trip(qapp):
    qapp.clipboard().clear()
    clip = QtClipboard()
    snapshot = clip.save()
    assert snapshot is None
    clip.set_text("transient")
    clip.restore(snapshot)
    assert clip.text() == ""


class ForeignClipboard:
    """A QClipboard stand-in whose content lists X11 protocol targets, as Qt reports for a
    clipboard owned by another X client (seen with xsel: TIMESTAMP, MULTIPLE, TARGETS, DELETE, INCR)."""

    def __init__(self):
        self.mime = QMimeData()
        for target in ("TIMESTAMP", "MULTIPLE", "TARGETS", "DELETE", "INCR"):
            self.mime.setData(target, b"")
        self.mime.setData("text/plain", b"OLD-CLIP")

    def mimeData(self, mode=None):
        return self.mime


def test_x11_protocol_targets_are_never_saved(qapp):
    # Reading DELETE makes the owner empty its selection (ICCCM); replaying TARGETS is nonsense.
    snapshot = QtClipboard(ForeignClipboard()).save()
    assert snapshot == {"text/plain": b"OLD-CLIP"}


def test_reads_cannot_be_told_without_a_watch(qapp):
    # Only X11 reports reads (see tests/desktop/test_app_clipboard.py); elsewhere: a fixed delay.
    clip = QtClipboard()
    clip.set_text("x")
    assert clip.fetched() is None
    clip.release()
    assert qapp.clipboard().text() == "x"


def test_transcripts_carry_the_clipboard_manager_hint(qapp):
    QtClipboard().set_text("my pin is 4711")
    data = qapp.clipboard().mimeData()
    assert data.text() == "my pin is 4711"
    assert bytes(data.data(MANAGER_HINT[0]).data()) == b"secret"


class CountingWatch:
    def __init__(self):
        self.expected, self.count = "unset", 0

    def expect(self, window_id):
        self.expected, self.count = window_id, 0

    def reads(self):
        return self.count


def test_reads_are_those_of_the_expected_reader(qapp):
    watch = CountingWatch()
    clip = QtClipboard(watch=watch)
    clip.set_text("hello")
    assert watch.expected is None  # until the paste chord: nobody in particular
    clip.expect_reader(Window("4194311"))
    assert watch.expected == 4194311
    watch.count = 2
    assert clip.fetched() == 2
