"""A compositor just big enough for the fast tests of the Wayland client and clipboard.

It listens on a real Unix socket and speaks the wire format through
:mod:`dictate_app.desktop.wayland.protocol` (decoding requests, encoding events): the registry
with the globals it is given, ``sync``, binds, and one seat's data-control selection (ext or wlr
names; the messages are the same). A selection is owned by a client's source, or by the test
(``set_foreign``: bytes per type, None for a type the owner never writes). ``read`` plays another
client reading the selection. Every request is logged in ``requests`` as (interface, name,
args, object id).
The test's fake stands in for sway where sway cannot serve: ext-data-control (sway 1.7 has only
the wlr protocol) and protocol errors.
"""

from __future__ import annotations

import array
import os
import select
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from dictate_app.desktop.wayland.pipes import write_all
from dictate_app.desktop.wayland.protocol import HEADER, PROTOCOL, decode, encode

SERVER_IDS = 0xFF000000


@dataclass(eq=False)
class _Client:
    sock: socket.socket
    objects: dict[int, str] = field(default_factory=lambda: {1: "wl_display"})
    sources: dict[int, list[str]] = field(default_factory=dict)
    devices: list[int] = field(default_factory=list)
    buffer: bytearray = field(default_factory=bytearray)
    fds: deque = field(default_factory=deque)
    next_id: int = SERVER_IDS


@dataclass
class _Selection:
    types: list[str]
    foreign: dict[str, bytes | None] | None = None  # the test's own owner
    client: _Client | None = None
    source: int = 0


