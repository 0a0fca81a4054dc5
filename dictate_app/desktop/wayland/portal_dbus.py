"""The XDG desktop portal's D-Bus plumbing on jeepney (pure Python, Qt-free): a connection with a
receiver thread of its own, method calls with a time limit, and the Request/Response pattern.

Facts this follows (xdg-desktop-portal 1.16, the frontend Debian 12 ships, ``src/request.c``,
``src/session.c``, ``src/global-shortcuts.c``; later versions keep them):

- A portal method that asks the user returns a Request object path at once and answers later with
  the ``org.freedesktop.portal.Request.Response(u code, a{sv} results)`` signal on that path: code
  0 success, 1 the user cancelled, 2 anything else (refused by policy, backend failure). The path
  is ``/org/freedesktop/portal/desktop/request/SENDER/TOKEN`` (SENDER: our unique name without the
  leading ``:`` and with ``.`` as ``_``; TOKEN: the ``handle_token`` option), so we listen before
  calling and no Response can slip by. Sessions likewise live at ``.../session/SENDER/TOKEN``
  (``session_handle_token``; 1.16 refuses a session without one: "Missing token").
- 1.16 returns ``session_handle`` as a string (``s``), not the object path the documentation says.
- 1.16 broadcasts GlobalShortcuts' signals to every client (1.17 limits them to the sender), so
  listeners filter by session handle.
- ``Request.Close`` dismisses a pending dialog (used when we stop waiting).

Callbacks run on the receiver thread: they must not wait for D-Bus replies (nothing would read
them); the portal parts only record state and call the app's queued callbacks from them.
"""

from __future__ import annotations

import itertools
import os
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

from jeepney import DBusAddress, HeaderFields, MatchRule, Message, MessageType, new_method_call
from jeepney.bus_messages import message_bus
from jeepney.io.threading import DBusConnection, ReceiveStopped, open_dbus_connection

PORTAL_NAME = "org.freedesktop.portal.Desktop"
PORTAL_PATH = "/org/freedesktop/portal/desktop"
PORTAL = DBusAddress(PORTAL_PATH, bus_name=PORTAL_NAME)
REQUEST_IFACE = "org.freedesktop.portal.Request"
SESSION_IFACE = "org.freedesktop.portal.Session"
REGISTRY_IFACE = "org.freedesktop.host.portal.Registry"
PROPERTIES_IFACE = "org.freedesktop.DBus.Properties"

# Response codes of org.freedesktop.portal.Request.Response.
SUCCESS, CANCELLED, OTHER = 0, 1, 2

# D-Bus errors that mean "nothing here": no portal on the bus, or no such interface or method.
_ABSENT = (
    "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner",
    "org.freedesktop.DBus.Error.UnknownInterface", "org.freedesktop.DBus.Error.UnknownMethod",
    "org.freedesktop.DBus.Error.UnknownObject", "org.freedesktop.DBus.Error.InvalidArgs",
)


def session_object(session: str) -> DBusAddress:
    """The portal's ``org.freedesktop.portal.Session`` object at ``session`` (for ``Close``)."""
    return DBusAddress(session, bus_name=PORTAL_NAME, interface=SESSION_IFACE)


class PortalError(Exception):
    """A portal call that did not succeed. ``kind``: ``absent`` (no portal or no such interface),
    ``cancelled`` / ``refused`` (Response 1 / 2), ``timeout``, ``gone`` (the portal or the bus went
    away), ``error`` (any other D-Bus error; ``dbus_name`` names it)."""

    def __init__(self, kind: str, message: str, dbus_name: str = ""):
        super().__init__(message)
        self.kind = kind
        self.dbus_name = dbus_name


def session_bus_address(env: dict[str, str] | None = None) -> str:
    """The session bus address: ``DBUS_SESSION_BUS_ADDRESS``, else systemd's ``$XDG_RUNTIME_DIR/bus``."""
    env = os.environ if env is None else env
    if env.get("DBUS_SESSION_BUS_ADDRESS"):
        return env["DBUS_SESSION_BUS_ADDRESS"]
    runtime = env.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime, "bus").exists():
        return f"unix:path={runtime}/bus"
    raise PortalError("absent", "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset)")


def plain(signature: str, value: Any) -> Any:
    """A value jeepney decoded for ``signature`` with every variant ``(signature, value)`` opened:
    ``plain("a{sv}", {"types": ("u", 1)}) == {"types": 1}``."""
    if signature == "v":
        return plain(*value)
    if signature.startswith("a{"):
        key_sig, end = _one_type(signature, 2)
        value_sig = signature[end:-1]
        return {plain(key_sig, k): plain(value_sig, v) for k, v in value.items()}
    if signature.startswith("a"):
        return [plain(signature[1:], item) for item in value]
    if signature.startswith("("):
        fields, i = [], 1
        while signature[i] != ")":
            field_sig, end = _one_type(signature, i)
            fields.append(field_sig)
            i = end
        return tuple(plain(sig, item) for sig, item in zip(fields, value))
    return value


