"""The Wayland desktops assembled from their parts (what :mod:`dictate_app.desktop.choose` builds).

| desktop | hotkey | focus identity | keys and typing | clipboard |
|---|---|---|---|---|
| sway | its IPC: bindings Dictate adds itself | sway IPC | wtype (virtual keyboard) | data-control |
| Hyprland | its sockets: binds with the event dispatcher | Hyprland IPC | wtype | data-control |
| other wlroots (river, Wayfire...) | none: bind ``dictate-app start/stop`` | none | wtype | data-control |
| KDE Plasma | GlobalShortcuts portal | none | RemoteDesktop portal | data-control |
| GNOME | GlobalShortcuts portal | none | RemoteDesktop portal | none: typing only |

The clipboard is opened lazily, on the GUI thread (``make_clipboard``); a compositor without a
data-control protocol has none, and Dictate types instead (``can_paste`` False).
"""

from __future__ import annotations

import logging

from dictate_app.desktop.base import Desktop
from dictate_app.desktop.session import Session
from dictate_app.desktop.unsupported import NoHotkey, NoWindows, qt_clipboard

log = logging.getLogger(__name__)
WLROOTS_HOTKEY_HELP = ("bind `dictate-app start` to the key's press and `dictate-app stop` to its release in "
                       "your compositor's config (river: `riverctl map normal None F9 spawn 'dictate-app start'` "
                       "and `riverctl map -release normal None F9 spawn 'dictate-app stop'`)")


def _globals():
    from dictate_app.desktop.wayland.wire import list_globals

    try:
        return list_globals()
    except Exception as exc:  # no compositor to ask: every clipboard row says why
        log.debug("no Wayland globals (%s)", exc)
        return []


def _clipboard_parts(globals_) -> tuple:
    """(make_clipboard, checks, can_paste) for the data-control clipboard on this compositor."""
    from dictate_app.desktop.wayland.datacontrol import PROTOCOLS, DataControlClipboard, clipboard_checks

    offered = {g.interface for g in globals_}
    if not offered & set(PROTOCOLS):  # Qt's, only for "the text is on the clipboard" where allowed
        return qt_clipboard, clipboard_checks(globals_), False
    return DataControlClipboard, clipboard_checks(globals_), True


def _wlroots(session: Session, hotkey, windows, popup=None) -> Desktop:
    from dictate_app.desktop.wayland.wtype import WtypeKeyboard

    globals_ = _globals()
    make_clipboard, clipboard_rows, can_paste = _clipboard_parts(globals_)
    closers = [part.close for part in (windows, popup) if part is not None and hasattr(part, "close")]
    return Desktop(session.backend, session.reason, hotkey, windows, WtypeKeyboard(), make_clipboard,
                   prepare_popup=popup.prepare if popup is not None else (lambda app_id, title: None),
                   extra_checks=lambda: clipboard_rows, close_parts=closers, can_paste=can_paste)


def build_sway(session: Session) -> Desktop:
    from dictate_app.desktop.wayland.sway import SwayHotkey, SwayPopup, SwayWindows

    return _wlroots(session, SwayHotkey(), SwayWindows(), SwayPopup())


def build_hyprland(session: Session) -> Desktop:
    from dictate_app.desktop.wayland.hyprland import HyprlandHotkey, HyprlandPopup, HyprlandWindows

    return _wlroots(session, HyprlandHotkey(), HyprlandWindows(), HyprlandPopup())


def build_wlroots(session: Session) -> Desktop:
    return _wlroots(session, NoHotkey("this compositor offers Dictate no way to see a key", WLROOTS_HOTKEY_HELP),
                    NoWindows())


def _portal(session: Session) -> Desktop:
    from dictate_app.desktop.wayland.portal import PortalHotkey
    from dictate_app.desktop.wayland.portal_keyboard import PortalKeyboard
    from dictate_app.paths import config_dir

    globals_ = _globals()
    make_clipboard, clipboard_rows, can_paste = _clipboard_parts(globals_)
    keyboard = PortalKeyboard(config_dir() / "remote-desktop.token")
    desktop = Desktop(session.backend, session.reason, PortalHotkey(), NoWindows(), keyboard, make_clipboard,
                      extra_checks=lambda: clipboard_rows, close_parts=[keyboard.close],
                      start_parts=[keyboard.prepare], can_paste=can_paste)
    desktop.hotkey.on_change = desktop.changed  # the dialog's answer arrives after start()
    return desktop


build_gnome = build_kde = _portal
