"""Which desktop this is, from the environment alone, and the setting that overrides it."""

from __future__ import annotations

import pytest

from dictate_app.desktop.session import choose, detect


@pytest.mark.parametrize(("env", "backend"), [
    ({"WAYLAND_DISPLAY": "wayland-1", "SWAYSOCK": "/run/sway.sock", "DISPLAY": ":0"}, "sway"),
    ({"WAYLAND_DISPLAY": "wayland-1", "HYPRLAND_INSTANCE_SIGNATURE": "abc"}, "hyprland"),
    ({"WAYLAND_DISPLAY": "wayland-0", "XDG_CURRENT_DESKTOP": "ubuntu:GNOME", "DISPLAY": ":0"}, "gnome"),
    ({"XDG_SESSION_TYPE": "wayland", "XDG_CURRENT_DESKTOP": "KDE"}, "kde"),
    ({"WAYLAND_DISPLAY": "wayland-1", "XDG_CURRENT_DESKTOP": "river"}, "wlroots"),
    ({"DISPLAY": ":0", "XDG_CURRENT_DESKTOP": "GNOME", "XDG_SESSION_TYPE": "x11"}, "x11"),
    ({}, "none"),
])
def test_detect(env, backend):
    # Wayland wins over DISPLAY: a Wayland session with XWayland sets both.
    session = detect(env, "linux")
    assert session.backend == backend and session.reason


def test_other_platforms_and_qt_plugins():
    assert detect({}, "win32").backend == "windows" and detect({}, "darwin").backend == "macos"
    assert detect({"DISPLAY": ":0"}, "linux").qt_platform == "xcb"
    assert detect({"WAYLAND_DISPLAY": "w", "SWAYSOCK": "s"}, "linux").qt_platform == "wayland;xcb"
    assert detect({}, "win32").qt_platform is None


def test_the_setting_overrides_and_says_what_was_detected():
    session = choose("x11", {"WAYLAND_DISPLAY": "w", "SWAYSOCK": "s", "DISPLAY": ":1"}, "linux")
    assert session.backend == "x11" and "detected: sway" in session.reason
    assert choose("auto", {"DISPLAY": ":1"}, "linux").backend == "x11"
    with pytest.raises(ValueError, match="not one of auto, x11"):
        choose("beos", {}, "linux")
