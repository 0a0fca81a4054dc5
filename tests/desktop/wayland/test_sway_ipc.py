"""sway's IPC (desktop/wayland/sway_ipc.py): the framing over socketpairs, replies in pieces, events,
a closed, garbled or silent socket, failed commands, and the event listener against a fake sway."""

from __future__ import annotations

import json
import socket
import struct
import sys
import threading

import pytest

from dictate_app.desktop.wayland import sway_ipc
from dictate_app.desktop.wayland.sway_ipc import EventListener, SwayGone, SwayIPC, encode
from tests.desktop.wayland.fake_sway import FakeSway, until


def test_encode_is_magic_length_type_in_host_order_then_payload():
    data = encode(sway_ipc.RUN_COMMAND, "nop ü")
    assert data[:6] == b"i3-ipc"
    assert struct.unpack("=II", data[6:14]) == (len("nop ü".encode()), 0)
    assert data[14:] == "nop ü".encode()
    assert len(data) == 14 + 6


def test_request_and_reply_over_a_socketpair():
    near, far = socket.socketpair()
    server = SwayIPC(sock=far)
    conn = SwayIPC(sock=near)

    def serve():
        kind, payload = server.read_raw()
        far.sendall(encode(kind, json.dumps([{"success": True, "echo": payload.decode()}])))

    thread = threading.Thread(target=serve)
    thread.start()
    assert conn.command("bindsym F9 nop x") == [{"success": True, "echo": "bindsym F9 nop x"}]
    thread.join()


def test_a_reply_split_in_pieces_is_read_whole():
    near, far = socket.socketpair()
    conn = SwayIPC(sock=near)
    message = encode(sway_ipc.GET_VERSION, json.dumps({"human_readable": "1.7"}))
    far.sendall(message[:3])

    def rest():
        far.sendall(message[3:10])
        far.sendall(message[10:])

    threading.Timer(0.05, rest).start()
    assert conn.read_message() == (sway_ipc.GET_VERSION, {"human_readable": "1.7"})


def test_events_carry_the_high_bit_and_their_name():
    near, far = socket.socketpair()
    conn = SwayIPC(sock=near)
    far.sendall(encode(sway_ipc.EVENT_BIT | 5, json.dumps({"change": "run"})))
    assert conn.read_event() == ("binding", {"change": "run"})


@pytest.mark.parametrize("bad, message", [
    (b"", "closed"),
    (b"i3-ipX" + struct.pack("=II", 0, 0), "magic"),
    (encode(4, "{not json"), "not JSON"),
])
def test_a_closed_or_garbled_socket_is_sway_gone(bad, message):
    near, far = socket.socketpair()
    conn = SwayIPC(sock=near)
    far.sendall(bad)
    far.close()
    with pytest.raises(SwayGone, match=message):
        conn.read_message()


def test_a_silent_sway_times_out_instead_of_freezing_the_caller():
    near, _far = socket.socketpair()
    conn = SwayIPC(sock=near, timeout=0.05)
    with pytest.raises(SwayGone, match="did not answer"):
        conn.request(sway_ipc.GET_TREE)


def test_a_failed_command_raises_swaysown_error():
    sway = FakeSway()
    sway.refuse["bogus"] = "Unknown/invalid command 'bogus'"
    with pytest.raises(sway_ipc.SwayCommandError, match="Unknown/invalid command 'bogus'"):
        sway.connect().run("bogus")


def test_socket_path_needs_swaysock():
    assert sway_ipc.socket_path({"SWAYSOCK": "/run/user/1000/sway-ipc.1000.1.sock"}).endswith(".sock")
    with pytest.raises(SwayGone, match="SWAYSOCK is not set"):
        sway_ipc.socket_path({})


def test_event_listener_reports_sway_gone_once_but_not_its_own_stop():
    sway = FakeSway()
    seen, gone = [], []
    listener = EventListener(["binding"], lambda n, p: seen.append(n), gone.append, sway.connect)
    listener.start()
    sway.binding("nop x")
    until(lambda: seen == ["binding"])
    sway.drop()
    until(lambda: gone)
    assert gone == ["sway closed its IPC socket"]

    stopped = []
    other = EventListener(["binding"], lambda n, p: None, stopped.append, FakeSway().connect)
    other.start()
    other.stop()
    assert stopped == []


@pytest.mark.skipif(sys.byteorder != "little", reason="the example bytes are little-endian")
def test_header_bytes_as_documented():
    # sway-ipc(7): "i3-ipc" + <payload length> + <payload type>, e.g. GET_TREE with no payload.
    assert encode(sway_ipc.GET_TREE) == b"i3-ipc\x00\x00\x00\x00\x04\x00\x00\x00"
