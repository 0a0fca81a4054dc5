"""sway's IPC in pure Python: requests, replies and events over the socket ``$SWAYSOCK`` names.

The framing is i3's (sway-ipc(7)): the 6 bytes ``i3-ipc``, the payload's length and the message
type as two 32-bit integers in the host's byte order, then the payload (UTF-8 JSON, or the command
text of RUN_COMMAND). A reply carries its request's type; an event carries its type with the high
bit set, and arrives only on a connection that subscribed to it. A subscribed connection is used
for nothing else here, so replies and events never interleave on one socket.

Every blocking read on a request connection has a timeout (:data:`REQUEST_TIMEOUT_S`): a frozen
compositor must not freeze the app. Events are read by :class:`EventListener`'s daemon thread.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import struct
import threading
from collections.abc import Callable, Mapping
from typing import Any

log = logging.getLogger(__name__)

MAGIC = b"i3-ipc"
HEADER = struct.Struct("=6sII")  # magic, payload length, type; native byte order, no padding

RUN_COMMAND, GET_WORKSPACES, SUBSCRIBE, GET_OUTPUTS, GET_TREE = 0, 1, 2, 3, 4
GET_VERSION, GET_BINDING_MODES, GET_CONFIG = 7, 8, 9
EVENT_BIT = 0x80000000
EVENT_TYPES = {"workspace": 0, "output": 1, "mode": 2, "window": 3, "barconfig_update": 4, "binding": 5,
               "shutdown": 6, "tick": 7, "bar_state_update": 0x14, "input": 0x15}
_EVENT_NAMES = {number: name for name, number in EVENT_TYPES.items()}
# sway answers a request in well under a millisecond (GET_TREE with a few windows: see
# benchmarks/results); seconds of silence mean it is stuck.
REQUEST_TIMEOUT_S = 2.0


class SwayGone(ConnectionError):
    """sway's IPC socket is unreachable or was closed (sway exited, or SWAYSOCK is stale)."""


class SwayCommandError(RuntimeError):
    """sway refused a command; the message is sway's own error."""


def encode(kind: int, payload: str | bytes = b"") -> bytes:
    """One IPC message: header and payload."""
    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    return HEADER.pack(MAGIC, len(data), kind) + data


def check_results(results: list[dict] | None, text: str) -> None:
    """Raise :class:`SwayCommandError` with sway's error when a RUN_COMMAND result failed."""
    for result in results or []:
        if not result.get("success"):
            raise SwayCommandError(result.get("error") or f"sway refused {text!r}")


def socket_path(env: Mapping[str, str] | None = None) -> str:
    """The IPC socket of the running sway, from ``SWAYSOCK``; raises :class:`SwayGone`."""
    path = (os.environ if env is None else env).get("SWAYSOCK", "")
    if not path:
        raise SwayGone("SWAYSOCK is not set")
    return path