def _one_type(signature: str, start: int) -> tuple[str, int]:
    """The complete type at ``signature[start:]`` and the index after it."""
    i = start
    while signature[i] == "a":
        i += 1
    if signature[i] in "({":
        depth, i = 0, i
        while True:
            depth += signature[i] in "({"
            depth -= signature[i] in ")}"
            i += 1
            if depth == 0:
                break
    else:
        i += 1
    return signature[start:i], i


def _error_text(msg: Message) -> str:
    body = msg.body
    return str(body[0]) if body else msg.header.fields.get(HeaderFields.error_name, "D-Bus error")


class PortalBus:
    """One connection to the session bus for one portal part. Thread-safe; ``close()`` ends it.

    ``on_lost(reason)`` is called once (on the receiver thread) when the portal frontend leaves
    the bus or the bus connection ends; every wait then fails with kind ``gone`` at once.
    """

    def __init__(self, address: str | None = None, *, call_timeout: float = 5.0,
                 on_lost: Callable[[str], None] | None = None):
        self.call_timeout = call_timeout
        self.on_lost = on_lost
        self.lost: str | None = None
        try:
            self._conn: DBusConnection = open_dbus_connection(address or session_bus_address(), auth_timeout=call_timeout)
        except PortalError:
            raise
        except Exception as exc:  # refused socket, failed authentication, timeout
            raise PortalError("absent", f"cannot connect to the D-Bus session bus ({exc})") from exc
        self.unique_name: str = self._conn.unique_name
        self.sender = self.unique_name.lstrip(":").replace(".", "_")
        self._lock = threading.Lock()
        self._replies: dict[int, Future] = {}
        self._responses: dict[str, Future] = {}  # request path -> Future of (code, results)
        self._early: dict[str, tuple[int, dict]] = {}  # Responses that came before we looked
        self._signals: list[tuple[MatchRule, Callable[[Message], None]]] = []
        self._tokens = itertools.count(1)
        self._closing = False
        self._thread = threading.Thread(target=self._receive, name="portal-dbus", daemon=True)
        self._thread.start()
        self.add_match(MatchRule(type="signal", interface=REQUEST_IFACE, member="Response"))
        owner_rule = MatchRule(type="signal", sender="org.freedesktop.DBus", interface="org.freedesktop.DBus",
                               member="NameOwnerChanged", path="/org/freedesktop/DBus")
        owner_rule.add_arg_condition(0, PORTAL_NAME)
        self.subscribe(owner_rule, self._owner_changed)

    # ---- calls ----

    def call(self, address: DBusAddress, member: str, signature: str | None = None, body: tuple = (),
             timeout: float | None = None) -> tuple:
        """Call a method and return its reply body; raises :class:`PortalError`."""
        return self.wait(self.send_call(new_method_call(address, member, signature, body)),
                         timeout, f"{address.interface}.{member}")

    def send_call(self, msg: Message) -> Future:
        """Send a method call; the Future resolves to the reply message (errors included)."""
        if self.lost:
            raise PortalError("gone", self.lost)
        future: Future = Future()
        serial = next(self._conn.outgoing_serial)
        with self._lock:
            self._replies[serial] = future
        try:
            self._conn.send(msg, serial=serial)
        except OSError as exc:
            with self._lock:
                self._replies.pop(serial, None)
            # Lost between the check above and the send: the portal left, and the owner of this
            # bus closed it (its on_lost). That reason is the one to tell (seen once in CI as
            # "[Errno 9] Bad file descriptor" after the frontend was killed).
            raise PortalError("gone", self.lost or f"the D-Bus connection closed ({exc})") from exc
        return future

    def wait(self, future: Future, timeout: float | None, what: str) -> tuple:
        """The body of a reply Future, or :class:`PortalError` (timeout, D-Bus error, gone)."""
        try:
            reply: Message = future.result(self.call_timeout if timeout is None else timeout)
        except FutureTimeout:
            raise PortalError("timeout", f"{what} got no answer in {self.call_timeout if timeout is None else timeout:g} s") from None
        if reply.header.message_type is MessageType.error:
            name = reply.header.fields.get(HeaderFields.error_name, "")
            kind = "absent" if name in _ABSENT else "error"
            raise PortalError(kind, f"{what}: {_error_text(reply)}", name)
        return reply.body

    def get_property(self, interface: str, name: str, timeout: float | None = None) -> Any:
        """A property of the portal object (``version``...); :class:`PortalError` ``absent`` when the
        portal or the interface is not there."""
        props = PORTAL.with_interface(PROPERTIES_IFACE)
        return plain("v", self.call(props, "Get", "ss", (interface, name), timeout)[0])

    def register_app(self, app_id: str) -> bool:
        """Tell the portal our application id (``org.freedesktop.host.portal.Registry``, frontends
        1.19.1+; 1.21+ refuses GlobalShortcuts sessions without one). Must come before any other
        portal call on this connection. False where the frontend has no registry (1.16) or refuses
        the id (no ``APP_ID.desktop`` installed): portals that need an id then say so themselves."""
        try:
            self.call(PORTAL.with_interface(REGISTRY_IFACE), "Register", "sa{sv}", (app_id, {}))
        except PortalError as exc:
            if exc.kind in ("absent", "error"):
                return False
            raise
        return True

    def request(self, interface: str, member: str, signature: str, args: tuple, options: dict,
                timeout: float | None) -> tuple[int, dict]:
        """A portal call that answers through a Request: ``(code, results)`` with plain values.

        ``options`` (variants, ``{"types": ("u", 1)}``) gets our ``handle_token``; ``args`` are
        the arguments before it. Waits ``timeout`` seconds (None: until the answer or until the
        portal goes away); on timeout the request is closed (its dialog dismissed).
        """
        future, handle = self.request_async(interface, member, signature, args, options)
        try:
            return future.result(timeout)
        except FutureTimeout:
            self.close_request(handle)
            raise PortalError("timeout", f"{interface}.{member} got no answer in {timeout:g} s") from None

    def request_async(self, interface: str, member: str, signature: str, args: tuple,
                      options: dict) -> tuple[Future, str]:
        """Start a Request call: ``(Future of (code, results), request path)``. The Future raises
        :class:`PortalError` ``gone`` if the portal leaves first."""
        token = self.token("dictate")
        predicted = f"{PORTAL_PATH}/request/{self.sender}/{token}"
        future: Future = Future()
        with self._lock:
            self._responses[predicted] = future
        try:
            (handle,) = self.call(PORTAL.with_interface(interface), member, signature,
                                  (*args, {**options, "handle_token": ("s", token)}))
        except PortalError:
            with self._lock:
                self._responses.pop(predicted, None)
            raise
        if handle != predicted:  # only if the token collided; the Response may already be here
            with self._lock:
                self._responses.pop(predicted, None)
                early = self._early.pop(handle, None)
                if early is None:
                    self._responses[handle] = future
            if early is not None:
                future.set_result(early)
        return future, handle

    def close_request(self, handle: str) -> None:
        """Dismiss a pending request (its dialog), ignoring errors."""
        with self._lock:
            self._responses.pop(handle, None)
        try:
            self.send_call(new_method_call(DBusAddress(handle, PORTAL_NAME, REQUEST_IFACE), "Close"))
        except PortalError:
            pass

    def token(self, prefix: str) -> str:
        """A fresh handle or session token: a valid object path element."""
        return f"{prefix}{next(self._tokens)}_{secrets.token_hex(4)}"

    # ---- signals ----

    def add_match(self, rule: MatchRule) -> None:
        self.call(message_bus, "AddMatch", "s", (rule.serialise(),))

    def subscribe(self, rule: MatchRule, callback: Callable[[Message], None]) -> None:
        """Call ``callback(message)`` on the receiver thread for each signal matching ``rule``."""
        with self._lock:
            self._signals.append((rule, callback))
        self.add_match(rule)

    def close(self) -> None:
        """End the connection and the receiver thread; pending waits fail with ``gone``."""
        self._closing = True
        self._conn.close()
        if threading.current_thread() is not self._thread:  # a callback may close its own bus
            self._thread.join(timeout=5)

    # ---- the receiver thread ----

    def _receive(self) -> None:
        reason = "the D-Bus connection was closed"
        try:
            while True:
                self._dispatch(self._conn.receive())
        except ReceiveStopped:
            pass
        except Exception as exc:  # the bus went away (EOF, reset) or sent garbage
            reason = f"the D-Bus session bus connection ended ({exc.__class__.__name__}: {exc})"
        self._lose(reason)

    def _dispatch(self, msg: Message) -> None:
        kind = msg.header.message_type
        if kind in (MessageType.method_return, MessageType.error):
            with self._lock:
                future = self._replies.pop(msg.header.fields.get(HeaderFields.reply_serial, -1), None)
            if future is not None:
                future.set_result(msg)
            return
        if kind is not MessageType.signal:
            return
        fields = msg.header.fields
        if fields.get(HeaderFields.interface) == REQUEST_IFACE and fields.get(HeaderFields.member) == "Response":
            path = fields.get(HeaderFields.path)
            code, results = msg.body
            with self._lock:
                future = self._responses.pop(path, None)
                if future is None:
                    self._early[path] = (code, plain("a{sv}", results))
                    while len(self._early) > 32:  # someone else's Responses (1.16 broadcasts nothing
                        self._early.pop(next(iter(self._early)))  # here, but a bound is cheap)
            if future is not None:
                future.set_result((code, plain("a{sv}", results)))
            return
        with self._lock:
            callbacks = [cb for rule, cb in self._signals if rule.matches(msg)]
        for callback in callbacks:
            callback(msg)

    def _owner_changed(self, msg: Message) -> None:
        name, _old, new = msg.body
        if name == PORTAL_NAME and not new:
            self._lose("the desktop portal (xdg-desktop-portal) left the session bus")

    def _lose(self, reason: str) -> None:
        with self._lock:
            if self.lost:
                return
            if self._closing:
                reason = "closed"
            self.lost = reason
            futures = [*self._replies.values(), *self._responses.values()]
            self._replies.clear()
            self._responses.clear()
        for future in futures:
            if not future.done():
                future.set_exception(PortalError("gone", reason))
        if self.on_lost is not None and not self._closing:
            self.on_lost(reason)