class FakeCompositor:
    def __init__(self, path: Path, globals_: list[tuple[str, int]], primary: bool = True):
        self.path = str(path)
        self.globals = [(i + 1, name, version) for i, (name, version) in enumerate(globals_)]
        self.primary = primary  # send a primary selection offer when a device is made (ext does)
        self.requests: list[tuple[str, str, list, int]] = []
        self.selection: _Selection | None = None
        self.offers: dict[int, _Selection] = {}
        self.held: list[int] = []  # pipes of types never written
        self.clients: list[_Client] = []
        self.lock = threading.RLock()
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen()
        self._stop_r, self._stop_w = os.pipe()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    # ---- what tests call --------------------------------------------------------------------

    def set_foreign(self, data: dict[str, bytes | None] | None) -> None:
        with self.lock:
            self._set(_Selection(list(data), foreign=data) if data is not None else None)

    def types(self) -> list[str]:
        with self.lock:
            return list(self.selection.types) if self.selection else []

    def read(self, mime: str) -> bytes:
        """Read the selection as another client would (the owner writes into our pipe)."""
        r, w = os.pipe()
        with self.lock:
            self._transfer(self.selection, mime, w)
        with os.fdopen(r, "rb") as pipe:
            return pipe.read()

    def log(self, name: str) -> list[tuple[str, str, list, int]]:
        with self.lock:
            return [entry for entry in self.requests if entry[1] == name]

    def close(self) -> None:
        os.write(self._stop_w, b"x")
        self.thread.join(5)
        for client in self.clients:
            client.sock.close()
        for fd in self.held:
            os.close(fd)
        self.listener.close()

    # ---- the server ---------------------------------------------------------------------------

    def _serve(self) -> None:
        while True:
            socks = [self.listener, *(c.sock for c in self.clients)]
            ready, _, _ = select.select([self._stop_r, *socks], [], [])
            if self._stop_r in ready:
                return
            if self.listener in ready:
                sock, _ = self.listener.accept()
                self.clients.append(_Client(sock))
            for client in list(self.clients):
                if client.sock in ready:
                    self._receive(client)

    def _receive(self, client: _Client) -> None:
        try:
            data, ancdata, _, _ = client.sock.recvmsg(65536, socket.CMSG_SPACE(28 * 4))
        except ConnectionResetError:  # the client closed with events unread
            data, ancdata = b"", []
        if not data:
            self.clients.remove(client)
            client.sock.close()
            return
        for _, _, payload in ancdata:
            fds = array.array("i")
            fds.frombytes(payload[: len(payload) - len(payload) % 4])
            client.fds.extend(fds)
        client.buffer += data
        while len(client.buffer) >= 8:
            object_id, word = HEADER.unpack_from(client.buffer)
            size = word >> 16
            if len(client.buffer) < size:
                return
            body = bytes(client.buffer[8:size])
            del client.buffer[:size]
            interface = PROTOCOL[client.objects[object_id]]
            message = interface.requests[word & 0xFFFF]
            args = decode(message, body, client.fds)
            with self.lock:
                self.requests.append((interface.name, message.name, args, object_id))
                self._handle(client, object_id, interface.name, message.name, args)

    def _event(self, client: _Client, object_id: int, name: str, *values) -> None:
        interface = PROTOCOL[client.objects[object_id]]
        opcode = next(i for i, m in enumerate(interface.events) if m.name == name)
        data, fds = encode(object_id, opcode, interface.events[opcode], values)
        ancillary = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
        try:
            client.sock.sendmsg([data], ancillary)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client is gone; its socket is dropped on the next read

    def _handle(self, client: _Client, object_id: int, interface: str, name: str, args: list) -> None:
        kind = interface.split("_data_control_")[-1] if "_data_control_" in interface else interface
        prefix = interface.split("_data_control_")[0]
        if name == "sync":
            client.objects[args[0]] = "wl_callback"
            self._event(client, args[0], "done", 0)
            self._event(client, 1, "delete_id", args[0])
        elif name == "get_registry":
            client.objects[args[0]] = "wl_registry"
            for global_ in self.globals:
                self._event(client, args[0], "global", *global_)
        elif name == "bind":
            iface, _version, new = args[1]
            client.objects[new] = iface
        elif name == "create_data_source":
            client.objects[args[0]] = f"{prefix}_data_control_source_v1"
            client.sources[args[0]] = []
        elif name == "get_data_device":
            client.objects[args[0]] = f"{prefix}_data_control_device_v1"
            client.devices.append(args[0])
            if self.primary:
                offer = self._offer(client, args[0], _Selection(["text/plain"], foreign={"text/plain": b"primary"}))
                self._event(client, args[0], "primary_selection", offer)
            self._announce(client, args[0])
        elif kind == "source_v1" and name == "offer":
            client.sources[object_id].append(args[0])
        elif name == "set_selection":
            source = args[0]
            self._set(_Selection(list(client.sources[source]), client=client, source=source) if source else None)
        elif name == "receive":
            self._transfer(self.offers[object_id], args[0], args[1])
        elif name == "destroy":
            if object_id < SERVER_IDS:
                self._event(client, 1, "delete_id", object_id)
            client.objects.pop(object_id)

    def _set(self, selection: _Selection | None) -> None:
        old = self.selection
        if old and old.client and (selection is None or old.source != selection.source):
            if old.source in old.client.objects:
                self._event(old.client, old.source, "cancelled")
        self.selection = selection
        for client in self.clients:
            for device in client.devices:
                self._announce(client, device)

    def _offer(self, client: _Client, device: int, selection: _Selection) -> int:
        offer = client.next_id
        client.next_id += 1
        client.objects[offer] = client.objects[device].replace("device", "offer")
        self.offers[offer] = selection
        self._event(client, device, "data_offer", offer)
        for mime in selection.types:
            self._event(client, offer, "offer", mime)
        return offer

    def _announce(self, client: _Client, device: int) -> None:
        offer = self._offer(client, device, self.selection) if self.selection else 0
        self._event(client, device, "selection", offer)

    def _transfer(self, selection: _Selection | None, mime: str, fd: int) -> None:
        if selection is None or mime not in selection.types:
            os.close(fd)
        elif selection.client is not None:
            self._event(selection.client, selection.source, "send", mime, fd)
            os.close(fd)
        elif selection.foreign[mime] is None:
            self.held.append(fd)
        else:
            threading.Thread(target=write_all, args=(fd, selection.foreign[mime], 5.0), daemon=True).start()

