"""The macOS pasteboard over the recording double: every item and type saved and restored, the
transcript promised with the clipboard-manager markers, the read proved by the promise and guarded
by changeCount, and the inserter restoring only after the target's read."""

from __future__ import annotations

from dictate_app.desktop.base import Window
from dictate_app.desktop.macos.keyboard import MacKeyboard
from dictate_app.desktop.macos.pasteboard import BUNDLE_ID, CONCEALED, SOURCE, TEXT, TRANSIENT, MacPasteboard
from dictate_app.output.inserter import NOT_PASTED, Inserter
from dictate_app.output.strategy import Method
from tests.desktop.macos.double import FakeMac

OLD = [[(TEXT, b"OLD"), ("public.html", b"<b>OLD</b>"), ("com.example.private", b"\x00\x01")],
       [("public.png", b"\x89PNG")]]


def saved_then_set(text):
    """A pasteboard holding OLD, saved, then the transcript ``text`` put there."""
    mac = FakeMac()
    mac.items = [list(i) for i in OLD]
    board = MacPasteboard(mac)
    snapshot = board.save()
    board.set_text(text)
    return mac, board, snapshot


def test_save_and_restore_every_item_and_type():
    """Every pasteboard type of every item comes back byte for byte (not just the text)."""
    mac, board, snapshot = saved_then_set("hello")
    board.restore(snapshot)
    assert mac.calls[-1] == ("pb_write", OLD)
    assert mac.items == OLD


def test_transcript_is_marked_concealed_and_transient_and_promised():
    """Clipboard managers skip org.nspasteboard.ConcealedType / TransientType; the text itself is a
    promise (lazy type), so its read can be seen."""
    mac = FakeMac()
    MacPasteboard(mac).set_text("secret words")
    kind, eager, lazy = mac.calls[-1]
    assert kind == "pb_promise" and lazy == [TEXT]
    assert dict(eager) == {CONCEALED: b"", TRANSIENT: b"", SOURCE: BUNDLE_ID.encode()}
    assert mac.read(TEXT) == "secret words".encode()


def test_the_targets_read_after_the_chord_counts():
    mac = FakeMac()
    board = MacPasteboard(mac)
    board.set_text("hi")
    board.expect_reader(Window("501:77"))
    assert board.fetched() == 0
    mac.read(TEXT)
    assert board.fetched() == 1


def test_a_read_before_the_chord_makes_the_read_unknowable():
    """A reader before the chord (a manager ignoring the markers) gets the data, which AppKit then
    caches: the target's read will never call the provider. fetched() must say "cannot tell"
    (None: restore after the delay), not 0 (which would end in a false "not pasted")."""
    mac = FakeMac()
    board = MacPasteboard(mac)
    board.set_text("hi")
    mac.read(TEXT)
    board.expect_reader(None)
    mac.read(TEXT)
    assert board.fetched() is None


def test_a_pasteboard_replaced_meanwhile_is_not_restored_over():
    """changeCount guard (VoiceInk's ownership check): when the user copies something after our
    write, fetched() cannot tell and restore leaves their newer content."""
    mac, board, snapshot = saved_then_set("hi")
    board.expect_reader(None)
    mac.copy_elsewhere([[(TEXT, b"NEWER")]])
    assert board.fetched() is None
    board.restore(snapshot)
    assert mac.items == [[(TEXT, b"NEWER")]]
    assert not [c for c in mac.calls if c[0] == "pb_write"]


def test_an_empty_pasteboard_is_restored_empty():
    mac = FakeMac()
    board = MacPasteboard(mac)
    snapshot = board.save()
    assert snapshot is None
    board.set_text("hi")
    board.restore(snapshot)
    assert mac.calls[-1] == ("pb_write", []) and mac.items == []


def test_our_own_text_read_is_not_the_targets():
    mac = FakeMac()
    board = MacPasteboard(mac)
    board.set_text("hi")
    board.expect_reader(None)
    assert board.text() == "hi"
    assert board.fetched() == 0


def test_release_at_quit_writes_the_promise_out():
    """A promise dies with Dictate: a transcript still on the pasteboard at quit becomes data."""
    mac = FakeMac()
    board = MacPasteboard(mac)
    board.set_text("kept")
    board.release()
    assert mac.calls[-1] == ("pb_write", [[(TEXT, b"kept"), (CONCEALED, b""), (TRANSIENT, b""),
                                           (SOURCE, BUNDLE_ID.encode())]])


class Timer:
    def __init__(self):
        self.pending = []

    def __call__(self, delay_ms, callback):
        self.pending.append(callback)

    def step(self):
        self.pending.pop(0)()


def paste_setup():
    mac = FakeMac()
    mac.items = [list(i) for i in OLD]
    board, keyboard = MacPasteboard(mac), MacKeyboard(mac)
    timer, done = Timer(), []
    target = Window("501:77")
    inserter = Inserter(board, keyboard, lambda: target, timer)
    inserter.insert("hello world", target, Method.PASTE, done.append)
    return mac, timer, done


def test_inserter_restores_only_after_the_targets_read():
    """Issue 20 on macOS: the old clipboard must not come back before the slow target has read the
    transcript. The chord is Cmd+V; until the target reads, polling goes on and nothing is restored."""
    mac, timer, done = paste_setup()
    assert [c[1:] for c in mac.calls if c[0] == "key"][1] == (0x09, True, 0x100000)
    for _ in range(5):  # the target is slow: 5 polls without a read
        timer.step()
    assert not [c for c in mac.calls if c[0] == "pb_write"] and not done
    assert mac.read(TEXT) == b"hello world"
    while timer.pending:
        timer.step()
    assert mac.items == OLD and done[0].status == "inserted"


def test_inserter_says_not_pasted_when_nobody_reads():
    mac, timer, done = paste_setup()
    while timer.pending:
        timer.step()
    assert done[0].status == "clipboard" and done[0].message == NOT_PASTED
    assert mac.lazy == [TEXT]  # the transcript stays on the pasteboard for a paste by hand
