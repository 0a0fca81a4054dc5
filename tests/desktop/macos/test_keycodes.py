"""macOS key facts (desktop/macos/keycodes.py), checked on Linux: every key name a Mac keyboard has
maps to a key code, each modifier's side has its device bit, and a chord's letter is found through
the active layout, not the US position."""

from __future__ import annotations

from dictate_app.desktop.keys import CHORD_MODIFIERS as OUR_CHORD_MODIFIERS
from dictate_app.desktop.keys import KEY_NAMES
from dictate_app.desktop.macos import keycodes as k

US = {0x09: "v", 0x0B: "b", 0x28: "k", 0x2F: "."}
# Dvorak: the US "v" position types "k", the US "." position types "v".
DVORAK = {0x09: "k", 0x2F: "v", 0x28: "t"}


def test_every_key_name_but_f21_to_f24_has_a_key_code():
    assert [name for name in KEY_NAMES if name not in k.KEYCODES] == ["f21", "f22", "f23", "f24"]


def test_each_modifier_key_has_its_device_bit():
    for name in ("ctrl_l", "ctrl_r", "shift_l", "shift_r", "alt_l", "alt_r", "super_l", "super_r", "fn"):
        assert k.KEYCODES[name] in k.DEVICE_MASKS, name
    assert len({k.DEVICE_MASKS[k.KEYCODES[n]] for n in ("ctrl_l", "ctrl_r", "shift_l", "shift_r")}) == 4


def test_chords_use_command_for_ctrl_and_super():
    assert set(k.CHORD_MODIFIERS) == set(OUR_CHORD_MODIFIERS)
    assert k.CHORD_MODIFIERS["ctrl"] == k.CHORD_MODIFIERS["super"] == (k.FLAG_COMMAND, k.KEYCODES["super"])
    assert k.HELD_MASK & k.FLAG_FN == 0  # Fn held is not a modifier the paste must wait for


def test_a_chords_letter_comes_from_the_active_layout():
    us = lambda code, mods: US.get(code, "")  # noqa: E731
    dvorak = lambda code, mods: (US if mods & k.UC_COMMAND else DVORAK).get(code, "")  # noqa: E731
    assert k.layout_keycode("V", us) == 0x09
    assert k.layout_keycode("v", dvorak) == 0x2F
    assert k.layout_keycode("v", dvorak, k.UC_COMMAND) == 0x09  # "Dvorak - QWERTY ⌘" with Command held
    assert k.layout_keycode("ж", us) is None
