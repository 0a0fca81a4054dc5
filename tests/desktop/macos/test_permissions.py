"""Permissions at start: one message naming every missing permission, one pane opened."""

from __future__ import annotations

from dictate_app.desktop.macos.permissions import ACCESSIBILITY, INPUT_MONITORING, Permissions
from tests.desktop.macos.double import FakeMac


def test_the_pane_urls():
    assert INPUT_MONITORING.url == "x-apple.systempreferences:com.apple.preference.security?Privacy_ListenEvent"
    assert ACCESSIBILITY.url == "x-apple.systempreferences:com.apple.preference.security?Privacy_Accessibility"


def test_all_granted_asks_nothing():
    mac = FakeMac()
    assert Permissions(mac).request() is None and mac.calls == []


def test_both_missing_one_message_one_pane_once():
    """One clear message for both; only the first missing permission is requested and its pane
    opened (not three windows at once); a second start of the hotkey does not ask again."""
    mac = FakeMac(accessibility=False, listen=False)
    permissions = Permissions(mac)
    message = permissions.request()
    assert "Input Monitoring" in message and "Accessibility" in message and "minus button" in message
    assert mac.calls == [("request_listen",), ("open_url", INPUT_MONITORING.url)]
    permissions.request()
    assert len(mac.calls) == 2


def test_accessibility_alone_prompts_for_it():
    mac = FakeMac(accessibility=False)
    message = Permissions(mac).request()
    assert "Input Monitoring" not in message
    assert mac.calls == [("ax_prompt",), ("open_url", ACCESSIBILITY.url)]
