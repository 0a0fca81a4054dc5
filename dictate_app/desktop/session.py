"""Which desktop we run on, from the environment alone (Qt-free, no I/O).

The answer picks the backend (:mod:`dictate_app.desktop.choose`) and is what ``dictate-app doctor``
explains. Wayland wins over X11 when both are set: a Wayland session with XWayland sets
``DISPLAY`` too, but xdotool and X11 grabs reach only XWayland windows there.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass

# The backends a user may force with the `desktop` setting or --desktop ("auto" = detect).
BACKENDS = ("x11", "sway", "hyprland", "wlroots", "gnome", "kde", "windows", "macos")
DESKTOP_CHOICES = ("auto", *BACKENDS)


@dataclass(frozen=True)
class Session:
    """``backend``: one of :data:`BACKENDS`, or ``none`` without any display; ``reason``: one
    sentence naming the variables that decided it. ``env`` is the environment it was read from."""

    backend: str
    reason: str
    env: Mapping[str, str]

    @property
    def wayland(self) -> bool:
        return self.backend in ("sway", "hyprland", "wlroots", "gnome", "kde")

    @property
    def qt_platform(self) -> str | None:
        """The Qt platform plugin this backend needs (None: Qt's own choice). The X11 backend
        watches xcb events; a Wayland backend's popup rules name a Wayland window. Left alone, Qt
        picks xcb on some Wayland sessions (no XDG_SESSION_TYPE) and wayland on others."""
        if self.backend == "x11":
            return "xcb"
        return "wayland;xcb" if self.wayland else None


def _desktops(env: Mapping[str, str]) -> list[str]:
    return [d.strip().lower() for d in env.get("XDG_CURRENT_DESKTOP", "").split(":") if d.strip()]


def detect(env: Mapping[str, str] | None = None, platform: str | None = None) -> Session:
    """The session's backend and why."""
    env = dict(os.environ if env is None else env)
    platform = platform or sys.platform
    if platform.startswith("win"):
        return Session("windows", "this is Windows", env)
    if platform == "darwin":
        return Session("macos", "this is macOS", env)
    wayland = env.get("WAYLAND_DISPLAY") or env.get("XDG_SESSION_TYPE", "").lower() == "wayland"
    if wayland:
        desktops = _desktops(env)
        if env.get("SWAYSOCK"):
            return Session("sway", "WAYLAND_DISPLAY and SWAYSOCK are set (sway)", env)
        if env.get("HYPRLAND_INSTANCE_SIGNATURE"):
            return Session("hyprland", "WAYLAND_DISPLAY and HYPRLAND_INSTANCE_SIGNATURE are set (Hyprland)", env)
        if "gnome" in desktops:
            return Session("gnome", f"a Wayland session with XDG_CURRENT_DESKTOP={env['XDG_CURRENT_DESKTOP']}", env)
        if "kde" in desktops:
            return Session("kde", f"a Wayland session with XDG_CURRENT_DESKTOP={env['XDG_CURRENT_DESKTOP']}", env)
        current = env.get("XDG_CURRENT_DESKTOP") or "unset"
        return Session("wlroots", f"a Wayland session that is not GNOME or KDE (XDG_CURRENT_DESKTOP={current}); "
                                  "taken as a wlroots compositor", env)
    if env.get("DISPLAY"):
        return Session("x11", f"an X11 session (DISPLAY={env['DISPLAY']}, no WAYLAND_DISPLAY)", env)
    return Session("none", "neither WAYLAND_DISPLAY nor DISPLAY is set: no graphical session", env)


def choose(setting: str = "auto", env: Mapping[str, str] | None = None, platform: str | None = None) -> Session:
    """The session to use: detected, or the user's ``desktop`` setting when it is not ``auto``."""
    detected = detect(env, platform)
    if setting in ("", "auto"):
        return detected
    if setting not in BACKENDS:
        raise ValueError(f"desktop {setting!r} is not one of {', '.join(DESKTOP_CHOICES)}")
    return Session(setting, f"the desktop setting says {setting} (detected: {detected.backend}, "
                            f"{detected.reason})", detected.env)
