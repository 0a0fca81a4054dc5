"""Parts for what a desktop cannot do (desktop/unsupported.py): every start, key and check says why
and what to do instead, and the tray, history and clipboard keep working."""

from __future__ import annotations

import pytest

from dictate_app.desktop.base import UNSUPPORTED, HotkeyError, InsertError
from dictate_app.desktop.session import Session
from dictate_app.desktop.unsupported import NO_HOTKEY, NoHotkey, NoWindows, qt_clipboard, unsupported


def test_no_hotkey_says_what_to_bind_instead():
    hotkey = NoHotkey("this compositor offers Dictate no way to see a key")
    with pytest.raises(HotkeyError) as caught:
        hotkey.start("f9", print, print, lambda: None)
    assert str(caught.value) == ("The global hotkey is unavailable: this compositor offers Dictate no way to see "
                                 f"a key; {NO_HOTKEY}.")
    assert [(c.capability, c.status) for c in hotkey.checks()] == [("hotkey", UNSUPPORTED),
                                                                   ("key kept from the app", UNSUPPORTED)]
    hotkey.set_escape(True)
    hotkey.stop()  # nothing to stop: no error


def test_an_unknown_desktop_keeps_the_clipboard_and_explains_the_rest():
    desktop = unsupported(Session("beos", "XDG_SESSION_TYPE is beos.", {}))
    assert desktop.make_clipboard is qt_clipboard
    assert isinstance(desktop.windows, NoWindows) and desktop.windows.focused() is None
    with pytest.raises(InsertError, match=r"^Dictate cannot send keys here \(Dictate has no beos backend yet\): "
                                          r"your text is on the clipboard, paste it by hand\.$"):
        desktop.keyboard.key("ctrl+v")
    with pytest.raises(InsertError):
        desktop.keyboard.type("hello")
    assert desktop.keyboard.held_modifiers() is False
    rows = desktop.checks()
    assert {r.status for r in rows} == {UNSUPPORTED}
    assert [r.capability for r in rows] == ["hotkey", "key kept from the app", "focus identity", "typing", "paste"]


def test_no_graphical_session_says_so():
    desktop = unsupported(Session("none", "neither DISPLAY nor WAYLAND_DISPLAY is set.", {}))
    assert "there is no graphical session" in desktop.checks()[0].detail
