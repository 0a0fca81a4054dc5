"""The adapter's hook thread (dictate_app/desktop/windows/win32_hook.py) over stand-in DLLs
(conftest.py): the hook procedure and the hook window call the logic's callbacks and re-install the
hook when it asks."""

from __future__ import annotations

import ctypes

from dictate_app.desktop.windows import win32_hook
from dictate_app.desktop.windows.vk import DICTATE_MARK


def test_the_hook_procedure_suppresses_what_the_logic_says(stub_api):
    keys = []

    def on_key(vk, scan, flags, time, extra):
        keys.append((vk, scan, flags, time, extra))
        return vk == 0x78

    thread = win32_hook.HookThread(stub_api, on_key, lambda t: None, lambda: False, lambda now: False, 500)
    event = stub_api.KBDLLHOOKSTRUCT(0x78, 0x43, 0x80, 1234, 0)
    assert thread._hook_proc(0, 0x101, ctypes.addressof(event)) == 1
    other = stub_api.KBDLLHOOKSTRUCT(0x41, 0x1E, 0, 1235, DICTATE_MARK)
    stub_api.results["CallNextHookEx"] = 0
    assert thread._hook_proc(0, 0x100, ctypes.addressof(other)) == 0
    assert keys == [(0x78, 0x43, 0x80, 1234, 0), (0x41, 0x1E, 0, 1235, DICTATE_MARK)]
    assert [name for name, _ in stub_api.log].count("CallNextHookEx") == 1
    assert thread._hook_proc(-1, 0, 0) == 0  # not HC_ACTION: passed on untouched


def test_the_hook_window_reinstalls_when_asked(stub_api):
    ticks, raws = [], []
    thread = win32_hook.HookThread(stub_api, lambda *a: False, raws.append, lambda: True,
                              lambda now: ticks.append(now) or len(ticks) == 2, 500)
    stub_api.results.update(SetWindowsHookExW=0x99, GetMessageTime=777, GetTickCount=5000)
    assert thread._window(1, win32_hook.WM_INPUT, 0, 0) is None and raws == [777]
    thread._window(1, win32_hook.WM_TIMER, 1, 0)
    assert thread.installs == 0
    thread._window(1, win32_hook.WM_TIMER, 1, 0)
    assert thread.installs == 1 and ticks == [5000, 5000]
    thread._window(1, win32_hook.WM_WTSSESSION_CHANGE, win32_hook.WTS_SESSION_UNLOCK, 0)
    assert thread.installs == 2
    names = [name for name, _ in stub_api.log]
    assert names.count("SetWindowsHookExW") == 2 and names.count("UnhookWindowsHookEx") == 1
