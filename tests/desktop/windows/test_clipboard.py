"""The Windows clipboard (dictate_app/desktop/windows/clipboard.py) over the recording double:
delayed rendering as the read proof, whose read it was, the sequence-number guard, every format
saved and restored, the privacy formats, and the real Inserter pasting through it."""

from __future__ import annotations

import pytest

from dictate_app.desktop.base import InsertError, Window
from dictate_app.desktop.windows.clipboard import CF_UNICODETEXT, WM_RENDERALLFORMATS, Win32Clipboard
from dictate_app.desktop.windows.keyboard import WindowsKeyboard
from dictate_app.output.inserter import Inserter
from tests.desktop.windows.fake_win32 import FakeWin32

TARGET, MANAGER = 0x20, 0x30
CF_DIB, CF_HDROP, CF_BITMAP, CF_LOCALE = 8, 15, 2, 16


def utf16(text):
    return text.encode("utf-16-le") + b"\0\0"


def setup():
    api = FakeWin32()
    api.pids.update({TARGET: 77, MANAGER: 88})
    api.foreground = TARGET
    return api, Win32Clipboard(api)


def test_the_transcript_is_offered_by_delayed_rendering_with_the_privacy_formats():
    """Pitfall: transcripts in Win+V history and cloud sync: ExcludeClipboardContentFromMonitorProcessing,
    CanIncludeInClipboardHistory=0 and CanUploadToCloudClipboard=0 go with it; the text itself is
    offered with no data (NULL handle) so the read can be seen."""
    api, clip = setup()
    clip.set_text("héllo 😀")
    names = {name: fmt for name, fmt in api.names.items()}
    assert api.formats[CF_UNICODETEXT] is None
    assert api.formats[names["ExcludeClipboardContentFromMonitorProcessing"]] == b"\0\0\0\0"
    assert api.formats[names["CanIncludeInClipboardHistory"]] == b"\0\0\0\0"
    assert api.formats[names["CanUploadToCloudClipboard"]] == b"\0\0\0\0"
    assert api.formats[names["Clipboard Viewer Ignore"]] == b""  # Ditto's and CopyQ's convention
    assert api.owner == clip.hwnd and clip.text() == "héllo 😀"


def test_the_targets_read_is_counted_and_gets_the_exact_text():
    """Pitfall: knowing when the target read (Handy's reliable paste): WM_RENDERFORMAT is the read."""
    api, clip = setup()
    clip.set_text("你好 😀")
    clip.expect_reader(Window(str(TARGET), "notepad.exe", "", 77))
    assert clip.fetched() == 0
    assert api.read_as(TARGET) == utf16("你好 😀")
    assert clip.fetched() == 1
    assert api.read_as(TARGET) == utf16("你好 😀")  # rendered now: Windows answers without us
    assert clip.fetched() == 1


def test_a_clipboard_managers_read_is_not_the_targets():
    """Pitfall (issue 20's lesson): a manager reading first must not count as the paste; since the
    text is rendered then, the target's read cannot be seen: fetched() says None (use the delay)."""
    api, clip = setup()
    clip.set_text("secret")
    clip.expect_reader(Window(str(TARGET), "notepad.exe", "", 77))
    api.read_as(MANAGER)
    assert clip.others == 1 and clip.reads == 0 and clip.fetched() is None


def test_a_reader_with_no_window_counts():
    api, clip = setup()
    clip.set_text("x")
    clip.expect_reader(Window(str(TARGET), "notepad.exe", "", 77))
    api.read_as(0)
    assert clip.fetched() == 1


def test_a_new_copy_by_the_user_is_never_overwritten_by_the_restore():
    """Pitfall: GetClipboardSequenceNumber guard: another program changed the clipboard after our
    transcript; nothing is counted and the old clipboard is not restored over the new copy."""
    api, clip = setup()
    snapshot = clip.save()
    clip.set_text("transcript")
    clip.expect_reader(None)
    api.copy_as(MANAGER, {CF_UNICODETEXT: utf16("new copy")})
    assert clip.fetched() is None
    clip.restore(snapshot)
    assert api.formats == {CF_UNICODETEXT: utf16("new copy")}


def test_a_change_that_leaves_us_the_owner_is_still_seen():
    """The sequence number, not ownership alone: a program that adds a format without emptying the
    clipboard leaves us the owner (no WM_DESTROYCLIPBOARD), yet the clipboard is no longer just ours."""
    api, clip = setup()
    snapshot = clip.save()
    clip.set_text("transcript")
    clip.expect_reader(None)
    api.add_as(MANAGER, api.register_format("Tool marker"), b"1")
    assert api.owner == clip.hwnd and clip.fetched() is None
    clip.restore(snapshot)
    assert api.formats[CF_UNICODETEXT] is None  # left as it is: not restored over


