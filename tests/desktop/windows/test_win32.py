"""The adapter itself (dictate_app/desktop/windows/win32.py) on Linux, over stand-in DLLs
(conftest.py): every ctypes declaration resolves, the structures have the documented sizes, and
SendInput gets the events as KEYBDINPUTs marked as Dictate's."""

from __future__ import annotations

import ctypes
import struct

import pytest

from dictate_app.desktop.windows import win32
from dictate_app.desktop.windows.vk import DICTATE_MARK
from dictate_app.desktop.windows.win32 import KeyInput


def test_load_refuses_off_windows():
    with pytest.raises(OSError, match="only on Windows"):
        win32.load()


def test_declarations_and_structure_sizes(stub_api):
    assert stub_api.user32.SendInput.argtypes[1]._type_ is stub_api.INPUT
    if ctypes.sizeof(ctypes.c_void_p) == 8:
        # learn.microsoft.com: sizeof(INPUT) is 40 on 64-bit Windows, KEYBDINPUT 24, KBDLLHOOKSTRUCT 24.
        sizes = [ctypes.sizeof(t) for t in (stub_api.INPUT, stub_api.KEYBDINPUT, stub_api.KBDLLHOOKSTRUCT)]
        assert sizes == [40, 24, 24]
        assert stub_api.INPUT.u.offset == 8


def test_send_input_marks_every_event(stub_api):
    seen = []

    def send(count, array, size):
        raw = ctypes.string_at(array, count * size)
        for i in range(count):
            kind, = struct.unpack_from("<I", raw, i * size)
            vk, scan, flags, _time, extra = struct.unpack_from("<HHIIxxxxQ", raw, i * size + 8)
            seen.append((kind, vk, scan, flags, extra))
        return count

    stub_api.results["SendInput"] = send
    assert stub_api.send_input([KeyInput(0x11, 0x1D, 0), KeyInput(0, 0xD83D, 4)]) == 2
    assert seen == [(1, 0x11, 0x1D, 0, DICTATE_MARK), (1, 0, 0xD83D, 4, DICTATE_MARK)]
