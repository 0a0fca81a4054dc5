"""Hyprland's parts against a fake Hyprland (fake_hyprland.py): the exact requests on its socket,
its events on the other, in the hyprlang and the Lua dialect. (The socket itself:
test_hyprland_ipc.py.)"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from dictate_app.desktop.base import HotkeyError
from dictate_app.desktop.wayland.hyprland import (
    LEGACY,
    LUA,
    HyprlandHotkey,
    HyprlandPopup,
    HyprlandWindows,
    popup_rules,
)
from dictate_app.desktop.wayland.hyprland_ipc import HyprlandSocket
from tests.desktop.wayland.fake_hyprland import FakeHyprland
from tests.desktop.wayland.fake_sway import until
from tests.desktop.wayland.test_hyprland_ipc import sock


class Calls:
    def __init__(self):
        self.kinds: list[str] = []

    def start(self, hotkey, key="f9"):
        return hotkey.start(key, lambda ms: self.kinds.append("press"), lambda ms: self.kinds.append("release"),
                            lambda: self.kinds.append("escape"))


# ---- the hotkey ------------------------------------------------------------------------------

def test_hotkey_binds_press_and_release_to_events_and_unbinds_them(hypr):
    hotkey = HyprlandHotkey(sock(hypr))
    calls = Calls()
    assert calls.start(hotkey) is None
    m = hotkey.marker
    assert hypr.config_requests() == [f"/keyword bind ,F9,event,{m}:press", f"/keyword bindr ,F9,event,{m}:release"]
    until(lambda: hypr.event_clients() == 1)
    hypr.emit("custom", f"{m}:press")
    hypr.emit("custom", "someone-else:release")
    hypr.emit("activewindow", "kitty,~")
    hypr.emit("custom", f"{m}:release")
    until(lambda: len(calls.kinds) == 2)
    assert calls.kinds == ["press", "release"]
    hotkey.stop()
    assert hypr.config_requests()[2:] == ["/keyword unbind ,F9"]


def test_a_modifier_hotkey_is_released_with_its_modifier(hypr):
    hotkey = HyprlandHotkey(sock(hypr))
    Calls().start(hotkey, "ctrl_r")
    m = hotkey.marker
    hotkey.set_escape(True)
    hotkey.set_escape(False)
    hotkey.stop()
    assert hypr.config_requests() == [
        f"/keyword bind ,Control_R,event,{m}:press", f"/keyword bindr CTRL,Control_R,event,{m}:release",
        f"/keyword bind ,Escape,event,{m}:escape", f"/keyword bind CTRL,Escape,event,{m}:escape",
        "/keyword unbind ,Escape", "/keyword unbind CTRL,Escape",
        "/keyword unbind ,Control_R", "/keyword unbind CTRL,Control_R",
    ]
    hotkey.set_escape(True)  # after stop(): nothing to bind Esc for
    assert len(hypr.config_requests()) == 8


def test_under_a_lua_config_the_same_binds_are_said_in_lua(hypr):
    hypr.lua = True
    hotkey = HyprlandHotkey(sock(hypr))
    Calls().start(hotkey, "ctrl_r")
    hotkey.stop()
    m = hotkey.marker
    assert hypr.config_requests() == [
        f"/keyword bind ,Control_R,event,{m}:press",  # refused: Lua config
        f'/eval hl.bind("Control_R", hl.dsp.event("{m}:press"))',
        f'/eval hl.bind("CTRL + Control_R", hl.dsp.event("{m}:release"), {{ release = true }})',
        '/eval hl.unbind("Control_R")', '/eval hl.unbind("CTRL + Control_R")',
    ]


def test_escape_resets_the_hold_and_a_lost_release_ends_at_the_next_press(hypr):
    hotkey = HyprlandHotkey(sock(hypr))
    calls = Calls()
    calls.start(hotkey)
    until(lambda: hypr.event_clients() == 1)
    m = hotkey.marker
    for action in ("press", "escape", "press", "press", "release"):
        hypr.emit("custom", f"{m}:{action}")
    until(lambda: len(calls.kinds) == 4)
    assert calls.kinds == ["press", "escape", "press", "release"]
    hotkey.stop()


def test_a_key_the_user_bound_is_refused(hypr):
    hypr.binds = [{"modmask": 0, "submap": "", "key": "F9", "dispatcher": "exec", "arg": "obs-cli record"}]
    with pytest.raises(HotkeyError, match=r"F9 is already bound in Hyprland \(`exec obs-cli record`\)"):
        Calls().start(HyprlandHotkey(sock(hypr)))
    assert hypr.config_requests() == []
    hypr.binds = [{"modmask": 64, "submap": "", "key": "F9", "dispatcher": "exec", "arg": "x"},  # SUPER+F9
                  {"modmask": 0, "submap": "resize", "key": "F9", "dispatcher": "exec", "arg": "y"}]
    hotkey = HyprlandHotkey(sock(hypr))
    assert Calls().start(hotkey) is None
    hotkey.stop()


def test_a_bind_to_dictate_itself_is_replaced_with_a_warning(hypr):
    hypr.binds = [{"modmask": 0, "submap": "", "key": "F9", "dispatcher": "exec", "arg": "dictate-app toggle"}]
    hotkey = HyprlandHotkey(sock(hypr))
    warning = Calls().start(hotkey)
    assert "`exec dictate-app toggle`" in warning and "that line can go" in warning
    assert hypr.config_requests()[0] == "/keyword unbind ,F9"
    hotkey.stop()


def test_esc_bound_by_the_user_is_left_alone(hypr):
    hypr.binds = [{"modmask": 0, "submap": "", "key": "Escape", "dispatcher": "exec", "arg": "x"}]
    hotkey = HyprlandHotkey(sock(hypr))
    Calls().start(hotkey)
    hotkey.set_escape(True)
    assert not any("Escape" in r for r in hypr.config_requests())
    hotkey.stop()


def test_a_reload_binds_again(hypr):
    hotkey = HyprlandHotkey(sock(hypr))
    Calls().start(hotkey)
    until(lambda: hypr.event_clients() == 1)
    hypr.emit("configreloaded")
    until(lambda: len(hypr.config_requests()) == 4)
    assert hypr.config_requests()[2:] == hypr.config_requests()[:2]
    hotkey.stop()


def test_hyprland_before_042_has_no_event_dispatcher(hypr):
    hypr.version = {"tag": "v0.41.2"}
    with pytest.raises(HotkeyError, match=r"Hyprland 0\.41 .* 0\.42 or later.*`bind = , F9, exec, dictate-app start`"):
        Calls().start(HyprlandHotkey(sock(hypr)))
    rows = HyprlandHotkey(sock(hypr)).checks()
    assert rows[0].status == "missing" and "0.42" in rows[0].fix


def test_unreachable_hyprland(tmp_path):
    hotkey = HyprlandHotkey(HyprlandSocket(tmp_path / "nowhere"))
    with pytest.raises(HotkeyError, match=r"not reachable .*`bindr = , F9, exec, dictate-app stop`"):
        Calls().start(hotkey)
    assert {r.status for r in hotkey.checks()} == {"missing"}
    assert HyprlandWindows(HyprlandSocket(tmp_path / "nowhere")).focused() is None


def test_a_refused_bind_is_a_hotkey_error(hypr):
    hypr.refuse["bind ,F9"] = "Invalid dispatcher, requested \"event\" does not exist"
    with pytest.raises(HotkeyError, match="Hyprland refused to bind F9"):
        Calls().start(HyprlandHotkey(sock(hypr)))


def test_the_event_socket_closing_is_logged(hypr, caplog):
    hotkey = HyprlandHotkey(sock(hypr))
    Calls().start(hotkey)
    until(lambda: hypr.event_clients() == 1)
    with caplog.at_level(logging.WARNING):
        hypr.close_events()
        until(lambda: "event socket closed" in caplog.text)
    hotkey.stop()


def test_checks_when_hyprland_answers(hypr):
    assert {r.capability: r.status for r in HyprlandHotkey(sock(hypr)).checks()} == {
        "hotkey": "ok", "key kept from the app": "ok"}
    assert [r.status for r in HyprlandWindows(sock(hypr)).checks()] == ["ok"]


# ---- windows and popup -------------------------------------------------------------------------

def test_focused_window_from_activewindow(hypr):
    windows = HyprlandWindows(sock(hypr))
    assert windows.focused() is None  # "{}"
    hypr.active = {"address": "0x55d1c0a3e8f0", "class": "org.gnome.TextEditor", "title": "notes", "pid": 77,
                   "xwayland": False}
    assert windows.focused().__dict__ == {"id": "0x55d1c0a3e8f0", "app": "org.gnome.TextEditor", "title": "notes",
                                          "pid": 77}


def test_popup_rules_in_the_three_spellings():
    assert popup_rules(LEGACY, (0, 47), "dictate-app", "Dictate", 2048) == [
        f"keyword windowrulev2 {effect}, class:^(dictate-app)$, title:^(Dictate)($|: )"
        for effect in ("float", "pin", "nofocus", "noinitialfocus", "move 814 100%-w-110")]
    assert popup_rules(LEGACY, (0, 54), "dictate-app", "Dictate") == [
        "keyword windowrule match:class ^(dictate-app)$, match:title ^(Dictate)($|: ), float on, pin on, "
        "no_initial_focus on, no_focus on, move ((monitor_w-window_w)*0.5) (monitor_h-window_h-110)"]
    assert popup_rules(LUA, (0, 56), "dictate-app", "Dictate") == [
        'eval hl.window_rule({ match = { class = "^(dictate-app)$", title = "^(Dictate)($|: )" }, float = true, '
        'pin = true, no_initial_focus = true, no_focus = true, '
        'move = { "(monitor_w-window_w)*0.5", "monitor_h-window_h-110" } })']


def test_popup_rules_follow_the_version_and_config_and_come_back_after_a_reload(hypr):
    hypr.version = {"tag": "v0.47.2"}
    popup = HyprlandPopup(sock(hypr))
    popup.prepare("dictate-app", "Dictate")
    # 2560 px at scale 1.25 is 2048 logical px wide: (2048 - 420) / 2 = 814
    assert hypr.config_requests() == ["/" + r for r in popup_rules(LEGACY, (0, 47), "dictate-app", "Dictate", 2048)]
    until(lambda: hypr.event_clients() == 1)
    hypr.emit("configreloaded")
    until(lambda: len(hypr.config_requests()) == 10)
    popup.close()

    lua = FakeHyprland(Path(os.fspath(hypr.folder.parent.parent)) / "lua")
    try:
        lua.lua, lua.version = True, {"version": "0.56.1"}
        popup = HyprlandPopup(sock(lua))
        popup.prepare("dictate-app", "Dictate")
        assert lua.config_requests() == ["/" + popup_rules(LEGACY, (0, 56), "dictate-app", "Dictate")[0],
                                         "/" + popup_rules(LUA, (0, 56), "dictate-app", "Dictate")[0]]
        popup.close()
    finally:
        lua.close()
