"""sway's parts at their IPC seam: the exact commands sent to a fake sway speaking the real
protocol, the user's config read for conflicts, the popup rules. (The framing: test_sway_ipc.py.)"""

from __future__ import annotations

import logging

import pytest

from dictate_app.desktop.base import HotkeyError
from dictate_app.desktop.wayland.sway import (
    SwayHotkey,
    SwayPopup,
    SwayWindows,
    criteria,
    escape_combos,
    focused_node,
    hotkey_commands,
    popup_commands,
    unbind_command,
    window_of,
)
from tests.desktop.wayland.fake_sway import FakeSway, until

# ---- command strings --------------------------------------------------------------------------

def test_hotkey_bindings_press_without_repeat_and_release():
    assert hotkey_commands("f9", "m1") == ["bindsym --no-repeat F9 nop m1 press", "bindsym --release F9 nop m1 release"]
    assert hotkey_commands("ctrl_r", "m1", no_repeat=False) == [
        "bindsym Control_R nop m1 press", "bindsym --release Control_R nop m1 release"]
    assert unbind_command("bindsym --no-repeat F9 nop m1 press") == "unbindsym --no-repeat F9"
    assert unbind_command("bindsym --release F9 nop m1 release") == "unbindsym --release F9"
    assert unbind_command("bindsym Mod4+Escape nop m1 escape") == "unbindsym Mod4+Escape"


def test_escape_takes_the_modifier_a_modifier_hotkey_holds():
    assert escape_combos("f9") == ["Escape"]
    assert escape_combos("ctrl_r") == ["Escape", "Ctrl+Escape"]
    assert escape_combos("super_l") == ["Escape", "Mod4+Escape"]
    assert escape_combos("alt_r") == ["Escape", "Mod1+Escape"]


def test_popup_rules_quote_the_command_list_and_escape_the_criteria():
    assert popup_commands("dictate-app", "Dictate", 800) == [
        'no_focus [app_id="^dictate-app$" title="^Dictate($|: )"]',
        'for_window [app_id="^dictate-app$" title="^Dictate($|: )"] "floating enable, sticky enable, '
        'border none, move position center, move down 250 px"',
    ]
    assert criteria("a.b", 'x "y" (1)$') == r'[app_id="^a\.b$" title="^x \"y\" \(1\)\$($|: )"]'
    assert popup_commands("x", "y", 0)[1].endswith("move down 0 px\"")


# ---- the hotkey against a fake sway -----------------------------------------------------------

class Calls:
    def __init__(self):
        self.events: list[tuple[str, float]] = []

    def press(self, ms):
        self.events.append(("press", ms))

    def release(self, ms):
        self.events.append(("release", ms))

    def escape(self):
        self.events.append(("escape", 0.0))

    def kinds(self):
        return [kind for kind, _ in self.events]


def started(sway: FakeSway, key: str = "f9", **kw):
    calls = Calls()
    hotkey = SwayHotkey(connect=sway.connect, **kw)
    warning = hotkey.start(key, calls.press, calls.release, calls.escape)
    return hotkey, calls, warning


def test_start_binds_press_and_release_and_stop_removes_exactly_those():
    sway = FakeSway()
    hotkey, _calls, warning = started(sway)
    m = hotkey.marker
    assert warning is None
    assert sway.commands == [f"bindsym --no-repeat F9 nop {m} press", f"bindsym --release F9 nop {m} release"]
    hotkey.stop()
    assert sway.commands[2:] == ["unbindsym --no-repeat F9", "unbindsym --release F9"]


def test_binding_events_become_one_press_and_one_release_with_monotonic_ms():
    sway = FakeSway()
    hotkey, calls, _ = started(sway)
    sway.binding(f"nop {hotkey.marker} press")
    sway.binding("nop someone-else press")  # not ours: ignored
    sway.binding(f"nop {hotkey.marker} release")
    until(lambda: len(calls.events) == 2)
    assert calls.kinds() == ["press", "release"]
    assert 0 < calls.events[0][1] <= calls.events[1][1]
    hotkey.stop()