def test_every_format_is_saved_and_restored_in_order():
    """Pitfall: the paste destroyed the user's clipboard (Handy PR #1231): every memory format comes
    back byte for byte, registered ones too; GDI handle formats are skipped (Windows synthesises
    CF_BITMAP from CF_DIB)."""
    api, clip = setup()
    html = api.register_format("HTML Format")
    png = api.register_format("PNG")
    before = {html: b"Version:0.9 <b>x</b>", CF_UNICODETEXT: utf16("old"), CF_LOCALE: b"\x09\x04\0\0",
              CF_DIB: b"\x28" + b"\0" * 50, png: b"\x89PNG...", CF_HDROP: b"files", CF_BITMAP: b"handle"}
    api.copy_as(MANAGER, before)
    snapshot = clip.save()
    assert [fmt for fmt, _ in snapshot.formats] == [html, CF_UNICODETEXT, CF_LOCALE, CF_DIB, png, CF_HDROP]
    clip.set_text("transcript")
    clip.restore(snapshot)
    expected = dict(before)
    del expected[CF_BITMAP]
    assert api.formats == expected and list(api.formats) == list(expected)


def test_an_empty_clipboard_comes_back_empty():
    api, clip = setup()
    snapshot = clip.save()
    assert snapshot is None
    clip.set_text("transcript")
    clip.restore(snapshot)
    assert api.formats == {}


def test_saving_our_own_unread_transcript_does_not_render_it():
    api, clip = setup()
    clip.set_text("first")
    snapshot = clip.save()
    assert ("GetClipboardData", CF_UNICODETEXT) not in api.calls
    assert snapshot.formats == ((CF_UNICODETEXT, utf16("first")),)


def test_a_clipboard_held_open_is_retried_while_serving_sent_messages():
    """Pitfall: OpenClipboard fails while another program holds the clipboard; that program may be
    waiting for our WM_RENDERFORMAT, so each retry first pumps sent messages (no dead-lock)."""
    api, clip = setup()
    api.hold_open = 3
    clip.set_text("x")
    assert api.calls.count(("PumpSent",)) == 3 and api.formats[CF_UNICODETEXT] is None
    api.hold_open = 100
    with pytest.raises(InsertError, match="keeps the clipboard open"):
        clip.set_text("y")


def test_an_unread_transcript_is_rendered_when_dictate_quits():
    """WM_RENDERALLFORMATS: a transcript left on the clipboard (the paste failed) outlives us."""
    api, clip = setup()
    clip.set_text("keep me")
    api.wndprocs[clip.hwnd](clip.hwnd, WM_RENDERALLFORMATS, 0, 0)
    assert api.formats[CF_UNICODETEXT] == utf16("keep me")


def run_insert(api, clip, text, reads_after_chord):
    """The real Inserter with the Windows parts; scheduled calls run in order, the target reads
    after the chord when ``reads_after_chord``."""
    queue, outcomes = [], []
    inserter = Inserter(clip, WindowsKeyboard(api), lambda: Window(str(TARGET), "notepad.exe", "", 77),
                        lambda ms, fn: queue.append(fn))
    inserter.insert(text, Window(str(TARGET), "notepad.exe", "", 77), "paste", outcomes.append)
    if reads_after_chord and api.sent:
        api.read_as(TARGET)
    while queue and not outcomes:
        queue.pop(0)()
    return outcomes


def test_inserter_restores_the_old_clipboard_after_the_targets_read():
    api, clip = setup()
    api.copy_as(MANAGER, {CF_UNICODETEXT: utf16("OLD-CLIP")})
    outcomes = run_insert(api, clip, "dictated 文字", reads_after_chord=True)
    assert outcomes[0].status == "inserted"
    assert api.formats == {CF_UNICODETEXT: utf16("OLD-CLIP")}


def test_inserter_into_an_elevated_window_says_so_and_leaves_the_text():
    """Pitfall: UIPI (CapsWriter #371): the outcome names the fix and the transcript stays on the clipboard."""
    api, clip = setup()
    api.elevation[77] = True
    api.copy_as(MANAGER, {CF_UNICODETEXT: utf16("OLD-CLIP")})
    outcomes = run_insert(api, clip, "dictated", reads_after_chord=True)
    assert outcomes[0].status == "failed" and "run Dictate as administrator" in outcomes[0].message
    assert api.sent == [] and api.read_as(TARGET) == utf16("dictated")


def test_inserter_with_the_clipboard_held_by_another_program_sends_no_chord():
    """Pitfall: OpenClipboard failing for good (another program keeps it open): the paste chord
    would paste the *old* clipboard, so none is sent and the outcome says what happened."""
    api, clip = setup()
    api.hold_open = 1000
    outcomes = run_insert(api, clip, "dictated", reads_after_chord=True)
    assert outcomes[0].status == "failed" and "keeps the clipboard open" in outcomes[0].message
    assert api.sent == []
