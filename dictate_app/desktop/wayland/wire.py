"""A minimal Wayland client in pure Python (stdlib only): connection, object ids, the registry.

Enough of the protocol for Dictate's own clients (the data-control clipboard, the list of globals
``dictate-app doctor`` shows) without libwayland or a helper process, so it also runs in the frozen
bundle. The wire format and the interfaces spoken are in :mod:`.protocol`.

Ids: the client allocates 1 (the display) up to 0xFEFFFFFF, and must use a new id no greater
than one past the highest in use (libwayland's ``wl_map``), so allocation and sending happen
under one lock; an id freed by a destructor is reused only after ``wl_display.delete_id``. Ids
from 0xFF000000 up are the compositor's (objects it creates, such as data offers).

Threads: requests may be sent from any thread. Events are read and handlers called either by
:meth:`Connection.roundtrip` in the caller's thread (before :meth:`Connection.start`) or by the
dispatch thread that ``start`` runs; handlers run without any of the connection's locks held.
"""

from __future__ import annotations

import array
import os
import select
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from dictate_app.desktop.wayland.protocol import HEADER, PROTOCOL, Interface, WaylandError, decode, encode

MAX_FDS = 28  # fds one recvmsg takes, libwayland's MAX_FDS_OUT
SERVER_ID_START = 0xFF000000
__all__ = ["Connection", "Global", "Proxy", "Registry", "WaylandError", "list_globals"]

@dataclass(eq=False)
class Proxy:
    """A protocol object on this connection. ``handlers`` maps event names to callables that
    receive the event's arguments (objects as :class:`Proxy` or None, new objects already made)."""

    connection: Connection
    id: int
    interface: Interface
    version: int
    handlers: dict[str, Callable] = field(default_factory=dict)
    alive: bool = True

    def on(self, event: str, handler: Callable) -> Proxy:
        if all(m.name != event for m in self.interface.events):
            raise KeyError(f"{self.interface.name} has no event {event!r}")
        self.handlers[event] = handler
        return self

    def request(self, name: str, *args, interface: str | None = None, version: int | None = None,
                handlers: dict[str, Callable] | None = None) -> Proxy | None:
        """Send request ``name``; returns the object a ``new_id`` argument creates (pass None in
        its place; ``interface`` and ``version`` for an untyped one, as in ``bind``). ``handlers``
        are set on that object before the request leaves: the dispatch thread may see its first
        event before this returns."""
        return self.connection.send(self, name, args, interface, version, handlers)

    def __repr__(self) -> str:
        return f"{self.interface.name}@{self.id}"


@dataclass(frozen=True)
class Global:
    """A global the compositor advertises: ``name`` is what ``bind`` takes."""

    name: int
    interface: str
    version: int


