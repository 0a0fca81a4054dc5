"""Build the desktop backend for a session: one platform's code is imported, the others never are."""

from __future__ import annotations

import importlib

from dictate_app.desktop.base import Desktop
from dictate_app.desktop.session import Session
from dictate_app.desktop.unsupported import unsupported

# backend -> (module, function) that assembles it from its parts.
BUILDERS = {
    "x11": ("dictate_app.desktop.x11", "build"),
    "sway": ("dictate_app.desktop.wayland.assemble", "build_sway"),
    "hyprland": ("dictate_app.desktop.wayland.assemble", "build_hyprland"),
    "wlroots": ("dictate_app.desktop.wayland.assemble", "build_wlroots"),
    "gnome": ("dictate_app.desktop.wayland.assemble", "build_gnome"),
    "kde": ("dictate_app.desktop.wayland.assemble", "build_kde"),
    "windows": ("dictate_app.desktop.windows", "build"),
    "macos": ("dictate_app.desktop.macos", "build"),
}


def build(session: Session) -> Desktop:
    """The backend for ``session``; a desktop without one gets :func:`unsupported` parts."""
    builder = BUILDERS.get(session.backend)
    if builder is None:
        return unsupported(session)
    module, function = builder
    return getattr(importlib.import_module(module), function)(session)
