"""The RemoteDesktop keyboard's pure parts (desktop/wayland/portal_keyboard.py): chords and text as
keysym events (libxkbcommon's legacy keysyms first), and the private restore-token file. The
keyboard through the real portal frontend: test_portal.py."""

from __future__ import annotations

import stat

import pytest

from dictate_app.desktop.wayland.portal_keyboard import char_keysym, chord_events, read_token, save_token, text_events

CTRL_L, SHIFT_L, INSERT = 0xFFE3, 0xFFE1, 0xFF63
HI_NI_HAO = [0x68, 0x69, 0x20, 0x1004F60, 0x100597D, 0x20, 0x101F642]  # "hi 你好 🙂"


@pytest.mark.parametrize("chord, events", [
    ("ctrl+v", [(CTRL_L, 1), (0x76, 1), (0x76, 0), (CTRL_L, 0)]),
    ("ctrl+shift+v", [(CTRL_L, 1), (SHIFT_L, 1), (0x76, 1), (0x76, 0), (SHIFT_L, 0), (CTRL_L, 0)]),
    ("shift+insert", [(SHIFT_L, 1), (INSERT, 1), (INSERT, 0), (SHIFT_L, 0)]),
])
def test_chord_events(chord, events):
    assert chord_events(chord) == events


def test_text_is_one_keysym_per_character():
    assert text_events("hi 你好 🙂") == [e for k in HI_NI_HAO for e in ((k, 1), (k, 0))]
    assert [char_keysym(c) for c in "\n\té€"] == [0xFF0D, 0xFF09, 0xE9, 0x20AC]


def test_legacy_keysyms_come_from_libxkbcommon_and_the_rule_is_the_fallback():
    # Layouts carry Cyrillic_a (0x6c1), not U+0430's Unicode keysym: GNOME matches keysyms exactly.
    assert char_keysym("а") == 0x6C1
    assert char_keysym("а", use_xkb=False) == 0x1000430
    assert char_keysym("🙂", use_xkb=False) == 0x101F642 and char_keysym("é", use_xkb=False) == 0xE9


def test_token_file_is_private_and_garbage_is_ignored(tmp_path):
    path = tmp_path / "sub" / "remote-desktop.token"
    save_token(path, "0f9b7c2e-1111-2222-3333-444455556666")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_token(path) == "0f9b7c2e-1111-2222-3333-444455556666"
    path.write_bytes(b"\xff\xfe")
    assert read_token(path) == ""
    assert read_token(tmp_path / "missing") == ""
