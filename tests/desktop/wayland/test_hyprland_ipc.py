"""Hyprland's sockets (desktop/wayland/hyprland_ipc.py) against a fake Hyprland (fake_hyprland.py):
where they are, one connection per request, versions, and the quoting of regexes and Lua strings."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from dictate_app.desktop.wayland.hyprland_ipc import (
    HyprlandGone,
    HyprlandSocket,
    lua_string,
    regex_literal,
    socket_dir,
    version_of,
)
from tests.desktop.wayland.fake_hyprland import FakeHyprland


def sock(fake: FakeHyprland) -> HyprlandSocket:
    return HyprlandSocket(socket_dir(fake.env))


def test_sockets_under_the_runtime_dir_and_the_old_tmp_place(hypr, tmp_path):
    assert socket_dir(hypr.env) == hypr.folder
    with pytest.raises(HyprlandGone, match="HYPRLAND_INSTANCE_SIGNATURE is not set"):
        socket_dir({"XDG_RUNTIME_DIR": str(tmp_path)})
    signature = f"dictate-test-{uuid.uuid4().hex}"
    old = Path("/tmp/hypr") / signature  # Hyprland before 0.40
    old.mkdir(parents=True)
    try:
        (old / ".socket.sock").touch()
        assert socket_dir({"XDG_RUNTIME_DIR": str(tmp_path), "HYPRLAND_INSTANCE_SIGNATURE": signature}) == old
    finally:
        shutil.rmtree(old)
    with pytest.raises(HyprlandGone, match="no Hyprland socket"):
        socket_dir({"XDG_RUNTIME_DIR": str(tmp_path), "HYPRLAND_INSTANCE_SIGNATURE": signature})


def test_requests_are_flags_slash_command_one_connection_each(hypr):
    hypr.active = {"address": "0x55d1c0a3e8f0", "class": "kitty", "title": "~", "pid": 4242}
    assert sock(hypr).json("activewindow")["class"] == "kitty"
    assert sock(hypr).request("keyword bind ,F9,event,x") == "ok"
    assert hypr.requests == ["j/activewindow", "/keyword bind ,F9,event,x"]


def test_versions_from_version_or_tag():
    assert version_of({"version": "0.54.2", "tag": "v0.54.2-b"}) == (0, 54)
    assert version_of({"tag": "v0.41.2-b"}) == (0, 41)
    assert version_of({}) == (0, 0)


def test_regex_and_lua_quoting():
    assert regex_literal("a.b,c#d (x)") == r"a\.b\x2cc\x23d \(x\)"
    assert lua_string('say "hi" \\ ok') == r'"say \"hi\" \\ ok"'