def test_a_press_while_down_ends_a_hold_whose_release_sway_dropped():
    sway = FakeSway()
    hotkey, calls, _ = started(sway)
    m = hotkey.marker
    for what in ("press", "press", "release", "press", "release"):
        sway.binding(f"nop {m} {what}")
    until(lambda: len(calls.events) == 4)
    assert calls.kinds() == ["press", "release", "press", "release"]
    hotkey.stop()


def test_sway_without_no_repeat_gets_plain_bindings_and_repeats_are_debounced():
    sway = FakeSway()
    sway.refuse["--no-repeat"] = "Unknown key or button '--no-repeat'"
    hotkey, calls, _ = started(sway)
    m = hotkey.marker
    assert sway.commands[1:] == [f"bindsym F9 nop {m} press", f"bindsym --release F9 nop {m} release"]
    for _ in range(5):  # sway's repeats of a held binding
        sway.binding(f"nop {m} press")
    sway.binding(f"nop {m} release")
    until(lambda: len(calls.events) == 2)
    assert calls.kinds() == ["press", "release"]
    hotkey.stop()


def test_escape_is_bound_only_while_wanted_and_resets_the_hold():
    sway = FakeSway()
    hotkey, calls, _ = started(sway, "ctrl_r")
    m = hotkey.marker
    hotkey.set_escape(True)
    hotkey.set_escape(True)  # twice: bound once
    assert sway.commands[2:] == [f"bindsym Escape nop {m} escape", f"bindsym Ctrl+Escape nop {m} escape"]
    sway.binding(f"nop {m} press")
    sway.binding(f"nop {m} escape")
    sway.binding(f"nop {m} press")  # Esc dropped the release: this press starts a new hold
    until(lambda: len(calls.events) == 3)
    assert calls.kinds() == ["press", "escape", "press"]
    hotkey.set_escape(False)
    assert sway.commands[4:] == ["unbindsym Escape", "unbindsym Ctrl+Escape"]
    hotkey.stop()
    assert sway.commands[6:] == ["unbindsym --no-repeat Control_R", "unbindsym --release Control_R"]
    hotkey.set_escape(True)  # after stop(): nothing to bind Esc for
    assert len(sway.commands) == 8


USER_CONFIG = """\
set $mod Mod4
set $ptt F9
# bindsym F9 exec commented-out
bindsym $mod+Return exec foot
bindsym $ptt exec \\
    notify-send hi
mode "resize" {
    bindsym F10 resize grow width 10px
}
include ~/.config/sway/config.d/*
"""


def test_a_key_bound_in_the_users_config_is_refused_not_clobbered():
    sway = FakeSway(USER_CONFIG)
    calls = Calls()
    hotkey = SwayHotkey(connect=sway.connect)
    with pytest.raises(HotkeyError, match=r"F9 is already bound in your sway config \(.*config:5: "
                                          r"`bindsym F9 exec notify-send hi`\).*choose another hotkey"):
        hotkey.start("f9", calls.press, calls.release, calls.escape)
    assert sway.commands == []


def test_keys_bound_in_other_modes_with_modifiers_or_in_includes(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".config/sway/config.d").mkdir(parents=True)
    (tmp_path / ".config/sway/config.d/50-keys").write_text("bindsym --release Pause exec x\n")
    sway = FakeSway(USER_CONFIG)
    for key in ("f10", "return"):  # F10 only in "resize" mode, Return only with $mod: free
        hotkey, _calls, warning = started(sway, key)
        assert warning is None
        hotkey.stop()
    with pytest.raises(HotkeyError, match="50-keys:1"):
        started(sway, "pause")


def test_a_binding_to_dictate_itself_is_taken_over_with_a_warning():
    sway = FakeSway("bindsym F9 exec dictate-app toggle\n")
    hotkey, _calls, warning = started(sway)
    assert "runs `exec dictate-app toggle`" in warning and "that line can go" in warning
    assert len(sway.commands) == 2
    hotkey.stop()


def test_esc_bound_by_the_user_is_left_alone():
    sway = FakeSway("bindsym Escape exec something\n")
    hotkey, _calls, _ = started(sway)
    hotkey.set_escape(True)
    assert not any("Escape" in c for c in sway.commands)
    hotkey.stop()


