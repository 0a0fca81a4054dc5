"""The key vocabulary: one spelling for users and settings, older spellings read, labels, and the
translations the Linux backends use."""

from __future__ import annotations

import pytest

from dictate_app.desktop.keys import (
    KEY_NAMES, PASTE_CHORDS, KeyNameError, chord_label, from_xkb_keysym, key_label, keysym_value,
    normalize_chord, normalize_hotkey, normalize_key, parse_chord, xkb_name,
)


@pytest.mark.parametrize(("spelled", "name"), [
    ("f9", "f9"), ("F9", "f9"), ("<f9>", "f9"), ("ctrl_r", "ctrl_r"), ("Ctrl-R", "ctrl_r"),
    ("Control_R", "ctrl_r"), ("<pause>", "pause"), ("Scroll Lock", "scroll_lock"), ("cmd_r", "super_r"),
    ("Escape", "esc"), ("Return", "enter"), ("Prior", "page_up"), ("X", "x"), ("7", "7"),
])
def test_older_spellings_are_read(spelled, name):
    assert normalize_key(spelled) == name


def test_unknown_key_says_what_to_use():
    with pytest.raises(KeyNameError, match="'hyper_z' is not a key name: use one such as f9, ctrl_r"):
        normalize_key("hyper_z")


def test_keys_every_app_needs_cannot_be_the_hotkey():
    assert normalize_key("Escape") == "esc"
    for name in ("Escape", "space", "Return", "tab", "BackSpace"):
        with pytest.raises(KeyNameError, match="cannot be the hotkey"):
            normalize_hotkey(name)
    assert normalize_hotkey("<Pause>") == "pause"


@pytest.mark.parametrize(("spelled", "chord"), [
    ("ctrl+v", "ctrl+v"), ("Ctrl+Shift+V", "ctrl+shift+v"), ("shift+Insert", "shift+insert"),
    ("shift + ctrl + v", "ctrl+shift+v"), ("control_l+v", "ctrl+v"), ("super+page_up", "super+page_up"),
])
def test_chords(spelled, chord):
    assert normalize_chord(spelled) == chord


def test_bad_chords():
    with pytest.raises(KeyNameError, match="'f1' in 'f1\\+v' is not a modifier"):
        parse_chord("f1+v")
    with pytest.raises(KeyNameError, match="empty"):
        parse_chord(" + ")


def test_labels():
    assert [key_label(k) for k in ("f9", "F12", "pause", "ctrl_r", "<scroll_lock>", "a", "super_l")] == [
        "F9", "F12", "Pause", "Right Ctrl", "Scroll Lock", "A", "Left Super"]
    assert [chord_label(c) for c in PASTE_CHORDS] == ["Ctrl+V", "Ctrl+Shift+V", "Shift+Insert"]
    # The macOS backend sends ctrl (and super) as Command, alt as Option: labels say so there.
    assert [chord_label(c, "darwin") for c in (*PASTE_CHORDS, "super+v", "alt+shift+f9")] == [
        "Cmd+V", "Cmd+Shift+V", "Shift+Insert", "Cmd+V", "Shift+Option+F9"]


def test_xkb_names_and_keysyms_agree():
    assert (xkb_name("ctrl_r"), xkb_name("page_down"), xkb_name("f9"), xkb_name("v")) == (
        "Control_R", "Next", "F9", "v")
    assert keysym_value("f9") == 0xFFC6 and keysym_value("ctrl_r") == 0xFFE4 and keysym_value("a") == 0x61
    # Every key that has a keysym of its own maps back to itself (generic modifiers share the left's).
    for name in KEY_NAMES:
        back = from_xkb_keysym(keysym_value(name))
        assert back == name or (name in ("ctrl", "shift", "alt", "super") and back == f"{name}_l")
