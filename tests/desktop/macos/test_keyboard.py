"""macOS keys over the recording double: the exact key codes and flags of Cmd+V per layout, and
Unicode typing in chunks with key-ups."""

from __future__ import annotations

import pytest

from dictate_app.desktop.base import InsertError
from dictate_app.desktop.macos import keycodes as kc
from dictate_app.desktop.macos.keyboard import MacKeyboard, utf16_chunks
from tests.desktop.macos.double import FakeMac

CMD = kc.FLAG_COMMAND


def keys_posted(mac):
    return [call[1:] for call in mac.calls if call[0] == "key"]


def test_cmd_v_on_us_is_command_then_v_with_exact_flags():
    """Cmd+V is Command down, V down/up carrying exactly the Command flag, Command up (flags 0)."""
    mac = FakeMac("us")
    MacKeyboard(mac).key("ctrl+v")
    assert keys_posted(mac) == [(0x37, True, CMD), (0x09, True, CMD), (0x09, False, CMD), (0x37, False, 0)]


def test_cmd_v_on_dvorak_uses_the_key_that_types_v():
    """Paste key code resolved for the active layout (Handy's UCKeyTranslate): on Dvorak the "v" is
    the US "." key (0x2F); the US V position (0x09) would be Cmd+K there."""
    mac = FakeMac("dvorak")
    MacKeyboard(mac).key("ctrl+v")
    assert keys_posted(mac)[1:3] == [(0x2F, True, CMD), (0x2F, False, CMD)]


def test_dvorak_qwerty_command_layout_is_resolved_with_command_held():
    """"Dvorak - QWERTY ⌘" is QWERTY while Command is held: the layout is asked with the Command
    modifier state, so V is the US position there."""
    mac = FakeMac("dvorak-qwerty-cmd")
    MacKeyboard(mac).key("super+v")
    assert keys_posted(mac)[1] == (0x09, True, CMD)


def test_azerty_letters_move():
    """AZERTY: "a" is on the US "q" key; "v" stays where it is."""
    mac = FakeMac("azerty")
    keyboard = MacKeyboard(mac)
    assert keyboard.chord_events("ctrl+a")[1] == (0x0C, True, CMD)
    assert keyboard.chord_events("ctrl+v")[1] == (0x09, True, CMD)


def test_shift_chord_and_held_option_never_joins():
    """Held modifiers: every event's flags are set explicitly, so an Option the user still holds
    (in the HID state) is not in the chord; Cmd+Shift+V carries exactly Command|Shift."""
    mac = FakeMac("us")
    mac.flags = kc.FLAG_OPTION
    MacKeyboard(mac).key("ctrl+shift+v", clear_modifiers=True)
    posted = keys_posted(mac)
    assert posted == [(0x37, True, CMD), (0x38, True, CMD | kc.FLAG_SHIFT), (0x09, True, CMD | kc.FLAG_SHIFT),
                      (0x09, False, CMD | kc.FLAG_SHIFT), (0x38, False, CMD), (0x37, False, 0)]
    assert all(not flags & kc.FLAG_OPTION for _code, _down, flags in posted)


def test_held_modifiers_reads_the_hid_state():
    mac = FakeMac()
    keyboard = MacKeyboard(mac)
    assert keyboard.held_modifiers() is False
    mac.flags = 0x10000  # Caps Lock on is not a held key
    assert keyboard.held_modifiers() is False
    for flag in (kc.FLAG_SHIFT, kc.FLAG_CONTROL, kc.FLAG_OPTION, kc.FLAG_COMMAND):
        mac.flags = flag | 0x100
        assert keyboard.held_modifiers() is True


def test_typing_chunks_of_20_utf16_units_each_with_key_up():
    """CGEventKeyboardSetUnicodeString keeps 20 UTF-16 units (enigo #68): 45 characters are three
    events, each a key-down and a key-up with the same string and no modifier flags."""
    mac = FakeMac()
    text = "x" * 45
    MacKeyboard(mac).type(text)
    calls = [c for c in mac.calls if c[0] == "unicode"]
    assert [(len(t), down, flags) for _u, t, down, flags in calls] == [
        (20, True, 0), (20, False, 0), (20, True, 0), (20, False, 0), (5, True, 0), (5, False, 0)]
    assert "".join(t for _u, t, down, _f in calls if down) == text


def test_an_emoji_at_a_chunk_boundary_is_not_split():
    """A surrogate pair counts two units and stays in one event."""
    text = "a" * 19 + "🙂" + "你好"
    chunks = utf16_chunks(text)
    assert chunks == ["a" * 19, "🙂你好"]
    assert all(len(c.encode("utf-16-le")) // 2 <= 20 for c in chunks)
    mac = FakeMac()
    MacKeyboard(mac).type(text)
    assert [c[1] for c in mac.calls if c[0] == "unicode" and c[2]] == chunks


def test_without_accessibility_nothing_is_posted_and_the_error_names_the_pane():
    """macOS drops posted events silently without Accessibility: say so, post nothing."""
    mac = FakeMac(accessibility=False)
    keyboard = MacKeyboard(mac)
    with pytest.raises(InsertError, match="Accessibility"):
        keyboard.key("ctrl+v")
    with pytest.raises(InsertError, match="Accessibility"):
        keyboard.type("hello")
    assert not [c for c in mac.calls if c[0] in ("key", "unicode")]
    assert {row.status for row in keyboard.checks()} == {"missing"}


def test_a_layout_without_the_letter_says_so():
    mac = FakeMac()
    mac.translate = lambda code, mods: ""  # an input method, not a layout
    with pytest.raises(InsertError, match="No key types 'v'"):
        MacKeyboard(mac).key("ctrl+v")
