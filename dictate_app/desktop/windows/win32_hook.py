"""The adapter's hook thread: the thread that owns the low-level keyboard hook, the window that
receives raw keyboard input and session notifications, and their message loop. Part of the Windows
adapter (it calls Win32 through :class:`~dictate_app.desktop.windows.win32.Win32`'s loaded DLLs);
the decisions are the callbacks' (:mod:`dictate_app.desktop.windows.hotkey`).

Written against the documentation (SetWindowsHookExW, LowLevelKeyboardProc, RegisterRawInputDevices,
WTSRegisterSessionNotification, GetMessageW); never run on Windows.
"""

from __future__ import annotations

import ctypes
import logging
import threading

log = logging.getLogger(__name__)

WM_QUIT, WM_TIMER, WM_INPUT, WM_WTSSESSION_CHANGE = 0x0012, 0x0113, 0x00FF, 0x02B1
WTS_SESSION_UNLOCK, NOTIFY_FOR_THIS_SESSION = 0x8, 0
WH_KEYBOARD_LL, HC_ACTION = 13, 0
RIDEV_INPUTSINK = 0x100


class HookThread:
    """The thread that owns the low-level keyboard hook and pumps its messages (a LL hook is
    called on the installing thread, inside its GetMessage)."""

    def __init__(self, api, on_key, on_raw_key, on_unlock, on_tick, tick_ms: int):
        self.api, self.on_key, self.on_raw_key = api, on_key, on_raw_key
        self.on_unlock, self.on_tick, self.tick_ms = on_unlock, on_tick, tick_ms
        self.installs = 0
        self._hook = None
        self._thread_id = 0
        self._error: str | None = None
        self._ready = threading.Event()
        self._proc = api.HOOKPROC(self._hook_proc)  # kept: the system calls it for the hook's life
        self._thread = threading.Thread(target=self._run, name="dictate-keyboard-hook", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(5)
        if self._error or not self._ready.is_set():
            raise OSError(self._error or "the keyboard hook thread did not start")

    def _hook_proc(self, code, wparam, lparam):
        u = self.api.user32
        if code == HC_ACTION:
            event = self.api.KBDLLHOOKSTRUCT.from_address(lparam)
            try:
                suppress = self.on_key(event.vkCode, event.scanCode, event.flags, event.time, event.dwExtraInfo)
            except Exception:  # never let an exception into the hook chain
                log.exception("keyboard hook callback failed")
                suppress = False
            if suppress:
                return 1
        return u.CallNextHookEx(None, code, wparam, lparam)

    def _install(self) -> bool:
        u = self.api.user32
        if self._hook:
            u.UnhookWindowsHookEx(self._hook)
        self._hook = u.SetWindowsHookExW(WH_KEYBOARD_LL, self._proc, self.api.kernel32.GetModuleHandleW(None), 0)
        if self._hook:
            self.installs += 1
        return bool(self._hook)

    def _window(self, hwnd, msg, wparam, lparam):
        if msg == WM_INPUT:
            self.on_raw_key(int(self.api.user32.GetMessageTime()) & 0xFFFFFFFF)
            return None  # DefWindowProc cleans the raw input up
        reinstall = False
        if msg == WM_WTSSESSION_CHANGE and wparam == WTS_SESSION_UNLOCK:
            reinstall = self.on_unlock()
        elif msg == WM_TIMER:
            reinstall = self.on_tick(self.api.tick_count())
        if reinstall and not self._install():
            log.warning("the keyboard hook could not be installed again (error %s)", ctypes.get_last_error())
        return 0 if msg in (WM_TIMER, WM_WTSSESSION_CHANGE) else None

    def _run(self) -> None:
        api, u = self.api, self.api.user32
        self._thread_id = api.kernel32.GetCurrentThreadId()
        try:
            hwnd = api.create_message_window(self._window)
        except OSError as exc:
            self._error = str(exc)
            self._ready.set()
            return
        device = api.RAWINPUTDEVICE(0x01, 0x06, RIDEV_INPUTSINK, hwnd)  # generic desktop, keyboard
        if not u.RegisterRawInputDevices(ctypes.byref(device), 1, ctypes.sizeof(device)):
            log.warning("raw keyboard input unavailable: a dropped hook is found only at unlock")
        session = bool(api.wtsapi32.WTSRegisterSessionNotification(hwnd, NOTIFY_FOR_THIS_SESSION))
        if not self._install():
            self._error = f"SetWindowsHookExW failed (error {ctypes.get_last_error()})"
            self._ready.set()
            return
        u.SetTimer(hwnd, 1, self.tick_ms, None)
        self._ready.set()
        msg = api.w.MSG()
        while u.GetMessageW(ctypes.byref(msg), None, 0, 0) > 0:
            u.TranslateMessage(ctypes.byref(msg))
            u.DispatchMessageW(ctypes.byref(msg))
        if self._hook:
            u.UnhookWindowsHookEx(self._hook)
        if session:
            api.wtsapi32.WTSUnRegisterSessionNotification(hwnd)
        api.destroy_window(hwnd)

    def stop(self) -> None:
        if self._thread_id:
            self.api.user32.PostThreadMessageW(self._thread_id, WM_QUIT, 0, 0)
        self._thread.join(2)
