"""The Windows hotkey's decisions (dictate_app/desktop/windows/hotkey.py) over the recording double:
which hook events are the hotkey, which are kept from the app, and when the hook is installed again."""

from __future__ import annotations

import pytest

from dictate_app.desktop.base import HotkeyError
from dictate_app.desktop.windows.hotkey import TICK_MS, WindowsHotkey
from dictate_app.desktop.windows.vk import DICTATE_MARK, VK_ESCAPE, VK_LCONTROL, VK_RCONTROL, VK_RMENU
from tests.desktop.windows.fake_win32 import FakeWin32

VK_F9, VK_A = 0x78, 0x41


def started(key):
    api = FakeWin32()
    source = WindowsHotkey(api)
    events = []
    source.start(key, lambda ms: events.append("press"), lambda ms: events.append("release"),
                 lambda: events.append("escape"))
    return api, source, events


def test_f9_is_kept_from_the_app_with_its_repeats_and_up():
    """Pitfall: the hotkey reaching the focused app (key kept from the app, win32_event_filter-style
    suppression in a LL hook): down, auto-repeat downs and up are all suppressed; one press per hold."""
    api, source, events = started("f9")
    hook = api.hook
    assert hook.tick_ms == TICK_MS and source.keeps_key_from_app
    assert [hook.key(VK_F9), hook.key(VK_F9), hook.key(VK_F9), hook.key(VK_F9, up=True)] == [True] * 4
    assert events == ["press", "release"]
    assert hook.key(VK_A) is False and hook.key(VK_A, up=True) is False  # other keys pass


def test_right_ctrl_alone_is_a_hotkey_and_left_ctrl_is_not():
    """Pitfall: modifier-only and right-hand keys (Handy #966/#1174: RegisterHotKey could not bind
    Right Ctrl). The hook's sided VK_RCONTROL is the key; VK_LCONTROL is not; a modifier is never
    suppressed (Ctrl+letter shortcuts keep working)."""
    api, source, events = started("ctrl_r")
    hook = api.hook
    assert hook.key(VK_LCONTROL) is False and hook.key(VK_LCONTROL, up=True) is False
    assert events == []
    assert hook.key(VK_RCONTROL, flags=0x01) is False and hook.key(VK_RCONTROL, up=True, flags=0x01) is False
    assert events == ["press", "release"] and not source.keeps_key_from_app


def test_altgr_fake_left_ctrl_is_not_left_ctrl():
    """Pitfall: AltGr sends a fake Left Ctrl (scan 0x21D) before Right Alt; a ctrl_l hotkey must not fire."""
    api, _source, events = started("ctrl_l")
    api.hook.key(VK_LCONTROL, scan=0x21D)
    api.hook.key(VK_RMENU, flags=0x01)
    assert events == []
    api.hook.key(VK_LCONTROL, scan=0x1D)
    assert events == ["press"]


def test_an_up_is_kept_only_if_its_down_was():
    """Pitfall: a key already down when the hook came up: swallowing only its up leaves it stuck in the app."""
    api, _source, events = started("f9")
    assert api.hook.key(VK_F9, up=True) is False
    assert events == []


def test_dictates_own_events_are_ignored():
    """Our SendInput events (dwExtraInfo = DICTATE_MARK) are not the user's key."""
    api, _source, events = started("ctrl_r")
    assert api.hook.key(VK_RCONTROL, extra=DICTATE_MARK) is False
    assert events == []


def test_escape_is_seen_and_left_to_the_app():
    api, _source, events = started("f9")
    assert api.hook.key(VK_ESCAPE) is False
    assert events == ["escape"]


def test_a_dropped_hook_is_found_by_raw_input_and_installed_again():
    """Pitfall: Windows silently removes a LL hook (LowLevelHooksTimeout, lock/unlock: Handy #1238).
    Raw input saw keys the hook did not within a tick: the hook is installed again, and works."""
    api, source, events = started("f9")
    hook = api.hook
    hook.tick()
    assert hook.installs == 1  # idle: no reason to re-install
    hook.key(VK_A), hook.key(VK_A, up=True)
    hook.tick()
    assert hook.installs == 1  # the hook saw them
    hook.alive = False  # Windows dropped it
    assert hook.key(VK_F9) is None and hook.key(VK_F9, up=True) is None
    assert events == []
    hook.tick()
    assert hook.installs == 2 and source.state.reinstalls == 1
    assert hook.key(VK_F9) is True and hook.key(VK_F9, up=True) is True
    assert events == ["press", "release"]


def test_unlock_reinstalls_and_ends_a_hold_whose_up_was_lost():
    """Pitfall: the secure desktop of lock/unlock detaches the hook and eats the key-up (Handy #1238,
    boppreh/keyboard #223): at unlock the hook is installed again and a hold of a key no longer
    down is released, so it does not record forever."""
    api, _source, events = started("f9")
    hook = api.hook
    hook.key(VK_F9)
    hook.alive = False
    api.keys[VK_F9] = False  # let go while the hook was gone
    hook.unlock()
    assert hook.installs == 2 and events == ["press", "release"]


def test_a_key_still_held_at_reinstall_is_not_released():
    api, _source, events = started("ctrl_r")
    hook = api.hook
    hook.key(VK_RCONTROL)
    hook.unlock()  # still physically down (the double keeps the key state)
    assert events == ["press"]
    hook.key(VK_RCONTROL, up=True)
    assert events == ["press", "release"]


def test_a_refused_hook_is_a_hotkey_error_with_the_fix():
    api = FakeWin32()
    api.hook_error = "SetWindowsHookExW failed (error 5)"
    with pytest.raises(HotkeyError, match="tray menu"):
        WindowsHotkey(api).start("f9", print, print, print)


def test_checks_and_stop():
    api, source, _events = started("f9")
    rows = {row.capability: row for row in source.checks()}
    assert rows["hotkey"].status == "ok" and "F9" in rows["key kept from the app"].detail
    source.stop()
    assert api.hook.stopped


def test_alt_or_win_as_the_hotkey_is_reported_with_the_fix():
    """A lone Alt (Win) tap opens the app's menu bar (the Start menu): doctor says so and names the fix."""
    for key in ("alt_r", "super_l"):
        source = WindowsHotkey(FakeWin32())
        source.key = key
        row = {r.capability: r for r in source.checks()}["key kept from the app"]
        assert row.status == "missing" and "F9" in row.fix
    source = WindowsHotkey(FakeWin32())
    source.key = "alt_gr"  # AltGr is Ctrl+Alt: no menu
    assert {r.capability: r for r in source.checks()}["key kept from the app"].status == "ok"


def test_the_bridge_gets_one_hold_from_the_hook_thread(qtbot):
    """Hold and toggle are the coordinator's; what they need from Windows is one press and one
    release per hold, delivered from the hook's own thread to the GUI thread (queued signals)."""
    import threading

    from dictate_app.app.hotkey import HotkeyBridge

    api = FakeWin32()
    bridge = HotkeyBridge(WindowsHotkey(api), "ctrl_r")
    assert bridge.start() is None
    events = []
    bridge.pressed.connect(lambda ms: events.append("press"))
    bridge.released.connect(lambda ms: events.append("release"))

    def hold():  # as the hook thread sees a long hold: down, auto-repeat downs, up
        for _ in range(5):
            api.hook.key(VK_RCONTROL, flags=0x01)
        api.hook.key(VK_RCONTROL, up=True, flags=0x01)

    thread = threading.Thread(target=hold)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: events == ["press", "release"], timeout=1000)
    bridge.stop()
    assert api.hook.stopped