class Connection:
    """One connection to the compositor (see the module docstring for ids and threads)."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self._lock = threading.RLock()  # ids, the object table, sending
        self._objects: dict[int, Proxy] = {}
        self._free: list[int] = []
        self._next_id = 2
        self._buffer = bytearray()
        self._fds: deque[int] = deque()
        self.error: WaylandError | None = None
        self._thread: threading.Thread | None = None
        self._wake_r, self._wake_w = os.pipe()
        self.display = Proxy(self, 1, PROTOCOL["wl_display"], 1)
        self._objects[1] = self.display
        self.display.on("error", self._on_error).on("delete_id", self._on_delete_id)

    @classmethod
    def connect(cls, display: str | None = None, env: dict[str, str] | None = None) -> Connection:
        """Connect to ``display`` or ``$WAYLAND_DISPLAY`` (a socket name under
        ``$XDG_RUNTIME_DIR``, default ``wayland-0``, or an absolute path)."""
        env = os.environ if env is None else env
        name = display or env.get("WAYLAND_DISPLAY") or "wayland-0"
        if not os.path.isabs(name):
            runtime = env.get("XDG_RUNTIME_DIR")
            if not runtime:
                raise WaylandError("XDG_RUNTIME_DIR is not set, so the Wayland socket cannot be found: "
                                   "run Dictate inside your desktop session.")
            name = os.path.join(runtime, name)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        try:
            sock.connect(name)
        except OSError as exc:
            sock.close()
            raise WaylandError(f"cannot connect to the Wayland compositor at {name} ({exc.strerror}): "
                               "check that WAYLAND_DISPLAY names the running session.") from None
        return cls(sock)

    # ---- requests ---------------------------------------------------------------------------

    def send(self, proxy: Proxy, name: str, args: tuple, interface: str | None = None,
             version: int | None = None, handlers: dict[str, Callable] | None = None) -> Proxy | None:
        opcode = proxy.interface.opcode(name)
        message = proxy.interface.requests[opcode]
        with self._lock:
            self._check()
            if not proxy.alive:
                raise WaylandError(f"{proxy} was already destroyed.")
            created = None
            values = list(args)
            for i, arg in enumerate(message.args):
                if arg.type == "new_id":
                    iface = PROTOCOL[arg.interface or interface or ""]
                    created = Proxy(self, self._allocate(), iface, version or proxy.version)
                    for event, handler in (handlers or {}).items():
                        created.on(event, handler)
                    self._objects[created.id] = created
                    values[i] = created.id if arg.interface else (iface.name, created.version, created.id)
                elif arg.type == "object":
                    values[i] = values[i].id if isinstance(values[i], Proxy) else values[i]
            data, fds = encode(proxy.id, opcode, message, values)
            self._sendmsg(data, fds)
            if message.destructor:
                proxy.alive = False  # events still in flight are decoded (their fds closed), not handled
            return created

    def _allocate(self) -> int:
        if self._free:
            return self._free.pop()
        self._next_id += 1
        return self._next_id - 1

    def _sendmsg(self, data: bytes, fds: list[int]) -> None:
        ancillary = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
        view = memoryview(data)
        try:
            while view:
                sent = self.sock.sendmsg([view], ancillary)
                view, ancillary = view[sent:], []
        except OSError as exc:
            self.error = WaylandError(f"the Wayland compositor went away ({exc.strerror}).")
            raise self.error from None

    # ---- events -----------------------------------------------------------------------------

    def read(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` for data, read it and dispatch every complete event; False if
        nothing came. Raises :class:`WaylandError` on a protocol error or a closed connection."""
        self._check()
        poller = select.poll()  # not select(): an app may hold fds above select's 1024 limit
        poller.register(self.sock, select.POLLIN)
        poller.register(self._wake_r, select.POLLIN)
        ready = dict(poller.poll(None if timeout is None else timeout * 1000))
        if self.sock.fileno() not in ready:
            return False
        try:
            data, ancdata, flags, _ = self.sock.recvmsg(65536, socket.CMSG_SPACE(MAX_FDS * 4))
        except OSError as exc:
            self.error = WaylandError(f"the Wayland compositor went away ({exc.strerror}).")
            raise self.error from None
        for level, kind, payload in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds = array.array("i")
                fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
                self._fds.extend(fds)
        if flags & socket.MSG_CTRUNC:
            self.error = WaylandError("the compositor sent more file descriptors than Dictate can take at once.")
        elif not data:
            self.error = WaylandError("the Wayland compositor closed the connection.")
        if self.error:
            raise self.error
        self._buffer += data
        self._dispatch_buffer()
        return True

    def _dispatch_buffer(self) -> None:
        while len(self._buffer) >= 8:
            object_id, word = HEADER.unpack_from(self._buffer)
            size, opcode = word >> 16, word & 0xFFFF
            if size < 8:
                self.error = WaylandError(f"the compositor sent a malformed message (size {size}).")
                raise self.error
            if len(self._buffer) < size:
                return
            body = bytes(self._buffer[8:size])
            del self._buffer[:size]
            self._dispatch(object_id, opcode, body)
            self._check()

    def _dispatch(self, object_id: int, opcode: int, body: bytes) -> None:
        with self._lock:
            proxy = self._objects.get(object_id)
        if proxy is None or opcode >= len(proxy.interface.events):
            self.error = WaylandError(f"the compositor sent event {opcode} to unknown object {object_id}.")
            raise self.error
        message = proxy.interface.events[opcode]
        values = decode(message, body, self._fds)
        args: list = []
        with self._lock:
            for arg, value in zip(message.args, values):
                if arg.type == "new_id":
                    created = Proxy(self, value, PROTOCOL[arg.interface or ""], proxy.version)
                    self._objects[value] = created  # a compositor id may replace a destroyed one
                    args.append(created)
                elif arg.type == "object" and object_id != 1:  # wl_display.error keeps the raw id
                    args.append(self._objects.get(value) if value else None)
                else:
                    args.append(value)
            if message.destructor:
                proxy.alive = False
        handler = proxy.handlers.get(message.name) if proxy.alive or message.destructor else None
        if handler is None:
            for arg, value in zip(message.args, values):
                if arg.type == "fd":
                    os.close(value)  # an fd nobody will use (an event to a destroyed object)
            return
        handler(*args)

    def _on_error(self, object_id: int, code: int, text: str) -> None:
        with self._lock:
            proxy = self._objects.get(object_id)
        where = repr(proxy) if proxy else f"object {object_id}"
        self.error = WaylandError(f"the Wayland compositor refused a request ({where}, error {code}: {text}).")

    def _on_delete_id(self, object_id: int) -> None:
        with self._lock:
            self._objects.pop(object_id, None)
            if object_id < SERVER_ID_START:
                self._free.append(object_id)

    def _check(self) -> None:
        if self.error is not None:
            raise self.error

    # ---- round trips and the dispatch thread -----------------------------------------------

    def roundtrip(self, timeout: float = 5.0) -> None:
        """Return once the compositor has handled every request sent so far (and its events were
        dispatched). Reads in this thread, or waits for the dispatch thread once started."""
        done = threading.Event()
        self.display.request("sync", None, handlers={"done": lambda _data: done.set()})
        if self._thread is not None:
            finished = done.wait(timeout)
        else:
            deadline = time.monotonic() + timeout
            while not done.is_set() and time.monotonic() < deadline:
                self.read(max(0.0, deadline - time.monotonic()))
            finished = done.is_set()
        self._check()
        if not finished:
            raise WaylandError(f"the Wayland compositor did not answer within {timeout:g} s.")

    def start(self, name: str = "wayland-dispatch") -> None:
        """Dispatch events on a daemon thread from now on (until :meth:`close` or an error)."""
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while True:
                if not self.read(None):
                    return  # woken by close()
        except WaylandError:
            return  # kept in self.error: the next request or round trip raises it
        except Exception as exc:  # a handler's bug must not leave the connection half alive unseen
            self.error = WaylandError(f"the Wayland event handler failed: {exc!r}.")

    def close(self) -> None:
        """Stop the dispatch thread and disconnect (the compositor destroys our objects)."""
        if self.sock.fileno() < 0:
            return
        os.write(self._wake_w, b"x")
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)
        self.sock.close()
        for fd in (self._wake_r, self._wake_w, *self._fds):
            os.close(fd)
        self._fds.clear()
        if self.error is None:
            self.error = WaylandError("the Wayland connection was closed.")


class Registry:
    """The compositor's globals (``wl_registry``), kept up to date by its events."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.globals: dict[int, Global] = {}
        self.proxy = connection.display.request("get_registry", None)
        self.proxy.on("global", self._on_global).on("global_remove", self._on_remove)

    def _on_global(self, name: int, interface: str, version: int) -> None:
        self.globals[name] = Global(name, interface, version)

    def _on_remove(self, name: int) -> None:
        self.globals.pop(name, None)

    def find(self, interface: str) -> Global | None:
        return next((g for g in self.globals.values() if g.interface == interface), None)

    def bind(self, interface: str, version: int) -> Proxy:
        """Bind the first global of ``interface`` at ``min(version, advertised)``."""
        found = self.find(interface)
        if found is None:
            raise WaylandError(f"the compositor does not offer {interface}.")
        return self.proxy.request("bind", found.name, None, interface=interface,
                                  version=min(version, found.version))  # type: ignore[return-value]


def list_globals(display: str | None = None, timeout: float = 5.0) -> list[Global]:
    """Every global the compositor advertises (interface names and versions), in its order."""
    connection = Connection.connect(display)
    try:
        registry = Registry(connection)
        connection.roundtrip(timeout)
        return list(registry.globals.values())
    finally:
        connection.close()
