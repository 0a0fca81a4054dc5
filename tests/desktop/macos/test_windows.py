"""The focused window on macOS: the frontmost app's bundle id and name, the window's title through
Accessibility, an id that tells windows apart."""

from __future__ import annotations

from dictate_app.desktop.macos.windows import MacWindows
from tests.desktop.macos.double import FakeMac


def test_frontmost_app_bundle_id_name_and_title():
    mac = FakeMac()
    window = MacWindows(mac).focused()
    assert window.id == "501:77" and window.pid == 501
    assert window.app == "com.apple.Terminal Terminal" and window.title == "~ - zsh"
    assert window.describe() == "com.apple.Terminal Terminal ~ - zsh"


def test_another_window_of_the_same_app_is_another_target():
    mac = FakeMac()
    windows = MacWindows(mac)
    first = windows.focused()
    mac.window_number = 78
    assert windows.focused().id != first.id


def test_without_accessibility_the_app_is_known_but_no_title_is_asked():
    mac = FakeMac(accessibility=False)
    window = MacWindows(mac).focused()
    assert window.app == "com.apple.Terminal Terminal" and window.title == ""
    assert not [c for c in mac.calls if c[0] == "ax_title"]
    assert MacWindows(mac).checks()[0].status == "missing"


def test_no_frontmost_application():
    mac = FakeMac()
    mac.front = None
    assert MacWindows(mac).focused() is None
