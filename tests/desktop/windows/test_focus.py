"""Focus identity on Windows (dictate_app/desktop/windows/focus.py): the foreground window and its
process's executable name, which per-app rules match."""

from __future__ import annotations

from dictate_app.desktop.base import Window
from dictate_app.desktop.windows.focus import WindowsFocus
from dictate_app.store.settings import AppOverride
from tests.desktop.windows.fake_win32 import FakeWin32


def test_the_foreground_window_names_its_executable():
    """Pitfall: per-app rules need the app's identity: the executable's file name, not its path."""
    api = FakeWin32()
    api.foreground, api.pids[0x42] = 0x42, 1234
    api.images[1234] = r"C:\Program Files\WindowsApps\Microsoft.WindowsTerminal\WindowsTerminal.exe"
    api.titles[0x42] = "PowerShell"
    window = WindowsFocus(api).focused()
    assert window == Window(str(0x42), "WindowsTerminal.exe", "PowerShell", 1234)
    assert AppOverride("terminal", paste_keys="ctrl+shift+v").applies_to(window.describe())
    assert not AppOverride("notepad").applies_to(window.describe())


def test_no_foreground_window_is_none():
    assert WindowsFocus(FakeWin32()).focused() is None


def test_a_process_we_cannot_query_still_has_its_window():
    api = FakeWin32()
    api.foreground, api.pids[0x42] = 0x42, 99
    assert WindowsFocus(api).focused() == Window(str(0x42), "", "", 99)


def test_a_store_app_is_named_by_its_own_process_not_its_frame():
    """Pitfall: every Store (UWP) app's foreground window belongs to ApplicationFrameHost.exe; the
    app is the process of a child window (per-app rules and the clipboard's reader need that one)."""
    api = FakeWin32()
    api.foreground, api.pids[0x42] = 0x42, 500
    api.images.update({500: r"C:\Windows\System32\ApplicationFrameHost.exe",
                       600: r"C:\Program Files\WindowsApps\Microsoft.WindowsCalculator\CalculatorApp.exe"})
    api.children[0x42] = [500, 600]
    assert WindowsFocus(api).focused() == Window(str(0x42), "CalculatorApp.exe", "", 600)
