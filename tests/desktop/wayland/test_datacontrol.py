"""The data-control clipboard against the fake compositor: the ext protocol (sway 1.7 has only the
wlr one, tested for real in tests/desktop/wayland), which reads count, a cancelled transcript,
the size limit, the checks. Exact bytes everywhere, as a foreign client reads them."""

from __future__ import annotations

import time

import pytest

from dictate_app.desktop import base
from dictate_app.desktop.wayland.datacontrol import (
    HINT_TYPE, TEXT_TYPES, ClipboardUnavailable, DataControlClipboard, Snapshot, clipboard_checks,
)
from dictate_app.desktop.wayland.wire import Global
from tests.desktop.wayland.fake_compositor import FakeCompositor

RICH = {"text/html": b"<b>caf\xc3\xa9</b>", "text/plain": "café".encode(), "image/png": b"\x89PNG" + bytes(range(256)) * 40}
TRANSCRIPT = "你好 🙂 dictated"


@pytest.fixture
def board(fake):
    clipboard = DataControlClipboard(fake.path, type_timeout_s=0.3)
    yield clipboard
    clipboard.close()


def wait_for(check, what: str, timeout: float = 3.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def test_ext_is_preferred_and_its_primary_offer_is_destroyed(fake, board):
    assert board.protocol == "ext_data_control_manager_v1"
    assert [args[1][:2] for _, _, args, _ in fake.log("bind")] == [("wl_seat", 1), ("ext_data_control_manager_v1", 1)]
    board.save()  # a round trip: the device's first events have been handled
    destroyed = {object_id for interface, _, _, object_id in fake.log("destroy") if interface.endswith("offer_v1")}
    assert min(fake.offers) in destroyed  # the primary selection's offer, made first


def test_save_and_restore_every_type(fake, board):
    fake.set_foreign(RICH)
    snapshot = board.save()
    assert dict(snapshot.formats) == RICH and snapshot.types() == list(RICH)
    board.set_text(TRANSCRIPT)
    assert fake.types() == [*TEXT_TYPES, HINT_TYPE]
    assert {mime: fake.read(mime) for mime in TEXT_TYPES} == {mime: TRANSCRIPT.encode() for mime in TEXT_TYPES}
    assert fake.read(HINT_TYPE) == b"secret"
    board.restore(snapshot)
    assert fake.types() == list(RICH)
    assert {mime: fake.read(mime) for mime in RICH} == RICH


def test_save_while_we_own_the_clipboard_asks_nobody(fake, board):
    board.set_text(TRANSCRIPT)
    before = len(fake.log("receive"))
    assert dict(board.save().formats)["text/plain;charset=utf-8"] == TRANSCRIPT.encode()
    assert board.text() == TRANSCRIPT
    assert len(fake.log("receive")) == before


def test_an_empty_clipboard_restores_to_empty(fake, board):
    snapshot = board.save()
    assert snapshot == Snapshot()
    board.set_text(TRANSCRIPT)
    board.restore(snapshot)
    assert fake.types() == [] and board.text() == ""
    assert fake.log("set_selection")[-1][2] == [0]


def test_a_silent_type_is_skipped_after_the_timeout(fake, board):
    fake.set_foreign({"text/html": b"<i>x</i>", "text/plain": None})
    t0 = time.monotonic()
    snapshot = board.save()
    assert 0.3 <= time.monotonic() - t0 < 2
    assert snapshot == Snapshot((("text/html", b"<i>x</i>"),), ("text/plain",))


@pytest.mark.parametrize("big_first", [False, True])
def test_past_the_size_limit_the_biggest_types_are_dropped(fake, big_first):
    board = DataControlClipboard(fake.path, limit_bytes=100_000)
    offers = {"text/plain": b"small", "image/bmp": b"\0" * 300_000, "image/png": b"\1" * 10_000}
    try:
        fake.set_foreign(dict(reversed(offers.items())) if big_first else offers)
        snapshot = board.save()
        assert dict(snapshot.formats) == {"text/plain": b"small", "image/png": b"\1" * 10_000}
        assert snapshot.skipped == ("image/bmp",)
    finally:
        board.close()


def test_only_content_reads_after_expect_reader_count(fake, board):
    assert board.fetched() is None  # nothing set yet
    board.set_text(TRANSCRIPT)
    fake.read("text/plain;charset=utf-8")  # a clipboard manager, right away
    time.sleep(0.1)
    assert board.fetched() == 0
    board.expect_reader(None)
    fake.read(HINT_TYPE)
    time.sleep(0.1)
    assert board.fetched() == 0
    assert fake.read("UTF8_STRING") == TRANSCRIPT.encode()
    wait_for(lambda: board.fetched() == 1, "the read to count")
    assert fake.read("text/plain") == TRANSCRIPT.encode()  # a browser reads several types
    wait_for(lambda: board.fetched() == 2, "the second read to count")


def test_a_transcript_replaced_before_any_read_cannot_be_told(fake, board):
    fake.set_foreign({"text/plain": b"old"})
    snapshot = board.save()
    board.set_text(TRANSCRIPT)
    board.expect_reader(None)
    fake.set_foreign({"text/plain;charset=utf-8": "copied meanwhile".encode()})
    wait_for(lambda: board.fetched() is None, "the cancel")
    board.restore(snapshot)  # the user's new copy is not overwritten
    assert fake.types() == ["text/plain;charset=utf-8"]


def test_a_manager_that_takes_over_the_transcript_is_restored_over(fake, board):
    fake.set_foreign({"text/plain": b"old"})
    snapshot = board.save()
    board.set_text(TRANSCRIPT)
    fake.set_foreign({"text/plain;charset=utf-8": TRANSCRIPT.encode()})  # e.g. wl-clip-persist
    wait_for(lambda: board.fetched() is None, "the cancel")
    board.restore(snapshot)
    assert fake.read("text/plain") == b"old"


def test_checks_come_from_the_globals(board):
    rows = {row.capability: row for row in board.checks()}
    assert set(rows) == {"clipboard read detection", "clipboard-manager hint"}
    assert all(row.status == base.OK for row in rows.values())
    assert "ext_data_control_manager_v1 version 1" in rows["clipboard read detection"].detail
    gnome = clipboard_checks([Global(1, "wl_seat", 9), Global(2, "wl_data_device_manager", 3)])
    assert [(row.capability, row.status) for row in gnome] == [
        ("paste", base.UNSUPPORTED), ("clipboard read detection", base.UNSUPPORTED),
        ("clipboard-manager hint", base.UNSUPPORTED)]
    assert "no data-control protocol" in gnome[0].detail and "typing" in gnome[0].fix


def test_without_data_control_the_error_says_what_to_do(tmp_path):
    fake = FakeCompositor(tmp_path / "wayland-2", [("wl_seat", 7), ("wl_data_device_manager", 3)])
    try:
        with pytest.raises(ClipboardUnavailable, match="^This compositor offers no data-control protocol .*"
                                                       "choose typing as the insertion method.$"):
            DataControlClipboard(fake.path)
    finally:
        fake.close()
