"""A test implementation of the XDG portal backend interfaces, run as a D-Bus service on a private
bus (jeepney, like the code under test): ``python -m tests.platform.wayland.portal_backend ADDRESS``.

Mode ``impl`` (the default) owns ``org.freedesktop.impl.portal.desktop.dictatetest`` and implements
what the real frontend (``/usr/libexec/xdg-desktop-portal``) calls for the GlobalShortcuts and
RemoteDesktop portals: ``org.freedesktop.impl.portal.GlobalShortcuts`` and ``.RemoteDesktop`` at
``/org/freedesktop/portal/desktop``, the ``Request`` objects at each call's handle (``Close``) and
the ``Session`` objects at each session handle (``Close``, the ``Closed`` signal), with the
``version`` and ``AvailableDeviceTypes`` properties. It answers like KDE's backend
(xdg-desktop-portal-kde ``globalshortcuts.cpp``, ``remotedesktop.cpp``): CreateSession with no
results, BindShortcuts with none after its dialog, ListShortcuts with the list, Start with
``devices``.

Mode ``frontend`` owns ``org.freedesktop.portal.Desktop`` itself and stands in for a 1.17+ frontend's
RemoteDesktop (version 2: ``persist_mode``, a UUID ``restore_token`` checked on the way in and a
new one on every Start), which Debian's 1.16 frontend cannot be made to offer.

Either way the test drives it through ``org.dictate.PortalTest`` at ``/org/dictate/PortalTest``:
``Calls() -> s`` (JSON list of every call with its arguments), ``Reset()``, ``Configure(s json)``
(per method: ``response`` code, ``delay`` seconds, ``devices``, ``trigger``), ``Emit(s member, s
session, s shortcut_id, t timestamp)`` (Activated / Deactivated) and ``CloseSession(s session)``.
"""

from __future__ import annotations

import json
import sys
import time
import uuid

from jeepney import DBusAddress, HeaderFields, MessageType, new_error, new_method_return, new_signal
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

from dictate_app.desktop.wayland.portal_dbus import plain

IMPL_NAME = "org.freedesktop.impl.portal.desktop.dictatetest"
CONTROL_PATH = "/org/dictate/PortalTest"
CONTROL_IFACE = "org.dictate.PortalTest"
PORTAL_PATH = "/org/freedesktop/portal/desktop"
GS = "org.freedesktop.impl.portal.GlobalShortcuts"
RD = "org.freedesktop.impl.portal.RemoteDesktop"
FRONT_RD = "org.freedesktop.portal.RemoteDesktop"

# Argument signatures of the calls we record (to turn jeepney's variants into JSON: the client's
# decoding, plain(); the tests compare what it gives with literal expectations).
SIGNATURES = {
    (GS, "CreateSession"): "oosa{sv}", (GS, "BindShortcuts"): "ooa(sa{sv})sa{sv}", (GS, "ListShortcuts"): "oo",
    (RD, "CreateSession"): "oosa{sv}", (RD, "SelectDevices"): "oosa{sv}", (RD, "Start"): "oossa{sv}",
    (RD, "NotifyKeyboardKeysym"): "oa{sv}iu",
    (FRONT_RD, "CreateSession"): "a{sv}", (FRONT_RD, "SelectDevices"): "oa{sv}", (FRONT_RD, "Start"): "osa{sv}",
    (FRONT_RD, "NotifyKeyboardKeysym"): "oa{sv}iu",
}


def args_json(interface: str, member: str, body: tuple) -> list:
    """A recorded call's arguments with every variant opened (JSON turns tuples into lists)."""
    return list(plain(f"({SIGNATURES[(interface, member)]})", body))


