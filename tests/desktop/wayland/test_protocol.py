"""The wire format byte for byte, and the interface table against the protocol XML files."""

from __future__ import annotations

import struct
from collections import deque

import pytest

from dictate_app.desktop.wayland.protocol import PROTOCOL, Arg, Message, WaylandError, decode, encode


def test_header_and_string_padding_are_exact():
    message = Message("m", (Arg("string"), Arg("uint")))
    data, fds = encode(7, 2, message, ["ab", 5])
    # "ab\0" is 3 bytes: length 3, then padded to 4; the header's size counts everything.
    assert data == struct.pack("=II", 7, 20 << 16 | 2) + struct.pack("=I", 3) + b"ab\0\0" + struct.pack("=I", 5)
    assert fds == []
    for text, padded in (("", 4), ("abc", 4), ("abcd", 8)):
        body = encode(1, 0, Message("m", (Arg("string"),)), [text])[0][8:]
        assert len(body) == 4 + padded and struct.unpack_from("=I", body)[0] == len(text) + 1


def test_every_argument_type_round_trips():
    message = Message("m", (Arg("int"), Arg("uint"), Arg("fixed"), Arg("string"), Arg("string", nullable=True),
                            Arg("object", nullable=True), Arg("new_id", "wl_callback"), Arg("array"), Arg("fd"),
                            Arg("array"), Arg("new_id")))
    values = [-5, 0xFFFFFFFF, -1.5, "héllo 你好", None, 0, 42, b"\x01\x02\x03", 9, b"", ("wl_seat", 7, 3)]
    data, fds = encode(3, 1, message, values)
    assert fds == [9]
    assert decode(message, data[8:], deque(fds)) == values


def test_a_message_over_the_limit_is_refused_with_a_sentence():
    with pytest.raises(WaylandError, match="over the protocol's 4096-byte limit"):
        encode(1, 0, Message("offer", (Arg("string"),)), ["x" * 5000])


def test_a_missing_fd_is_an_error_not_a_crash():
    message = Message("send", (Arg("string"), Arg("fd")))
    data, _ = encode(1, 0, message, ["text/plain", 3])
    with pytest.raises(WaylandError, match="without its file descriptor"):
        decode(message, data[8:], deque())


# The order of requests and events in wayland.xml, wlr-data-control-unstable-v1.xml (version 2)
# and ext-data-control-v1.xml (version 1): the opcode is the index. Read from the XML files of
# wayland (protocol/wayland.xml), swaywm/wlr-protocols and wayland-protocols (staging).
XML_ORDER = {
    "wl_display": (["sync", "get_registry"], ["error", "delete_id"]),
    "wl_registry": (["bind"], ["global", "global_remove"]),
    "wl_callback": ([], ["done"]),
    "wl_seat": (["get_pointer", "get_keyboard", "get_touch", "release"], ["capabilities", "name"]),
    "{p}_manager_v1": (["create_data_source", "get_data_device", "destroy"], []),
    "{p}_device_v1": (["set_selection", "destroy", "set_primary_selection"],
                      ["data_offer", "selection", "finished", "primary_selection"]),
    "{p}_source_v1": (["offer", "destroy"], ["send", "cancelled"]),
    "{p}_offer_v1": (["receive", "destroy"], ["offer"]),
}


@pytest.mark.parametrize("prefix", ["zwlr_data_control", "ext_data_control"])
def test_the_table_has_the_xml_order_and_signatures(prefix):
    for template, (requests, events) in XML_ORDER.items():
        interface = PROTOCOL[template.format(p=prefix)]
        assert [m.name for m in interface.requests] == requests
        assert [m.name for m in interface.events] == events
    source = PROTOCOL[f"{prefix}_source_v1"]
    assert [a.type for a in source.events[0].args] == ["string", "fd"]
    assert [a.type for a in PROTOCOL[f"{prefix}_offer_v1"].requests[0].args] == ["string", "fd"]
    device = PROTOCOL[f"{prefix}_device_v1"]
    assert device.requests[0].args == (Arg("object", None, True),) and device.requests[1].destructor
    assert device.events[0].args == (Arg("new_id", f"{prefix}_offer_v1"),)
    manager = PROTOCOL[f"{prefix}_manager_v1"]
    assert [a.type for a in manager.requests[1].args] == ["new_id", "object"]
    assert PROTOCOL["wl_display"].events[0].args == (Arg("object"), Arg("uint"), Arg("string"))
    assert PROTOCOL["wl_registry"].requests[0].args == (Arg("uint"), Arg("new_id"))
    assert PROTOCOL["wl_callback"].events[0].destructor
