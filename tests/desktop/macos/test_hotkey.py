"""The macOS hotkey over the recording double: which events the tap drops, left/right modifiers
and Fn by their flags, the tap re-enabled after macOS disables it, the Carbon fallback while Secure
Event Input is on, and the permission errors."""

from __future__ import annotations

import pytest

from dictate_app.desktop.base import HotkeyError
from dictate_app.desktop.macos import keycodes as kc
from dictate_app.desktop.macos.hotkey import MacHotkey
from tests.desktop.macos.double import FakeMac


class Events:
    def __init__(self):
        self.log = []

    def press(self, ms):
        self.log.append("press")

    def release(self, ms):
        self.log.append("release")

    def escape(self):
        self.log.append("esc")


def started(key="f9", **fake):
    mac = FakeMac(**fake)
    hotkey = MacHotkey(mac, poll_s=60)
    events = Events()
    warning = hotkey.start(key, events.press, events.release, events.escape)
    return mac, hotkey, events, warning


def test_f9_is_reported_once_and_kept_from_the_app():
    """Key kept from the focused app: the tap drops F9's down, its auto-repeats and its up
    (returns False); one press and one release are reported."""
    mac, hotkey, events, warning = started("f9")
    tap = mac.tap
    assert warning is None and not tap.listen_only and hotkey.keeps_key_from_app
    assert set(tap.types) == {kc.KEY_DOWN, kc.KEY_UP, kc.FLAGS_CHANGED}
    assert tap.send(kc.KEY_DOWN, 0x65) is False
    assert tap.send(kc.KEY_DOWN, 0x65, autorepeat=True) is False
    assert tap.send(kc.KEY_UP, 0x65) is False
    assert events.log == ["press", "release"]
    hotkey.stop()
    assert tap.stopped


def test_other_keys_pass_and_esc_cancels_without_being_taken():
    mac, _hotkey, events, _ = started("f9")
    assert mac.tap.send(kc.KEY_DOWN, 0x00) is True  # "a"
    assert mac.tap.send(kc.KEY_DOWN, kc.ESC) is True
    assert mac.tap.send(kc.KEY_DOWN, kc.ESC, autorepeat=True) is True
    assert events.log == ["esc"]


def test_right_control_is_told_from_left_by_its_device_bit():
    """Right-hand modifiers: flagsChanged names the key (0x3E) and NX_DEVICERCTLKEYMASK says it is
    down; Left Control's flagsChanged (0x3B) does not trigger. Modifiers are passed on."""
    mac, hotkey, events, _ = started("ctrl_r")
    tap = mac.tap
    assert tap.send(kc.FLAGS_CHANGED, 0x3B, kc.FLAG_CONTROL | 0x0001) is True
    assert events.log == []
    assert tap.send(kc.FLAGS_CHANGED, 0x3E, kc.FLAG_CONTROL | 0x2000) is True
    # Left Control goes up while Right is still down: no release.
    assert tap.send(kc.FLAGS_CHANGED, 0x3B, kc.FLAG_CONTROL | 0x2000) is True
    assert tap.send(kc.FLAGS_CHANGED, 0x3E, 0) is True
    assert events.log == ["press", "release"]
    assert hotkey.keeps_key_from_app  # a modifier types nothing alone


def test_right_command_down_while_left_held():
    """Right Command (0x36) pressed while Left Command is held: only its own bit counts."""
    mac, _hotkey, events, _ = started("super_r")
    mac.tap.send(kc.FLAGS_CHANGED, 0x37, kc.FLAG_COMMAND | 0x0008)
    mac.tap.send(kc.FLAGS_CHANGED, 0x36, kc.FLAG_COMMAND | 0x0008 | 0x0010)
    mac.tap.send(kc.FLAGS_CHANGED, 0x36, kc.FLAG_COMMAND | 0x0008)
    assert events.log == ["press", "release"]


