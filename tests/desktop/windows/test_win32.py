"""The adapter itself (dictate_app/desktop/windows/win32.py) on Linux, over stand-in DLLs: every
ctypes declaration resolves, the structures have the documented sizes, SendInput gets the events
as KEYBDINPUTs marked as Dictate's, and the hook procedure and the hook window call the logic's
callbacks and re-install the hook when it asks. (The real DLLs exist only on Windows.)"""

from __future__ import annotations

import ctypes
import struct

import pytest

from dictate_app.desktop.windows import win32, win32_hook
from dictate_app.desktop.windows.vk import DICTATE_MARK
from dictate_app.desktop.windows.win32 import KeyInput


class StubFunction:
    """A DLL function: records its calls, answers from the shared results (default 1)."""

    def __init__(self, name, log, results):
        self.name, self.log, self.results = name, log, results
        self.argtypes, self.restype = None, None

    def __call__(self, *args):
        self.log.append((self.name, args))
        result = self.results.get(self.name, 1)
        return result(*args) if callable(result) else result


class StubDLL:
    def __init__(self, log, results):
        self._log, self._results = log, results

    def __getattr__(self, name):
        function = StubFunction(name, self._log, self._results)
        setattr(self, name, function)
        return function


@pytest.fixture
def api(monkeypatch):
    log, results = [], {}
    monkeypatch.setattr(ctypes, "WinDLL", lambda name, use_last_error=False: StubDLL(log, results), raising=False)
    monkeypatch.setattr(ctypes, "WINFUNCTYPE", ctypes.CFUNCTYPE, raising=False)
    adapter = win32.Win32()
    adapter.log, adapter.results = log, results
    return adapter


def test_load_refuses_off_windows():
    with pytest.raises(OSError, match="only on Windows"):
        win32.load()


def test_declarations_and_structure_sizes(api):
    assert api.user32.SendInput.argtypes[1]._type_ is api.INPUT
    if ctypes.sizeof(ctypes.c_void_p) == 8:
        # learn.microsoft.com: sizeof(INPUT) is 40 on 64-bit Windows, KEYBDINPUT 24, KBDLLHOOKSTRUCT 24.
        assert (ctypes.sizeof(api.INPUT), ctypes.sizeof(api.KEYBDINPUT), ctypes.sizeof(api.KBDLLHOOKSTRUCT)) == (40, 24, 24)
        assert api.INPUT.u.offset == 8


def test_send_input_marks_every_event(api):
    seen = []

    def send(count, array, size):
        raw = ctypes.string_at(array, count * size)
        for i in range(count):
            kind, = struct.unpack_from("<I", raw, i * size)
            vk, scan, flags, _time, extra = struct.unpack_from("<HHIIxxxxQ", raw, i * size + 8)
            seen.append((kind, vk, scan, flags, extra))
        return count

    api.results["SendInput"] = send
    assert api.send_input([KeyInput(0x11, 0x1D, 0), KeyInput(0, 0xD83D, 4)]) == 2
    assert seen == [(1, 0x11, 0x1D, 0, DICTATE_MARK), (1, 0, 0xD83D, 4, DICTATE_MARK)]


def test_the_hook_procedure_suppresses_what_the_logic_says(api):
    keys = []

    def on_key(vk, scan, flags, time, extra):
        keys.append((vk, scan, flags, time, extra))
        return vk == 0x78

    thread = win32_hook.HookThread(api, on_key, lambda t: None, lambda: False, lambda now: False, 500)
    event = api.KBDLLHOOKSTRUCT(0x78, 0x43, 0x80, 1234, 0)
    assert thread._hook_proc(0, 0x101, ctypes.addressof(event)) == 1
    other = api.KBDLLHOOKSTRUCT(0x41, 0x1E, 0, 1235, DICTATE_MARK)
    api.results["CallNextHookEx"] = 0
    assert thread._hook_proc(0, 0x100, ctypes.addressof(other)) == 0
    assert keys == [(0x78, 0x43, 0x80, 1234, 0), (0x41, 0x1E, 0, 1235, DICTATE_MARK)]
    assert [name for name, _ in api.log].count("CallNextHookEx") == 1
    assert thread._hook_proc(-1, 0, 0) == 0  # not HC_ACTION: passed on untouched


def test_the_hook_window_reinstalls_when_asked(api):
    ticks, raws = [], []
    thread = win32_hook.HookThread(api, lambda *a: False, raws.append, lambda: True,
                              lambda now: ticks.append(now) or len(ticks) == 2, 500)
    api.results.update(SetWindowsHookExW=0x99, GetMessageTime=777, GetTickCount=5000)
    assert thread._window(1, win32_hook.WM_INPUT, 0, 0) is None and raws == [777]
    thread._window(1, win32_hook.WM_TIMER, 1, 0)
    assert thread.installs == 0
    thread._window(1, win32_hook.WM_TIMER, 1, 0)
    assert thread.installs == 1 and ticks == [5000, 5000]
    thread._window(1, win32_hook.WM_WTSSESSION_CHANGE, win32_hook.WTS_SESSION_UNLOCK, 0)
    assert thread.installs == 2
    names = [name for name, _ in api.log]
    assert names.count("SetWindowsHookExW") == 2 and names.count("UnhookWindowsHookEx") == 1