class SwayIPC:
    """One connection to sway's IPC socket. ``sock`` (tests) replaces connecting to ``path``."""

    def __init__(self, path: str | None = None, timeout: float | None = REQUEST_TIMEOUT_S,
                 sock: socket.socket | None = None) -> None:
        if sock is None:
            path = path or socket_path()
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            try:
                sock.connect(path)
            except OSError as exc:
                sock.close()
                raise SwayGone(f"cannot connect to {path}: {exc.strerror or exc}") from None
        else:
            sock.settimeout(timeout)
        self._sock = sock
        self._lock = threading.Lock()
        self.closed = False

    # ---- framing ------------------------------------------------------------------------

    def _read_exactly(self, size: int) -> bytes:
        chunks, left = [], size
        while left:
            try:
                chunk = self._sock.recv(left)
            except socket.timeout:
                raise SwayGone(f"sway did not answer within {self._sock.gettimeout()} s") from None
            except OSError as exc:
                raise SwayGone(f"reading sway's IPC socket failed: {exc.strerror or exc}") from None
            if not chunk:
                raise SwayGone("sway closed its IPC socket")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def read_raw(self) -> tuple[int, bytes]:
        """The next message: its type and its payload's bytes."""
        magic, length, kind = HEADER.unpack(self._read_exactly(HEADER.size))
        if magic != MAGIC:
            raise SwayGone(f"not an i3/sway IPC message (magic {magic!r})")
        return kind, self._read_exactly(length) if length else b""

    def read_message(self) -> tuple[int, Any]:
        """The next message: its type and its decoded JSON payload."""
        kind, payload = self.read_raw()
        try:
            return kind, json.loads(payload) if payload else None
        except ValueError:
            raise SwayGone(f"sway sent a message that is not JSON ({payload[:60]!r})") from None

    def request(self, kind: int, payload: str = "") -> Any:
        """Send one request and return its decoded reply."""
        with self._lock:
            try:
                self._sock.sendall(encode(kind, payload))
            except OSError as exc:
                raise SwayGone(f"writing to sway's IPC socket failed: {exc.strerror or exc}") from None
            reply_kind, reply = self.read_message()
        if reply_kind != kind:
            raise SwayGone(f"sway answered message type {reply_kind} to a request of type {kind}")
        return reply

    # ---- requests ----------------------------------------------------------------------

    def command(self, text: str) -> list[dict]:
        """Run sway commands (``;``/``,`` separated); one result per command."""
        return self.request(RUN_COMMAND, text) or []

    def run(self, text: str) -> None:
        """Run sway commands; raises :class:`SwayCommandError` with sway's error if one failed."""
        check_results(self.command(text), text)

    def subscribe(self, events: list[str]) -> None:
        """Subscribe this connection to ``events``; from then on it only delivers events."""
        reply = self.request(SUBSCRIBE, json.dumps(events))
        if not (reply or {}).get("success"):
            raise SwayGone(f"sway refused the subscription to {events}")
        self._sock.settimeout(None)  # events come when they come

    def read_event(self) -> tuple[str, Any]:
        """Block until the next event; its name (``binding``, ``workspace``...) and payload."""
        kind, payload = self.read_message()
        if not kind & EVENT_BIT:
            raise SwayGone(f"a reply (type {kind}) arrived on an event connection")
        return _EVENT_NAMES.get(kind & ~EVENT_BIT, str(kind & ~EVENT_BIT)), payload

    def close(self) -> None:
        """Close the connection; a thread blocked reading it gets :class:`SwayGone`."""
        self.closed = True
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:  # already closed by the other side
            pass
        self._sock.close()


class EventListener:
    """A daemon thread that reads one subscription's events and hands each to ``handler(name,
    payload)``. When sway goes away (socket closed, ``shutdown`` event), ``on_gone(reason)`` is
    called once and the thread ends: logged by the owner, never an exception in the app."""

    def __init__(self, events: list[str], handler: Callable[[str, Any], None],
                 on_gone: Callable[[str], None], connect: Callable[[], SwayIPC]) -> None:
        self.events = events
        self._handler = handler
        self._on_gone = on_gone
        self._connect = connect
        self._conn: SwayIPC | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Connect and subscribe (raises :class:`SwayGone`), then read events in the thread.
        Events sent after this returns are delivered."""
        conn = self._connect()
        try:
            conn.subscribe(self.events)
        except SwayGone:
            conn.close()
            raise
        self._conn = conn
        self._thread = threading.Thread(target=self._run, args=(conn,), name="sway-events", daemon=True)
        self._thread.start()

    def _run(self, conn: SwayIPC) -> None:
        while True:
            try:
                name, payload = conn.read_event()
            except SwayGone as exc:
                if not conn.closed:  # closed by stop(): not news
                    self._on_gone(str(exc))
                return
            if name == "shutdown":
                self._on_gone("sway is shutting down")
                return
            try:
                self._handler(name, payload)
            except Exception:  # a bug in a handler must not end the hotkey for good
                log.exception("handling sway's %s event failed", name)

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(2.0)
        self._thread = None


class Connection:
    """A lazily (re)connected request connection shared by one part's threads."""

    def __init__(self, connect: Callable[[], SwayIPC]) -> None:
        self._connect = connect
        self._conn: SwayIPC | None = None
        self._lock = threading.Lock()

    def request(self, kind: int, payload: str = "") -> Any:
        with self._lock:
            for attempt in (1, 2):  # a stale connection (sway restarted) is retried once
                if self._conn is None:
                    self._conn = self._connect()
                try:
                    return self._conn.request(kind, payload)
                except SwayGone:
                    self._conn.close()
                    self._conn = None
                    if attempt == 2:
                        raise

    def run(self, text: str) -> None:
        check_results(self.request(RUN_COMMAND, text), text)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def reachable(connect: Callable[[], SwayIPC]) -> str | None:
    """None when sway answers GET_VERSION, else why not."""
    try:
        conn = connect()
        try:
            conn.request(GET_VERSION)
        finally:
            conn.close()
    except SwayGone as exc:
        return str(exc)
    return None