class Backend:
    def __init__(self, address: str, mode: str):
        self.mode = mode
        self.conn = open_dbus_connection(address)
        name = IMPL_NAME if mode == "impl" else "org.freedesktop.portal.Desktop"
        reply = self.conn.send_and_get_reply(message_bus.RequestName(name, 4))  # DO_NOT_QUEUE
        if reply.body[0] != 1:
            raise SystemExit(f"could not own {name}: {reply.body}")
        self.calls: list[dict] = []
        self.config: dict[str, dict] = {}
        self.pending: list[tuple[float, object]] = []  # (due, callable)
        self.sessions: dict[str, dict] = {}

    # ---- loop ----

    def run(self) -> None:
        while True:
            now = time.monotonic()
            for item in [p for p in self.pending if p[0] <= now]:
                self.pending.remove(item)
                item[1]()
            timeout = min((due for due, _ in self.pending), default=now + 0.5) - time.monotonic()
            try:
                msg = self.conn.receive(timeout=max(0.0, timeout))
            except TimeoutError:
                continue
            if msg.header.message_type is MessageType.method_call:
                try:
                    self.handle(msg)
                except Exception as exc:  # a bug here must show in the test, not hang it
                    self.conn.send(new_error(msg, "org.dictate.Error.Backend", "s", (repr(exc),)))

    def reply(self, msg, signature=None, body=()):
        self.conn.send(new_method_return(msg, signature, body))

    def later(self, delay: float, action) -> None:
        if delay:
            self.pending.append((time.monotonic() + delay, action))
        else:
            action()

    def record(self, interface: str, member: str, body: tuple, sender: str = "") -> None:
        self.calls.append({"interface": interface, "member": member, "args": args_json(interface, member, body),
                           "sender": sender})

    def answer(self, msg, member: str, results: dict, on_success=None) -> None:
        """Reply ``(u response, a{sv} results)`` per the configuration of ``member``."""
        conf = self.config.get(member, {})
        code = int(conf.get("response", 0))

        def send():
            if code == 0 and on_success is not None:
                on_success()
            self.reply(msg, "ua{sv}", (code, results if code == 0 else {}))
        self.later(float(conf.get("delay", 0)), send)

    # ---- dispatch ----

    def handle(self, msg) -> None:
        fields = msg.header.fields
        path, iface, member = fields[HeaderFields.path], fields.get(HeaderFields.interface), fields[HeaderFields.member]
        sender = fields.get(HeaderFields.sender, "")
        if path == CONTROL_PATH:
            return self.control(msg, member)
        if iface == "org.freedesktop.DBus.Properties":
            return self.properties(msg, path, member)
        if iface == "org.freedesktop.impl.portal.Request" and member == "Close":
            self.calls.append({"interface": iface, "member": "Close", "args": [path], "sender": sender})
            return self.reply(msg)
        if iface == "org.freedesktop.impl.portal.Session" and member == "Close":
            self.calls.append({"interface": iface, "member": "Close", "args": [path], "sender": sender})
            self.sessions.pop(path, None)
            return self.reply(msg)
        if (iface, member) in SIGNATURES:
            self.record(iface, member, msg.body, sender)
            return getattr(self, f"{'front_' if iface == FRONT_RD else ''}{member}")(msg)
        self.conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", (f"{iface}.{member} at {path}",)))

    def properties(self, msg, path: str, member: str) -> None:
        iface = msg.body[0]
        versions = {GS: 1, RD: 1, FRONT_RD: 2, "org.freedesktop.impl.portal.Session": 1}
        if iface not in versions:
            return self.conn.send(new_error(msg, "org.freedesktop.DBus.Error.InvalidArgs", "s", (f"No such interface {iface}",)))
        props = {"version": ("u", versions[iface])}
        if iface in (RD, FRONT_RD):
            props["AvailableDeviceTypes"] = ("u", 7)
        if member == "GetAll":
            return self.reply(msg, "a{sv}", (props,))
        if member == "Get" and msg.body[1] in props:
            return self.reply(msg, "v", (props[msg.body[1]],))
        self.conn.send(new_error(msg, "org.freedesktop.DBus.Error.InvalidArgs", "s", ("no such property",)))

    def control(self, msg, member: str) -> None:
        if member == "Calls":
            return self.reply(msg, "s", (json.dumps(self.calls),))
        if member == "Reset":
            self.calls.clear()
            self.config.clear()
        elif member == "Configure":
            self.config.update(json.loads(msg.body[0]))
        elif member == "Emit":
            signal, session, shortcut_id, stamp = msg.body
            self.conn.send(new_signal(DBusAddress(PORTAL_PATH, interface=GS), signal, "osta{sv}",
                                      (session, shortcut_id, stamp, {})))
        elif member == "CloseSession":
            iface = "org.freedesktop.impl.portal.Session" if self.mode == "impl" else "org.freedesktop.portal.Session"
            self.conn.send(new_signal(DBusAddress(msg.body[0], interface=iface), "Closed",
                                      "" if self.mode == "impl" else "a{sv}", () if self.mode == "impl" else ({},)))
        self.reply(msg)

    # ---- org.freedesktop.impl.portal.GlobalShortcuts (like KDE's) ----

    def CreateSession(self, msg) -> None:
        self.sessions[msg.body[1]] = {"shortcuts": []}
        self.answer(msg, "CreateSession", {})

    def BindShortcuts(self, msg) -> None:
        _handle, session, shortcuts, _parent, _options = msg.body

        def bind():
            self.sessions.setdefault(session, {})["shortcuts"] = shortcuts
        self.answer(msg, "BindShortcuts", {}, on_success=bind)

    def ListShortcuts(self, msg) -> None:
        trigger = self.config.get("ListShortcuts", {}).get("trigger")
        listed = []
        for shortcut_id, props in self.sessions.get(msg.body[1], {}).get("shortcuts", []):
            wanted = props.get("preferred_trigger", ("s", ""))[1]
            listed.append((shortcut_id, {"description": props.get("description", ("s", "")),
                                         "trigger_description": ("s", trigger if trigger is not None else wanted)}))
        self.answer(msg, "ListShortcuts", {"shortcuts": ("a(sa{sv})", listed)})

    # ---- org.freedesktop.impl.portal.RemoteDesktop (like KDE's, version 1) ----

    def SelectDevices(self, msg) -> None:
        self.answer(msg, "SelectDevices", {})

    def Start(self, msg) -> None:
        devices = int(self.config.get("Start", {}).get("devices", 1))
        self.answer(msg, "Start", {"devices": ("u", devices)})

    def NotifyKeyboardKeysym(self, msg) -> None:
        self.reply(msg)

    # ---- org.freedesktop.portal.RemoteDesktop (a 1.17+ frontend's, version 2) ----

    def respond_later(self, msg, member: str, results_fn) -> None:
        """Reply with the request path, then emit Request.Response there (the frontend's pattern)."""
        options = msg.body[-1]
        sender = msg.header.fields[HeaderFields.sender].lstrip(":").replace(".", "_")
        handle = f"{PORTAL_PATH}/request/{sender}/{options['handle_token'][1]}"
        self.reply(msg, "o", (handle,))
        conf = self.config.get(member, {})
        code = int(conf.get("response", 0))

        def respond():
            results = results_fn() if code == 0 else {}
            self.conn.send(new_signal(DBusAddress(handle, interface="org.freedesktop.portal.Request"), "Response",
                                      "ua{sv}", (code, results)))
        self.later(float(conf.get("delay", 0)), respond)

    def front_CreateSession(self, msg) -> None:
        sender = msg.header.fields[HeaderFields.sender].lstrip(":").replace(".", "_")
        session = f"{PORTAL_PATH}/session/{sender}/{msg.body[0]['session_handle_token'][1]}"
        self.sessions[session] = {}
        self.respond_later(msg, "CreateSession", lambda: {"session_handle": ("s", session)})

    def front_SelectDevices(self, msg) -> None:
        session, options = msg.body
        token = options.get("restore_token", ("s", ""))[1]
        if token:
            try:
                uuid.UUID(token)
            except ValueError:  # 1.17's validate_restore_token
                self.calls[-1]["rejected"] = True
                return self.conn.send(new_error(msg, "org.freedesktop.portal.Error.InvalidArgument", "s",
                                                ("Restore token is not a valid UUID string",)))
        self.sessions.setdefault(session, {})["persist"] = options.get("persist_mode", ("u", 0))[1]
        self.respond_later(msg, "SelectDevices", dict)

    def front_Start(self, msg) -> None:
        session = msg.body[0]

        def results():
            out = {"devices": ("u", 1)}
            if self.sessions.get(session, {}).get("persist"):
                out["restore_token"] = ("s", str(uuid.uuid4()))
                out["persist_mode"] = ("u", self.sessions[session]["persist"])
            return out
        self.respond_later(msg, "Start", results)

    def front_NotifyKeyboardKeysym(self, msg) -> None:
        self.reply(msg)


if __name__ == "__main__":
    Backend(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "impl").run()
