"""The Wayland wire format, and the one table of every interface Dictate's clients speak.

The format (wayland's ``doc/publican/sources/Protocol.xml``, "Wire Format"): every message is a
header of two 32-bit words in native byte order, the object id and ``size << 16 | opcode`` (size
in bytes, header included), then the arguments, each padded to 32 bits: ``int``/``uint``,
``fixed`` (signed 24.8), ``object`` and ``new_id`` (an id, 0 for null), ``string`` (length with
the terminating NUL, 0 for null, then the bytes), ``array`` (length, bytes). File descriptors
travel beside the bytes as ``SCM_RIGHTS`` ancillary data, in argument order. An untyped
``new_id`` (``wl_registry.bind``) is interface name, version, id. Opcodes are the order of an
interface's requests (or events) in its XML file: :data:`PROTOCOL` lists them in that order.
Both directions are here (the tests' fake compositor decodes requests and encodes events).
"""

from __future__ import annotations

import struct
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from dictate_app.errors import DictateError

MAX_MESSAGE = 4096  # libwayland refuses longer messages (WL_MAX_MESSAGE_SIZE)
HEADER = struct.Struct("=II")


class WaylandError(DictateError):
    """The compositor could not be reached, refused a request, or went away."""


@dataclass(frozen=True)
class Arg:
    """One argument: ``type`` as in the XML; ``interface`` for a typed ``new_id``."""

    type: str
    interface: str | None = None
    nullable: bool = False


@dataclass(frozen=True)
class Message:
    name: str
    args: tuple[Arg, ...]
    destructor: bool = False


@dataclass(frozen=True)
class Interface:
    name: str
    version: int
    requests: tuple[Message, ...]
    events: tuple[Message, ...]

    def opcode(self, request: str) -> int:
        for opcode, message in enumerate(self.requests):
            if message.name == request:
                return opcode
        raise KeyError(f"{self.name} has no request {request!r}")


def _message(spec: str) -> Message:
    """``"name! type type:iface type?"``: ``!`` marks a destructor, ``?`` a nullable argument."""
    name, *args = spec.split()
    parsed = []
    for arg in args:
        nullable = arg.endswith("?")
        kind, _, iface = arg.rstrip("?").partition(":")
        parsed.append(Arg(kind, iface or None, nullable))
    return Message(name.rstrip("!"), tuple(parsed), name.endswith("!"))


def _interface(name: str, version: int, requests: Iterable[str], events: Iterable[str]) -> Interface:
    return Interface(name, version, tuple(map(_message, requests)), tuple(map(_message, events)))


def _data_control(prefix: str, version: int, child_version: int) -> list[Interface]:
    """zwlr_data_control_*_v1 (wlr-protocols unstable/wlr-data-control-unstable-v1.xml: manager and
    device version 2, source and offer 1) and ext_data_control_*_v1 (wayland-protocols
    staging/ext-data-control/ext-data-control-v1.xml, all version 1) have the same messages in the
    same order; in the device, ``set_primary_selection`` follows ``destroy`` among the requests."""
    p = f"{prefix}_data_control"
    return [
        _interface(f"{p}_manager_v1", version,
                   [f"create_data_source new_id:{p}_source_v1", f"get_data_device new_id:{p}_device_v1 object",
                    "destroy!"], []),
        _interface(f"{p}_device_v1", version, ["set_selection object?", "destroy!", "set_primary_selection object?"],
                   [f"data_offer new_id:{p}_offer_v1", "selection object?", "finished", "primary_selection object?"]),
        _interface(f"{p}_source_v1", child_version, ["offer string", "destroy!"], ["send string fd", "cancelled"]),
        _interface(f"{p}_offer_v1", child_version, ["receive string fd", "destroy!"], ["offer string"]),
    ]


# Every interface this client speaks, requests and events in XML order. wayland.xml (1.22):
# wl_display, wl_registry, wl_callback, wl_seat (wl_seat's requests make objects not spoken here).
PROTOCOL: dict[str, Interface] = {i.name: i for i in [
    _interface("wl_display", 1, ["sync new_id:wl_callback", "get_registry new_id:wl_registry"],
               ["error object uint string", "delete_id uint"]),
    _interface("wl_registry", 1, ["bind uint new_id"], ["global uint string uint", "global_remove uint"]),
    _interface("wl_callback", 1, [], ["done! uint"]),
    _interface("wl_seat", 10, ["get_pointer new_id:wl_pointer", "get_keyboard new_id:wl_keyboard",
                               "get_touch new_id:wl_touch", "release!"], ["capabilities uint", "name string"]),
    *_data_control("zwlr", 2, 1),
    *_data_control("ext", 1, 1),
]}


def _pad(n: int) -> int:
    return (n + 3) & ~3


def encode(object_id: int, opcode: int, message: Message, values: Iterable) -> tuple[bytes, list[int]]:
    """One message's bytes and the fds to send with it. ``values`` are ints, floats (fixed),
    str or None (string), bytes (array), an int fd (fd); object and new_id arguments are ids
    (0 for null); an untyped new_id is ``(interface, version, id)``."""
    body = bytearray()
    fds: list[int] = []
    for arg, value in zip(message.args, values, strict=True):
        if arg.type in ("int", "fixed"):
            body += struct.pack("=i", round(value * 256) if arg.type == "fixed" else value)
        elif arg.type in ("uint", "object"):
            body += struct.pack("=I", value or 0)
        elif arg.type == "new_id" and arg.interface is None:
            iface, version, new = value
            body += _encode_bytes(iface.encode() + b"\0") + struct.pack("=II", version, new)
        elif arg.type == "new_id":
            body += struct.pack("=I", value)
        elif arg.type == "string":
            body += struct.pack("=I", 0) if value is None else _encode_bytes(value.encode() + b"\0")
        elif arg.type == "array":
            body += _encode_bytes(bytes(value))
        elif arg.type == "fd":
            fds.append(value)
        else:
            raise ValueError(f"unknown argument type {arg.type!r}")
    size = 8 + len(body)
    if size > MAX_MESSAGE:
        raise WaylandError(f"a {message.name} message of {size} bytes is over the protocol's {MAX_MESSAGE}-byte limit.")
    return HEADER.pack(object_id, size << 16 | opcode) + bytes(body), fds


def _encode_bytes(data: bytes) -> bytes:
    return struct.pack("=I", len(data)) + data + b"\0" * (_pad(len(data)) - len(data))


def decode(message: Message, body: bytes, fds: deque[int]) -> list:
    """The arguments of one message body (after the header); fd arguments are taken from ``fds``."""
    values: list = []
    at = 0
    for arg in message.args:
        if arg.type == "fd":
            if not fds:
                raise WaylandError(f"the compositor sent {message.name} without its file descriptor.")
            values.append(fds.popleft())
            continue
        (word,) = struct.unpack_from("=I", body, at)
        at += 4
        if arg.type == "new_id" and arg.interface is None:  # bind: interface, version, id
            name = bytes(body[at:at + word - 1]).decode()
            at += _pad(word)
            values.append((name, *struct.unpack_from("=II", body, at)))
            at += 8
        elif arg.type == "int":
            values.append(word - (1 << 32) if word >= 1 << 31 else word)
        elif arg.type == "fixed":
            values.append((word - (1 << 32) if word >= 1 << 31 else word) / 256)
        elif arg.type in ("string", "array"):
            data = bytes(body[at:at + word])
            at += _pad(word)
            if arg.type == "array":
                values.append(data)
            else:
                values.append(None if word == 0 else data[:-1].decode("utf-8", "replace"))
        else:  # uint, object, new_id
            values.append(word)
    return values
