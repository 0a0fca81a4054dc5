"""The Wayland desktops assembled from their parts (desktop/wayland/assemble.py), without a
compositor: which hotkey, windows, keyboard and clipboard each gets, and whether text can be pasted
(data-control offered) or must be typed."""

from __future__ import annotations

import pytest

from dictate_app.desktop.session import Session
from dictate_app.desktop.unsupported import NoHotkey, NoWindows, qt_clipboard
from dictate_app.desktop.wayland import assemble
from dictate_app.desktop.wayland.datacontrol import DataControlClipboard
from dictate_app.desktop.wayland.wire import Global

DATA_CONTROL = [Global(1, "wl_seat", 8), Global(2, "ext_data_control_manager_v1", 1)]


@pytest.fixture
def offered(monkeypatch):
    """What the (absent) compositor advertises: set the list to offer globals."""
    globals_: list[Global] = []
    monkeypatch.setattr(assemble, "_globals", lambda: list(globals_))
    return globals_


def test_without_data_control_the_text_is_typed_and_the_row_says_why(offered):
    desktop = assemble.build_wlroots(Session("wlroots", "WAYLAND_DISPLAY is set.", {}))
    assert isinstance(desktop.hotkey, NoHotkey) and isinstance(desktop.windows, NoWindows)
    assert "riverctl map" in desktop.hotkey.fix
    assert desktop.make_clipboard is qt_clipboard and desktop.can_paste is False
    assert any(row.capability == "paste" and row.status != "ok" for row in desktop.checks())


def test_with_data_control_the_clipboard_is_ours_and_pastes(offered):
    offered.extend(DATA_CONTROL)
    desktop = assemble.build_wlroots(Session("wlroots", "WAYLAND_DISPLAY is set.", {}))
    assert desktop.make_clipboard is DataControlClipboard and desktop.can_paste is True


def test_sway_and_hyprland_get_their_own_parts_and_close_them(offered):
    sway = assemble.build_sway(Session("sway", "SWAYSOCK is set.", {}))
    assert (type(sway.hotkey).__name__, type(sway.windows).__name__) == ("SwayHotkey", "SwayWindows")
    assert len(sway.close_parts) == 2  # the windows' and the popup's connections
    hyprland = assemble.build_hyprland(Session("hyprland", "HYPRLAND_INSTANCE_SIGNATURE is set.", {}))
    assert type(hyprland.hotkey).__name__ == "HyprlandHotkey"


def test_gnome_and_kde_use_the_portals_with_the_token_in_the_config_folder(offered, monkeypatch, tmp_path):
    monkeypatch.setenv("DICTATE_CONFIG_DIR", str(tmp_path))
    assert assemble.build_gnome is assemble.build_kde
    desktop = assemble.build_gnome(Session("gnome", "XDG_CURRENT_DESKTOP is GNOME.", {}))
    assert (type(desktop.hotkey).__name__, type(desktop.keyboard).__name__) == ("PortalHotkey", "PortalKeyboard")
    assert desktop.keyboard.token_path == tmp_path / "remote-desktop.token"
    assert desktop.hotkey.on_change == desktop.changed  # the dialog's answer comes after start()
    assert desktop.start_parts == [desktop.keyboard.prepare] and desktop.close_parts == [desktop.keyboard.close]