def test_a_reload_binds_the_key_again():
    sway = FakeSway()
    hotkey, calls, _ = started(sway)
    hotkey.set_escape(True)
    sway.commands.clear()
    sway.emit("workspace", {"change": "reload", "old": None, "current": None})
    until(lambda: len(sway.commands) == 3)
    m = hotkey.marker
    assert sway.commands == [f"bindsym --no-repeat F9 nop {m} press", f"bindsym --release F9 nop {m} release",
                             f"bindsym Escape nop {m} escape"]
    hotkey.stop()


def test_sway_going_away_is_logged_not_raised(caplog):
    sway = FakeSway()
    hotkey, _calls, _ = started(sway)
    with caplog.at_level(logging.WARNING):
        sway.drop()
        until(lambda: "went away" in caplog.text)
    hotkey.stop()  # nothing left to unbind: no exception either


def test_unreachable_sway_says_how_to_bind_the_key_by_hand():
    sway = FakeSway()
    sway.reachable = False
    hotkey = SwayHotkey(connect=sway.connect)
    with pytest.raises(HotkeyError, match=r"sway's IPC is not reachable .* add `bindsym F9 exec dictate-app "
                                          r"start` and `bindsym --release F9 exec dictate-app stop`"):
        hotkey.start("f9", print, print, print)
    rows = {row.capability: row for row in hotkey.checks()}
    assert rows["hotkey"].status == "missing" and "dictate-app start" in rows["hotkey"].fix
    assert rows["key kept from the app"].status == "missing"


def test_checks_when_sway_answers():
    rows = {row.capability: row.status for row in SwayHotkey(connect=FakeSway().connect).checks()}
    assert rows == {"hotkey": "ok", "key kept from the app": "ok"}
    rows = {row.capability: row.status for row in SwayWindows(connect=FakeSway().connect).checks()}
    assert rows == {"focus identity": "ok"}


def test_an_unknown_key_name_is_a_hotkey_error():
    with pytest.raises(HotkeyError, match="not a key name"):
        SwayHotkey(connect=FakeSway().connect).start("f99", print, print, print)


# ---- windows and popup --------------------------------------------------------------------------

TREE = {"type": "root", "nodes": [{"type": "output", "nodes": [{"type": "workspace", "nodes": [
    {"type": "con", "id": 7, "pid": 70, "app_id": "foot", "name": "shell", "focused": False, "nodes": []},
    {"type": "con", "id": 9, "pid": 90, "app_id": None, "name": "xterm", "focused": False, "nodes": [],
     "window_properties": {"class": "XTerm", "instance": "xterm", "title": "xterm"}},
], "floating_nodes": [
    {"type": "floating_con", "id": 12, "pid": 120, "app_id": "org.kde.kate", "name": "notes", "focused": True,
     "nodes": []},
]}]}]}


def test_focused_window_from_the_tree_wayland_and_xwayland():
    assert window_of(focused_node(TREE)).__dict__ == {"id": "12", "app": "org.kde.kate", "title": "notes", "pid": 120}
    xterm = TREE["nodes"][0]["nodes"][0]["nodes"][1]
    assert window_of(xterm).app == "xterm XTerm"
    assert focused_node({"type": "root", "focused": False, "nodes": [{"type": "workspace", "focused": True}]}) is None


def test_sway_windows_asks_sway_and_survives_its_absence():
    sway = FakeSway()
    sway.tree = TREE
    windows = SwayWindows(connect=sway.connect)
    assert windows.focused().app == "org.kde.kate"
    sway.drop()
    sway.reachable = False
    assert windows.focused() is None
    windows.close()


def test_popup_rules_are_applied_and_again_after_a_reload():
    sway = FakeSway()
    # The focused workspace's area: the output's height less a bar.
    sway.workspaces = [{"focused": False, "rect": {"height": 600}}, {"focused": True, "rect": {"height": 1080}}]
    popup = SwayPopup(connect=sway.connect)
    popup.prepare("dictate-app", "Dictate")
    assert sway.commands == popup_commands("dictate-app", "Dictate", 1080)
    assert "move down 390 px" in sway.commands[1]
    sway.emit("workspace", {"change": "reload"})
    until(lambda: len(sway.commands) == 4)
    assert sway.commands[2:] == sway.commands[:2]
    popup.close()
