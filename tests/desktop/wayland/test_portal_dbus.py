"""The portal's D-Bus plumbing (desktop/wayland/portal_dbus.py): variants opened by their signature,
and a send that fails because the portal left says so. Calls through the real frontend:
test_portal.py."""

from __future__ import annotations

import threading

import pytest

from dictate_app.desktop.wayland.portal_dbus import plain


def test_plain_opens_variants_by_signature():
    results = {"shortcuts": ("a(sa{sv})", [("a", {"trigger_description": ("s", "F9")})]), "devices": ("u", 1)}
    assert plain("a{sv}", results) == {"shortcuts": [("a", {"trigger_description": "F9"})], "devices": 1}


def test_a_send_that_fails_because_the_portal_left_tells_that_reason():
    """The race CI met once: the call checked ``lost`` before the portal left, then the bus's
    owner closed the socket (its on_lost) and the send failed with EBADF. The error must say the
    portal left, not "Bad file descriptor"."""
    from jeepney import DBusAddress

    from dictate_app.desktop.wayland.portal_dbus import PortalBus, PortalError

    class ClosingConnection:
        outgoing_serial = iter(range(1, 100))

        def send(self, msg, serial):
            bus._lose("the desktop portal (xdg-desktop-portal) left the session bus")
            raise OSError(9, "Bad file descriptor")

    bus = PortalBus.__new__(PortalBus)  # no real connection: the race is between two lines
    bus._conn, bus._lock, bus._replies, bus._responses = ClosingConnection(), threading.Lock(), {}, {}
    bus.lost, bus._closing, bus.on_lost = None, False, None
    with pytest.raises(PortalError, match=r"xdg-desktop-portal\) left the session bus") as info:
        bus.call(DBusAddress("/org/freedesktop/portal/desktop", "org.freedesktop.portal.Desktop",
                             "org.freedesktop.portal.RemoteDesktop"), "Start")
    assert info.value.kind == "gone" and "Bad file descriptor" not in str(info.value)
