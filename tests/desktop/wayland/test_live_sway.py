"""sway's parts on the real bench: the hotkey Dictate binds through IPC (held with wtype's virtual
keyboard, the Qt target's key log proving the key never reached it), the focused window from
sway's tree, and the popup's rules with a window of the popup's own flags."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtGui import QColor, QImage

from dictate_app.desktop.wayland.sway import SwayHotkey, SwayPopup, SwayWindows
from dictate_app.desktop.wayland.wtype import WtypeKeyboard
from testkit.desktop.app_harness import wait_for
from testkit.desktop.wayland.clients import Popup, Target

F9, CONTROL_R, ESCAPE = "ffc6", "ffe4", "ff1b"  # keysyms as the target logs them


class Events:
    def __init__(self):
        self.items: list[tuple[str, float]] = []
        self.lock = threading.Lock()

    def add(self, kind):
        def callback(ms: float = 0.0):
            with self.lock:
                self.items.append((kind, ms))
        return callback

    def kinds(self):
        with self.lock:
            return [k for k, _ in self.items]

    def start(self, hotkey: SwayHotkey, key: str):
        return hotkey.start(key, self.add("press"), self.add("release"), self.add("escape"))


def received(target: Target, keysym: str) -> list[str]:
    return [line for line in target.keys() if line.split()[2] == keysym]


@pytest.fixture
def rig(sway, tmp_path):
    """A focused, empty Qt target, a SwayHotkey not yet started, and its events."""
    target = Target(sway, tmp_path / "target.txt")
    hotkey = SwayHotkey()
    try:
        target.reset()
        yield target, hotkey, Events()
    finally:
        hotkey.stop()
        target.close()


def hold(sway, key: str, ms: int) -> None:
    sway.wtype("-s", "150", "-P", key, "-s", str(ms), "-p", key)  # -s: the keymap (see wtype.py)


def test_held_f9_is_one_press_one_release_and_never_reaches_the_app(sway, rig):
    target, hotkey, events = rig
    hold(sway, "F9", 300)  # before Dictate binds it, F9 reaches the app (the log can see it)
    wait_for(lambda: received(target, F9), 5, "F9 in the target's key log")
    target.reset()

    assert events.start(hotkey, "f9") is None
    hold(sway, "F9", 1500)
    wait_for(lambda: len(events.items) == 2, 5, "press and release")
    time.sleep(0.5)  # a repeat would come 600 ms into the hold, a late one after it
    assert events.kinds() == ["press", "release"]
    held = events.items[1][1] - events.items[0][1]
    print(f"press to release: {held:.0f} ms for a 1500 ms hold")
    assert 1400 < held < 2500  # stamped at key-down and key-up, not at delivery
    hold(sway, "F9", 300)  # a second hold
    wait_for(lambda: len(events.items) == 4, 5, "the second hold")
    assert events.kinds() == ["press", "release"] * 2
    assert received(target, F9) == [] and target.text() == ""

    hotkey.stop()
    hold(sway, "F9", 300)  # the binding is gone: F9 reaches the app again
    wait_for(lambda: received(target, F9), 5, "F9 in the target's key log after stop()")
    assert len(events.items) == 4


def test_the_hotkey_survives_a_sway_reload(sway, rig):
    target, hotkey, events = rig
    events.start(hotkey, "f9")
    hotkey.set_escape(True)
    sway.swaymsg("reload")  # drops every runtime binding (measured): SwayHotkey binds again
    time.sleep(0.5)
    hold(sway, "F9", 300)
    wait_for(lambda: events.kinds() == ["press", "release"], 5, "a hold after the reload")
    WtypeKeyboard().key("esc")
    wait_for(lambda: events.kinds()[2:] == ["escape"], 5, "Esc still Dictate's after the reload")
    assert received(target, F9) == [] and received(target, ESCAPE) == []


def test_esc_is_taken_from_the_app_only_while_recording(sway, rig):
    target, hotkey, events = rig
    keyboard = WtypeKeyboard()
    events.start(hotkey, "f9")
    keyboard.key("esc")
    wait_for(lambda: received(target, ESCAPE), 5, "Esc in the app while not recording")
    target.reset()
    hotkey.set_escape(True)
    keyboard.key("esc")
    wait_for(lambda: events.kinds() == ["escape"], 5, "Esc as Dictate's cancel")
    sway.wtype("-P", "F9", "-s", "200", "-k", "Escape", "-s", "200", "-p", "F9")  # Esc during a hold
    wait_for(lambda: events.kinds() == ["escape", "press", "escape"], 5, "Esc during a hold")
    assert received(target, ESCAPE) == []
    hotkey.set_escape(False)
    keyboard.key("esc")
    wait_for(lambda: received(target, ESCAPE), 5, "Esc back in the app")
    hold(sway, "F9", 200)  # the cancelled hold is over: a new press starts a new one
    wait_for(lambda: events.kinds()[3:] == ["press", "release"], 5, "a hold after the cancel")


def test_right_ctrl_alone_is_a_hotkey(sway, rig):
    target, hotkey, events = rig
    events.start(hotkey, "ctrl_r")
    # A virtual keyboard's keys do not change its modifiers (wlroots takes them from the client's
    # modifiers request), so wtype sets Ctrl the way a real keyboard's Right Ctrl would: on after
    # the key goes down, off after it comes up.
    sway.wtype("-s", "150", "-P", "Control_R", "-M", "ctrl", "-s", "800", "-p", "Control_R", "-m", "ctrl")
    wait_for(lambda: len(events.items) == 2, 5, "press and release of Right Ctrl")
    time.sleep(0.3)
    assert events.kinds() == ["press", "release"]
    assert received(target, CONTROL_R) == []
    hotkey.set_escape(True)  # Esc now arrives as Ctrl+Escape: bound as such
    sway.wtype("-s", "150", "-P", "Control_R", "-M", "ctrl", "-s", "200", "-k", "Escape", "-s", "200",
               "-p", "Control_R", "-m", "ctrl")
    wait_for(lambda: events.kinds()[2:] == ["press", "escape"], 5, "Esc while Right Ctrl is held")


def test_focused_window_names_the_app_and_follows_focus(sway, tmp_path):
    first = Target(sway, tmp_path / "a.txt", app_id="dictate-test-a")
    second = Target(sway, tmp_path / "b.txt", app_id="dictate-test-b")
    windows = SwayWindows()
    try:
        second.focus()
        now = windows.focused()
        assert (now.app, now.pid, now.title) == ("dictate-test-b", second.proc.pid, "dictate-target")
        sway.swaymsg("[app_id=dictate-test-a] focus")
        wait_for(lambda: windows.focused().pid == first.proc.pid, 5, "focus on the first window")
        assert windows.focused().app == "dictate-test-a"
        assert windows.focused().id == str(first.node()["id"])
        t0 = time.perf_counter()
        for _ in range(100):
            windows.focused()
        print(f"SwayWindows.focused(): {(time.perf_counter() - t0) * 10:.3f} ms per call, 2 windows")
    finally:
        windows.close()
        first.close()
        second.close()


def _pixel(path, x: int, y: int) -> str:
    return QColor(QImage(str(path)).pixel(x, y)).name()


@pytest.fixture
def shown(sway, tmp_path):
    """``show(app_id, title)``: the popup rules prepared and a popup shown over a focused target;
    returns (target, popup). Everything is closed after the test."""
    opened = []

    def show(app_id: str, title: str, shown_title: str = ""):
        target = Target(sway, tmp_path / "target.txt")
        opened.append(target)
        target.reset()
        rules = SwayPopup()
        opened.append(rules)
        rules.prepare(app_id, title)
        popup = Popup(sway, app_id, shown_title or title)
        opened.append(popup)
        return target, popup

    yield show
    for thing in reversed(opened):
        thing.close()


def test_popup_floats_on_every_workspace_without_taking_focus(sway, shown, tmp_path):
    target, popup = shown("dictate-app-test", "Dictate")
    node = popup.node()
    assert node["app_id"] == "dictate-app-test"  # what Qt 6 sends: the desktop file name
    assert node["type"] == "floating_con" and node["sticky"] and not node["focused"]
    rect = node["rect"]
    print(f"popup rect: {rect}")
    assert (rect["x"], rect["width"], rect["height"]) == ((1280 - 420) // 2, 420, 80)
    # Its centre 150 px above the bottom of the workspace area (the output less swaybar): above the bar.
    area = next(w for w in sway.swaymsg("-t", "get_workspaces") if w["focused"])["rect"]
    assert area["y"] + area["height"] < 800  # the bar takes the bottom
    # (within a pixel: centring an odd height rounds down)
    assert abs(rect["y"] + rect["height"] // 2 - (area["y"] + area["height"] - 150)) <= 1
    assert target.node()["focused"]

    shot = sway.screenshot("sway-popup.png")
    assert _pixel(shot, rect["x"] + 5, rect["y"] + rect["height"] - 5) == "#202124"  # the popup, on top
    assert _pixel(shot, rect["x"] + 5, rect["y"] - 20) != "#202124"

    WtypeKeyboard().type("still here")
    wait_for(lambda: target.text() == "still here", 5, "typed text in the target with the popup up")

    popup.hide()  # each show maps a new toplevel: the rules must hold every time
    sway.swaymsg("workspace 2")
    # Not an empty workspace: sway focuses the only window of the focused workspace whatever
    # no_focus says (sway/tree/view.c, should_focus), and there is nothing to dictate into there.
    other = Target(sway, tmp_path / "other.txt")
    try:
        other.reset()
        popup.show()
        node = popup.node()
        assert node["type"] == "floating_con" and not node["focused"] and other.node()["focused"]
        assert next(w for w in sway.swaymsg("-t", "get_workspaces") if w["focused"])["name"] == "2"
    finally:
        other.close()
    sway.swaymsg("workspace 1")
    wait_for(lambda: target.node()["focused"], 5, "the target focused again on workspace 1")


def test_popup_criteria_escape_regex_characters_for_real(shown):
    target, popup = shown("dictate.test+1", 'Dic(t)ate "q" $mod', 'Dic(t)ate "q" $mod: words')
    node = popup.node()
    assert node["type"] == "floating_con" and not node["focused"] and target.node()["focused"]