def test_fn_globe_key_by_the_secondary_fn_flag():
    """The Fn/Globe key: flagsChanged with key code 63 and kCGEventFlagMaskSecondaryFn; arrow keys
    that carry the Fn flag on their own key events do not trigger it."""
    mac, _hotkey, events, _ = started("globe")
    tap = mac.tap
    assert tap.send(kc.KEY_DOWN, 0x7E, kc.FLAG_FN) is True  # Up arrow carries the Fn flag
    assert tap.send(kc.FLAGS_CHANGED, kc.FN, kc.FLAG_FN) is True
    assert tap.send(kc.FLAGS_CHANGED, kc.FN, 0) is True
    assert events.log == ["press", "release"]


def test_a_tap_disabled_by_macos_is_enabled_again():
    """macOS disables a tap it finds slow (kCGEventTapDisabledByTimeout) or on user input; the
    hotkey would then be dead until restart (cf. Handy #1238's lost hook): enable it again."""
    mac, hotkey, events, _ = started("f9")
    mac.tap.send(kc.TAP_DISABLED_BY_TIMEOUT)
    mac.tap.send(kc.TAP_DISABLED_BY_USER_INPUT)
    assert mac.tap.enabled == 2 and hotkey.reenabled == 2
    mac.tap.send(kc.KEY_DOWN, 0x65)
    assert events.log == ["press"]
    assert "turned back on" in hotkey.checks()[0].detail


def test_without_input_monitoring_the_start_fails_with_the_pane():
    """Input Monitoring checked at start: without it a tap sees nothing (OpenWhispr #368)."""
    mac = FakeMac(listen=False)
    with pytest.raises(HotkeyError, match="Input Monitoring"):
        MacHotkey(mac).start("f9", print, print, print)
    assert mac.tap is None
    row = MacHotkey(mac).checks()[0]
    assert row.status == "missing" and "Input Monitoring" in row.fix


def test_without_accessibility_the_tap_only_listens_and_says_so():
    """Only a listen-only tap is allowed without Accessibility: the key works, the app gets it too."""
    mac, hotkey, _events, warning = started("f9", accessibility=False)
    assert mac.tap.listen_only and not hotkey.keeps_key_from_app
    assert "Accessibility" in warning
    assert hotkey.checks()[1].status == "missing"


def test_a_refused_tap_is_one_sentence():
    mac = FakeMac()
    mac.refuse_tap = True
    with pytest.raises(HotkeyError, match="refused"):
        MacHotkey(mac).start("f9", print, print, print)


def test_secure_input_switches_to_a_carbon_hot_key_and_back():
    """Secure Event Input (a password field): the tap sees no keys, so a Carbon hot key (on the
    main thread) takes over until it ends; doctor/status say so; the desktop line is refreshed."""
    mac, hotkey, events, _ = started("f9")
    changes = []
    hotkey.on_change = lambda: changes.append(1)
    mac.secure = True
    hotkey.poll_secure_input()
    assert ("carbon_register", 0x65) in mac.calls and ("main_thread",) in mac.calls
    assert "Carbon hot key" in hotkey.checks()[0].detail and hotkey.checks()[0].status == "ok"
    mac.carbon.on_press()
    mac.carbon.on_release()
    assert events.log == ["press", "release"]
    mac.secure = False
    hotkey.poll_secure_input()
    assert mac.calls[-1] == ("carbon_unregister", 0x65)
    assert changes == [1, 1]


def test_secure_input_with_a_modifier_hotkey_says_what_to_do():
    """A modifier or Fn cannot be a Carbon hot key: no registration, and the row says why."""
    mac, hotkey, _events, _ = started("fn")
    mac.secure = True
    hotkey.poll_secure_input()
    assert not [c for c in mac.calls if c[0] == "carbon_register"]
    row = hotkey.checks()[0]
    assert row.status == "missing" and "Secure Event Input" in row.detail and "Start dictation" in row.fix


def test_keys_with_no_mac_key_are_refused():
    with pytest.raises(HotkeyError, match="no key on a Mac"):
        MacHotkey(FakeMac()).start("f24", print, print, print)


def test_f_keys_say_they_are_media_keys_on_apple_keyboards():
    """F9 (the default) is "next track" on an Apple keyboard unless standard function keys are on."""
    _mac, hotkey, _events, _ = started("f9")
    assert "standard function keys" in hotkey.checks()[0].detail
    _mac, hotkey, _events, _ = started("f13")
    assert "standard function keys" not in hotkey.checks()[0].detail
