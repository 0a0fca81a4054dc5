"""The Wayland client over a socketpair and against the fake compositor: connecting, round trips,
binds, id reuse, file descriptors both ways, split messages, errors."""

from __future__ import annotations

import array
import os
import socket
import struct
import threading
from collections import deque

import pytest

from dictate_app.desktop.wayland.protocol import PROTOCOL, decode, encode
from dictate_app.desktop.wayland.wire import Connection, Global, Proxy, Registry, WaylandError, list_globals
from tests.desktop.wayland.conftest import FAKE_GLOBALS as GLOBALS


@pytest.fixture
def client(fake):
    """A connection to the fake compositor and its registry, globals received."""
    connection = Connection.connect(fake.path)
    registry = Registry(connection)
    connection.roundtrip()
    yield connection, registry
    connection.close()


@pytest.fixture
def pair():
    """A client Connection and the raw socket of its compositor end."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    connection = Connection(ours)
    yield connection, theirs
    connection.close()
    theirs.close()


def server_read(sock: socket.socket, interface: str, fds: deque | None = None):
    """One request from the client: (object id, request name, decoded args)."""
    fds = deque() if fds is None else fds

    def receive(size: int) -> bytes:  # fds come with the first byte of the message
        data, ancdata, _, _ = sock.recvmsg(size, socket.CMSG_SPACE(4 * 4), socket.MSG_WAITALL)
        for _, _, payload in ancdata:
            fds.extend(array.array("i", payload))
        return data

    object_id, word = struct.unpack("=II", receive(8))
    data = receive((word >> 16) - 8)
    message = PROTOCOL[interface].requests[word & 0xFFFF]
    return object_id, message.name, decode(message, data, fds)


def server_event(sock: socket.socket, object_id: int, interface: str, name: str, *values) -> None:
    events = PROTOCOL[interface].events
    opcode = next(i for i, m in enumerate(events) if m.name == name)
    data, fds = encode(object_id, opcode, events[opcode], values)
    sock.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else [])


def test_connect_finds_the_socket_or_says_what_is_wrong(tmp_path):
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(tmp_path / "wayland-9"))
    listener.listen()
    Connection.connect(env={"XDG_RUNTIME_DIR": str(tmp_path), "WAYLAND_DISPLAY": "wayland-9"}).close()
    Connection.connect(str(tmp_path / "wayland-9"), env={}).close()  # an absolute path needs no runtime dir
    with pytest.raises(WaylandError, match="XDG_RUNTIME_DIR is not set"):
        Connection.connect(env={"WAYLAND_DISPLAY": "wayland-9"})
    with pytest.raises(WaylandError, match=r"cannot connect to the Wayland compositor at .*wayland-3 "
                                           r"\(No such file or directory\): check that WAYLAND_DISPLAY"):
        Connection.connect(env={"XDG_RUNTIME_DIR": str(tmp_path), "WAYLAND_DISPLAY": "wayland-3"})
    listener.close()


def test_list_globals_gives_names_and_versions_in_order(fake):
    assert list_globals(fake.path) == [Global(i + 1, name, version) for i, (name, version) in enumerate(GLOBALS)]


def test_bind_sends_the_interface_the_smaller_version_and_a_new_id(fake, client):
    connection, registry = client
    seat = registry.bind("wl_seat", 1)
    manager = registry.bind("zwlr_data_control_manager_v1", 5)
    connection.roundtrip()
    binds = [args for _, _, args, _ in fake.log("bind")]
    assert binds == [[1, ("wl_seat", 1, seat.id)], [2, ("zwlr_data_control_manager_v1", 2, manager.id)]]
    assert (seat.version, manager.version) == (1, 2)
    with pytest.raises(WaylandError, match="does not offer wl_shm"):
        registry.bind("wl_shm", 1)


def test_ids_are_reused_only_after_delete_id(pair):
    # The test is the compositor, so it decides when delete_id arrives (over a real compositor the
    # sync callback's delete_id follows its done and races the test: CI once got {4, 7}).
    connection, server = pair
    manager = Proxy(connection, 2, PROTOCOL["ext_data_control_manager_v1"], 1)
    connection._objects[2] = manager
    first = manager.request("create_data_source", None)
    first.request("destroy")
    second = manager.request("create_data_source", None)
    assert second.id == first.id + 1  # no delete_id yet: a fresh id
    server_event(server, 1, "wl_display", "delete_id", first.id)
    assert connection.read(5)
    assert manager.request("create_data_source", None).id == first.id  # freed: reused
    assert manager.request("create_data_source", None).id == second.id + 1  # then it grows again
    with pytest.raises(WaylandError, match="already destroyed"):
        first.request("offer", "text/plain")


def test_fds_travel_both_ways(pair):
    connection, server = pair
    source = Proxy(connection, 5, PROTOCOL["zwlr_data_control_source_v1"], 1)
    offer = Proxy(connection, 6, PROTOCOL["zwlr_data_control_offer_v1"], 1)
    connection._objects.update({5: source, 6: offer})
    # a request with an fd: the compositor gets a working duplicate of our pipe's write end
    r, w = os.pipe()
    offer.request("receive", "text/plain", w)
    os.close(w)
    object_id, name, (mime, their_w) = server_read(server, "zwlr_data_control_offer_v1")
    assert (object_id, name, mime) == (6, "receive", "text/plain")
    os.write(their_w, b"plain")
    os.close(their_w)
    assert os.read(r, 100) == b"plain"
    # an event with an fd: the handler gets a descriptor of the compositor's pipe
    got = []
    source.on("send", lambda mime, fd: got.append((mime, fd)))
    r2, w2 = os.pipe()
    server_event(server, 5, "zwlr_data_control_source_v1", "send", "text/html", w2)
    os.close(w2)
    assert connection.read(2)
    (mime, fd), = got
    os.write(fd, b"<b>x</b>")
    os.close(fd)
    assert mime == "text/html" and os.read(r2, 100) == b"<b>x</b>"
    os.close(r2)
    os.close(r)


def test_a_message_split_across_reads_is_put_back_together(pair):
    connection, server = pair
    got = []
    registry = connection.display.request("get_registry", None, handlers={"global": lambda *a: got.append(a)})
    server_read(server, "wl_display")
    data, _ = encode(registry.id, 0, PROTOCOL["wl_registry"].events[0], [7, "ext_data_control_manager_v1", 1])
    for i in range(len(data)):
        server.send(data[i:i + 1])
        connection.read(0.01 if i < len(data) - 1 else 2)
    assert got == [(7, "ext_data_control_manager_v1", 1)]


def test_an_event_for_a_destroyed_object_closes_its_fd(pair):
    connection, server = pair
    source = Proxy(connection, 5, PROTOCOL["zwlr_data_control_source_v1"], 1)
    connection._objects[5] = source
    source.on("send", lambda mime, fd: pytest.fail("a destroyed source's handler ran"))
    source.request("destroy")
    r, w = os.pipe()
    server_event(server, 5, "zwlr_data_control_source_v1", "send", "text/plain", w)
    os.close(w)
    assert connection.read(2)
    assert os.read(r, 10) == b""  # every write end is closed: ours was not leaked
    os.close(r)


def test_a_protocol_error_is_raised_with_its_message(pair):
    connection, server = pair

    def compositor():
        object_id, name, (callback,) = server_read(server, "wl_display")
        server_event(server, 1, "wl_display", "error", 1, 1, "invalid method 9, object wl_display@1")

    thread = threading.Thread(target=compositor)
    thread.start()
    with pytest.raises(WaylandError, match=r"refused a request \(wl_display@1, error 1: invalid method 9"):
        connection.roundtrip(2)
    thread.join()
    with pytest.raises(WaylandError, match="refused a request"):
        connection.display.request("sync", None)  # the connection stays failed


def test_a_closed_connection_is_reported(pair):
    connection, server = pair
    server.close()
    with pytest.raises(WaylandError, match="closed the connection|went away"):
        connection.roundtrip(2)


def test_round_trips_through_the_dispatch_thread(fake):
    connection = Connection.connect(fake.path)
    try:
        Registry(connection)
        connection.start()
        for _ in range(200):  # the done handler is set before the sync leaves: none is lost
            connection.roundtrip(2)
    finally:
        connection.close()
    with pytest.raises(WaylandError, match="closed"):
        connection.roundtrip(1)
