"""Windows keys and typing (dictate_app/desktop/windows/keyboard.py): the exact SendInput events
the double records, the held-modifier handling and the UIPI refusal."""

from __future__ import annotations

import pytest

from dictate_app.desktop.base import InsertError
from dictate_app.desktop.windows.keyboard import ELEVATED, WindowsKeyboard
from dictate_app.desktop.windows.vk import VK_LCONTROL, VK_LWIN, VK_MASK, VK_RCONTROL, VK_RMENU
from dictate_app.desktop.windows.win32 import KeyInput
from tests.desktop.windows.fake_win32 import FakeWin32

DOWN, UP, EXT, UNI = 0, 2, 1, 4
TARGET = 0x20


def desktop():
    api = FakeWin32()
    api.foreground, api.pids[TARGET] = TARGET, 77
    return api, WindowsKeyboard(api)


def test_ctrl_v_by_virtual_key_code():
    """Pitfall: Ctrl+V must work on every layout: sent as VK_CONTROL + VK_V (what apps' shortcut
    checks read), with the layout's scan codes, in one SendInput, modifier up last."""
    api, keyboard = desktop()
    keyboard.key("ctrl+v")
    assert api.sent == [KeyInput(0x11, 0x1D, DOWN), KeyInput(0x56, 0x2F, DOWN), KeyInput(0x56, 0x2F, UP),
                        KeyInput(0x11, 0x1D, UP)]
    assert api.calls.count(("SendInput", 4)) == 1


def test_shift_insert_is_the_extended_insert():
    """Without KEYEVENTF_EXTENDEDKEY, Insert's scan code is Numpad 0 to apps that read scan codes."""
    api, keyboard = desktop()
    keyboard.key("shift+insert")
    assert api.sent[1] == KeyInput(0x2D, 0x52, DOWN | EXT) and api.sent[2] == KeyInput(0x2D, 0x52, UP | EXT)


def test_typing_sends_utf16_units_with_key_ups():
    """Pitfall: KEYEVENTF_UNICODE typing needs surrogate pairs for emoji and a key-up for every
    down (plover PR #1018, dragonfly PR #44); never layout keys (whisper-writer PR #134)."""
    api, keyboard = desktop()
    keyboard.type("a你😀")
    assert [(e.vk, e.scan, e.flags) for e in api.sent] == [
        (0, ord("a"), UNI), (0, ord("a"), UNI | UP),
        (0, 0x4F60, UNI), (0, 0x4F60, UNI | UP),
        (0, 0xD83D, UNI), (0, 0xD83D, UNI | UP), (0, 0xDE00, UNI), (0, 0xDE00, UNI | UP),
    ]


def test_held_push_to_talk_ctrl_is_released_first_and_not_pressed_again():
    """Pitfall: a held push-to-talk Right Ctrl turns the paste into another shortcut: its up goes
    before the chord; it is not pressed again after (a key let go meanwhile would stick: Handy #1817)."""
    api, keyboard = desktop()
    api.keys[VK_RCONTROL] = True
    assert keyboard.held_modifiers()
    keyboard.key("ctrl+v", clear_modifiers=True)
    assert api.sent[0] == KeyInput(VK_RCONTROL, 0x1D, UP | EXT)
    assert [e for e in api.sent if e.vk == VK_RCONTROL] == [api.sent[0]]
    assert api.sent[1:] == [KeyInput(0x11, 0x1D, DOWN), KeyInput(0x56, 0x2F, DOWN), KeyInput(0x56, 0x2F, UP),
                            KeyInput(0x11, 0x1D, UP)]


def test_a_held_altgr_is_released_behind_a_mask_key():
    """Pitfall: a lone Alt (AltGr) or Win up opens the app's menu bar or the Start menu: an unassigned
    key is tapped first. AltGr's fake Left Ctrl is released too."""
    api, keyboard = desktop()
    api.keys[VK_RMENU] = api.keys[VK_LCONTROL] = True
    keyboard.type("x", clear_modifiers=True)
    assert [(e.vk, e.flags & UP) for e in api.sent[:4]] == [(VK_MASK, 0), (VK_MASK, UP), (VK_LCONTROL, UP),
                                                            (VK_RMENU, UP)]
    api.sent.clear()
    api.keys.clear()
    api.keys[VK_LWIN] = True
    keyboard.key("ctrl+v", clear_modifiers=True)
    assert [e.vk for e in api.sent[:3]] == [VK_MASK, VK_MASK, VK_LWIN]


def test_nothing_held_nothing_released():
    api, keyboard = desktop()
    keyboard.type("x", clear_modifiers=True)
    assert len(api.sent) == 2


@pytest.mark.parametrize("target", [True, None])
def test_an_elevated_target_is_refused_with_the_fix(target):
    """Pitfall: UIPI drops SendInput into an elevated window silently (CapsWriter #371): the target's
    token elevation (or a token we may not read) above ours raises the message, and nothing is sent."""
    api, keyboard = desktop()
    api.elevation[77] = target
    with pytest.raises(InsertError) as error:
        keyboard.key("ctrl+v")
    assert str(error.value) == ELEVATED and "run Dictate as administrator" in ELEVATED
    with pytest.raises(InsertError):
        keyboard.type("hello")
    assert api.sent == []


def test_a_window_gone_before_the_keys_is_not_taken_for_ours():
    """No process for the foreground window (it just closed): not asked as "None", which means us."""
    api, keyboard = desktop()
    api.elevation[None] = None
    del api.pids[TARGET]
    keyboard.key("ctrl+v")
    assert ("elevated", None) not in api.calls and len(api.sent) == 4


def test_an_elevated_dictate_may_send_to_an_elevated_target():
    api, keyboard = desktop()
    api.elevation[None] = True
    api.elevation[77] = True
    keyboard.key("ctrl+v")
    assert len(api.sent) == 4


def test_events_windows_did_not_take_are_an_error():
    """SendInput returning fewer events than given (input blocked, secure desktop) is not success."""
    api, keyboard = desktop()
    api.accept = 1
    with pytest.raises(InsertError, match="took 1 of 4"):
        keyboard.key("ctrl+v")


def test_checks_name_the_elevation_limit():
    _api, keyboard = desktop()
    rows = {row.capability: row for row in keyboard.checks()}
    assert rows["typing"].status == rows["paste"].status == "ok"
    assert "administrator" in rows["paste"].detail
