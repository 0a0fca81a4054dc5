"""The Windows adapter: with its hook thread (:mod:`~dictate_app.desktop.windows.win32_hook`) the ONLY
code of Dictate that touches Win32 (the DLLs are loaded here), one small method per OS call.
Everything that decides (which key, what to suppress, when to re-install the hook, which clipboard
formats, who read the clipboard, whether the target is elevated) lives in the modules that take
this adapter as an argument, and is tested on Linux with a double of it
(``tests/desktop/windows/fake_win32.py``) that records the exact calls.

Written against the documentation (learn.microsoft.com: SendInput, KEYBDINPUT, SetWindowsHookExW
and LowLevelKeyboardProc, RegisterRawInputDevices, WTSRegisterSessionNotification, the clipboard
functions and "Clipboard Operations", OpenProcessToken/GetTokenInformation(TokenElevation),
QueryFullProcessImageNameW, GetNamedPipeClientProcessId and its kin); **never run on Windows**.
Importing it anywhere is safe: the DLLs are loaded in :func:`load`, which raises OSError off Windows.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dictate_app.desktop.windows.vk import DICTATE_MARK

log = logging.getLogger(__name__)

INPUT_KEYBOARD = 1
GMEM_MOVEABLE = 0x0002
CF_ENHMETAFILE = 14
PROCESS_QUERY_LIMITED_INFORMATION, TOKEN_QUERY, TOKEN_USER_CLASS, TOKEN_ELEVATION_CLASS = 0x1000, 0x0008, 1, 20
MAPVK_VK_TO_VSC = 0
PM_NOREMOVE, PM_QS_SENDMESSAGE = 0x0000, 0x0040 << 16
HWND_MESSAGE = -3
_class_numbers = itertools.count()  # a window class name is process-wide: each of ours is unique


@dataclass(frozen=True)
class KeyInput:
    """One KEYBDINPUT: virtual key, scan code (the UTF-16 unit with KEYEVENTF_UNICODE), flags."""

    vk: int
    scan: int
    flags: int


# Hook callbacks (see Win32.run_hook_thread): each returns quickly; on_key's True suppresses.
OnKey = Callable[[int, int, int, int, int], bool]  # vk, scan, flags, time, extra -> suppress


def _sig(function, restype, *argtypes) -> None:
    """Declare a DLL function's result and argument types (ctypes would guess them wrong)."""
    function.restype, function.argtypes = restype, list(argtypes)


def load() -> Win32:
    """The adapter over the real DLLs; OSError off Windows."""
    if not sys.platform.startswith("win"):
        raise OSError("the Windows backend runs only on Windows")
    return Win32()


class Win32:
    """Thin ctypes wrappers. Methods return plain Python values; failures return False/None/0
    as the Win32 call does (the callers decide what that means)."""

    def __init__(self) -> None:
        from ctypes import wintypes as w

        self.w = w
        self.user32 = ctypes.WinDLL("user32", use_last_error=True)
        self.kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        self.advapi32 = ctypes.WinDLL("advapi32", use_last_error=True)
        self.gdi32 = ctypes.WinDLL("gdi32", use_last_error=True)
        self.wtsapi32 = ctypes.WinDLL("wtsapi32", use_last_error=True)
        ulong_ptr = ctypes.c_size_t
        self.LRESULT = ctypes.c_ssize_t

        # Structure fields with fixed widths (Windows' DWORD is 32 bits; wintypes.DWORD is a C long,
        # which is 64 bits off Windows, so these also have their Windows layout in Linux tests).
        dword, word, long_, ushort = ctypes.c_uint32, ctypes.c_uint16, ctypes.c_int32, ctypes.c_uint16

        class KEYBDINPUT(ctypes.Structure):
            _fields_ = [("wVk", word), ("wScan", word), ("dwFlags", dword), ("time", dword),
                        ("dwExtraInfo", ulong_ptr)]

        class MOUSEINPUT(ctypes.Structure):  # only for the union's size
            _fields_ = [("dx", long_), ("dy", long_), ("mouseData", dword), ("dwFlags", dword),
                        ("time", dword), ("dwExtraInfo", ulong_ptr)]

        class _U(ctypes.Union):
            _fields_ = [("ki", KEYBDINPUT), ("mi", MOUSEINPUT)]

        class INPUT(ctypes.Structure):
            _fields_ = [("type", dword), ("u", _U)]

        class KBDLLHOOKSTRUCT(ctypes.Structure):
            _fields_ = [("vkCode", dword), ("scanCode", dword), ("flags", dword), ("time", dword),
                        ("dwExtraInfo", ulong_ptr)]

        class RAWINPUTDEVICE(ctypes.Structure):
            _fields_ = [("usUsagePage", ushort), ("usUsage", ushort), ("dwFlags", dword),
                        ("hwndTarget", w.HWND)]

        self.INPUT, self.KEYBDINPUT = INPUT, KEYBDINPUT
        self.KBDLLHOOKSTRUCT, self.RAWINPUTDEVICE = KBDLLHOOKSTRUCT, RAWINPUTDEVICE
        self.WNDPROC = ctypes.WINFUNCTYPE(self.LRESULT, w.HWND, w.UINT, w.WPARAM, w.LPARAM)
        self.HOOKPROC = ctypes.WINFUNCTYPE(self.LRESULT, ctypes.c_int, w.WPARAM, w.LPARAM)
        self.WNDENUMPROC = ctypes.WINFUNCTYPE(w.BOOL, w.HWND, w.LPARAM)

        class WNDCLASSW(ctypes.Structure):
            _fields_ = [("style", w.UINT), ("lpfnWndProc", self.WNDPROC), ("cbClsExtra", ctypes.c_int),
                        ("cbWndExtra", ctypes.c_int), ("hInstance", w.HINSTANCE), ("hIcon", w.HICON),
                        ("hCursor", w.HANDLE), ("hbrBackground", w.HBRUSH), ("lpszMenuName", w.LPCWSTR),
                        ("lpszClassName", w.LPCWSTR)]

        self.WNDCLASSW = WNDCLASSW
        u, k, a = self.user32, self.kernel32, self.advapi32
        _sig(u.SendInput, w.UINT, w.UINT, ctypes.POINTER(INPUT), ctypes.c_int)
        _sig(u.GetAsyncKeyState, w.SHORT, ctypes.c_int)
        u.GetForegroundWindow.restype = w.HWND
        _sig(u.GetWindowThreadProcessId, w.DWORD, w.HWND, ctypes.POINTER(w.DWORD))
        _sig(u.GetKeyboardLayout, w.HKL, w.DWORD)
        _sig(u.MapVirtualKeyExW, w.UINT, w.UINT, w.UINT, w.HKL)
        _sig(u.EnumChildWindows, w.BOOL, w.HWND, self.WNDENUMPROC, w.LPARAM)
        _sig(u.GetWindowTextLengthW, ctypes.c_int, w.HWND)
        _sig(u.GetWindowTextW, ctypes.c_int, w.HWND, w.LPWSTR, ctypes.c_int)
        _sig(u.OpenClipboard, w.BOOL, w.HWND)
        u.CloseClipboard.restype = w.BOOL
        u.EmptyClipboard.restype = w.BOOL
        _sig(u.EnumClipboardFormats, w.UINT, w.UINT)
        _sig(u.GetClipboardFormatNameW, ctypes.c_int, w.UINT, w.LPWSTR, ctypes.c_int)
        _sig(u.RegisterClipboardFormatW, w.UINT, w.LPCWSTR)
        _sig(u.GetClipboardData, w.HANDLE, w.UINT)
        _sig(u.SetClipboardData, w.HANDLE, w.UINT, w.HANDLE)
        u.GetClipboardSequenceNumber.restype = w.DWORD
        u.GetOpenClipboardWindow.restype = w.HWND
        u.GetClipboardOwner.restype = w.HWND
        _sig(u.RegisterClassW, w.ATOM, ctypes.POINTER(WNDCLASSW))
        u.CreateWindowExW.argtypes = [w.DWORD, w.LPCWSTR, w.LPCWSTR, w.DWORD, ctypes.c_int, ctypes.c_int,
                                      ctypes.c_int, ctypes.c_int, w.HWND, w.HMENU, w.HINSTANCE, w.LPVOID]
        u.CreateWindowExW.restype = w.HWND
        _sig(u.DestroyWindow, w.BOOL, w.HWND)
        _sig(u.DefWindowProcW, self.LRESULT, w.HWND, w.UINT, w.WPARAM, w.LPARAM)
        _sig(u.PeekMessageW, w.BOOL, ctypes.POINTER(w.MSG), w.HWND, w.UINT, w.UINT, w.UINT)
        _sig(u.GetMessageW, w.BOOL, ctypes.POINTER(w.MSG), w.HWND, w.UINT, w.UINT)
        u.TranslateMessage.argtypes = [ctypes.POINTER(w.MSG)]
        _sig(u.DispatchMessageW, self.LRESULT, ctypes.POINTER(w.MSG))
        _sig(u.PostThreadMessageW, w.BOOL, w.DWORD, w.UINT, w.WPARAM, w.LPARAM)
        _sig(u.SetWindowsHookExW, w.HHOOK, ctypes.c_int, self.HOOKPROC, w.HINSTANCE, w.DWORD)
        _sig(u.UnhookWindowsHookEx, w.BOOL, w.HHOOK)
        _sig(u.CallNextHookEx, self.LRESULT, w.HHOOK, ctypes.c_int, w.WPARAM, w.LPARAM)
        _sig(u.SetTimer, ctypes.c_size_t, w.HWND, ctypes.c_size_t, w.UINT, w.LPVOID)
        u.GetMessageTime.restype = w.LONG
        u.RegisterRawInputDevices.argtypes = [ctypes.POINTER(RAWINPUTDEVICE), w.UINT, w.UINT]
        u.RegisterRawInputDevices.restype = w.BOOL
        self.wtsapi32.WTSRegisterSessionNotification.argtypes = [w.HWND, w.DWORD]
        self.wtsapi32.WTSUnRegisterSessionNotification.argtypes = [w.HWND]
        _sig(k.GetModuleHandleW, w.HMODULE, w.LPCWSTR)
        _sig(k.GlobalAlloc, w.HGLOBAL, w.UINT, ctypes.c_size_t)
        _sig(k.GlobalLock, w.LPVOID, w.HGLOBAL)
        _sig(k.GlobalUnlock, w.BOOL, w.HGLOBAL)
        _sig(k.GlobalSize, ctypes.c_size_t, w.HGLOBAL)
        _sig(k.GlobalFree, w.HGLOBAL, w.HGLOBAL)
        _sig(k.OpenProcess, w.HANDLE, w.DWORD, w.BOOL, w.DWORD)
        _sig(k.CloseHandle, w.BOOL, w.HANDLE)
        k.GetCurrentProcess.restype = w.HANDLE
        k.GetCurrentThreadId.restype = w.DWORD
        k.GetTickCount.restype = w.DWORD
        k.QueryFullProcessImageNameW.argtypes = [w.HANDLE, w.DWORD, w.LPWSTR, ctypes.POINTER(w.DWORD)]
        k.QueryFullProcessImageNameW.restype = w.BOOL
        _sig(a.OpenProcessToken, w.BOOL, w.HANDLE, w.DWORD, ctypes.POINTER(w.HANDLE))
        a.GetTokenInformation.argtypes = [w.HANDLE, ctypes.c_int, w.LPVOID, w.DWORD, ctypes.POINTER(w.DWORD)]
        a.GetTokenInformation.restype = w.BOOL
        for side in ("Client", "Server"):
            for what in ("ProcessId", "SessionId"):
                function = getattr(k, f"GetNamedPipe{side}{what}")
                _sig(function, w.BOOL, w.HANDLE, ctypes.POINTER(w.ULONG))
        _sig(k.ProcessIdToSessionId, w.BOOL, w.DWORD, ctypes.POINTER(w.DWORD))
        k.GetCurrentProcessId.restype = w.DWORD
        _sig(k.LocalFree, w.HLOCAL, w.HLOCAL)
        _sig(a.ConvertSidToStringSidW, w.BOOL, ctypes.c_void_p, ctypes.POINTER(w.LPWSTR))
        self.gdi32.GetEnhMetaFileBits.argtypes = [w.HANDLE, w.UINT, ctypes.c_void_p]
        self.gdi32.GetEnhMetaFileBits.restype = w.UINT
        _sig(self.gdi32.SetEnhMetaFileBits, w.HANDLE, w.UINT, ctypes.c_char_p)
        self._keep: list = []  # window procedures ctypes must not collect while their window lives

    # --- keyboard -------------------------------------------------------------------------------
    def send_input(self, inputs: Sequence[KeyInput]) -> int:
        """SendInput of keyboard events, all marked with DICTATE_MARK; how many Windows took."""
        array = (self.INPUT * len(inputs))()
        for slot, event in zip(array, inputs):
            slot.type = INPUT_KEYBOARD
            slot.u.ki = self.KEYBDINPUT(event.vk, event.scan, event.flags, 0, DICTATE_MARK)
        return int(self.user32.SendInput(len(inputs), array, ctypes.sizeof(self.INPUT)))

    def key_down(self, vk: int) -> bool:
        """GetAsyncKeyState's high bit: the key is physically down now."""
        return bool(self.user32.GetAsyncKeyState(vk) & 0x8000)

    def scan_code(self, vk: int, hwnd: int) -> int:
        """The scan code of ``vk`` in the keyboard layout of ``hwnd``'s thread (0: none)."""
        thread = self.user32.GetWindowThreadProcessId(hwnd, None) if hwnd else 0
        return int(self.user32.MapVirtualKeyExW(vk, MAPVK_VK_TO_VSC, self.user32.GetKeyboardLayout(thread)))

    # --- windows and processes ------------------------------------------------------------------
    def foreground_window(self) -> int:
        return int(self.user32.GetForegroundWindow() or 0)

    def window_pid(self, hwnd: int) -> int | None:
        pid = self.w.DWORD(0)
        self.user32.GetWindowThreadProcessId(hwnd, ctypes.byref(pid))
        return int(pid.value) or None

    def child_window_pids(self, hwnd: int) -> list[int]:
        """The processes of ``hwnd``'s child windows (EnumChildWindows), in enumeration order."""
        pids: list[int] = []
        callback = self.WNDENUMPROC(lambda child, _lparam: (pids.append(self.window_pid(child) or 0), True)[1])
        self.user32.EnumChildWindows(hwnd, callback, 0)
        return [pid for pid in pids if pid]

    def window_title(self, hwnd: int) -> str:
        size = self.user32.GetWindowTextLengthW(hwnd)
        buf = ctypes.create_unicode_buffer(size + 1)
        self.user32.GetWindowTextW(hwnd, buf, size + 1)
        return buf.value

    def process_image(self, pid: int) -> str:
        """The full path of ``pid``'s executable ('' when it cannot be read)."""
        handle = self.kernel32.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
        if not handle:
            return ""
        try:
            size = self.w.DWORD(32768)
            buf = ctypes.create_unicode_buffer(size.value)
            ok = self.kernel32.QueryFullProcessImageNameW(handle, 0, buf, ctypes.byref(size))
            return buf.value if ok else ""
        finally:
            self.kernel32.CloseHandle(handle)

    def own_pid(self) -> int:
        import os

        return os.getpid()

    @contextlib.contextmanager
    def _token(self, pid: int | None):
        """``pid``'s process token opened for TOKEN_QUERY (None: ours), or None when it cannot be."""
        handle = (self.kernel32.GetCurrentProcess() if pid is None
                  else self.kernel32.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, False, pid))
        token = self.w.HANDLE()
        opened = bool(handle) and bool(self.advapi32.OpenProcessToken(handle, TOKEN_QUERY, ctypes.byref(token)))
        try:
            yield token if opened else None
        finally:
            if opened:
                self.kernel32.CloseHandle(token)
            if handle and pid is not None:
                self.kernel32.CloseHandle(handle)

    def process_elevated(self, pid: int | None) -> bool | None:
        """TokenElevation of ``pid`` (None: ours). None when the process or its token cannot be
        opened, which for a window of our own session means it runs above our integrity level."""
        with self._token(pid) as token:
            elevated, size = self.w.DWORD(0), self.w.DWORD(0)
            if token is None or not self.advapi32.GetTokenInformation(
                    token, TOKEN_ELEVATION_CLASS, ctypes.byref(elevated), ctypes.sizeof(elevated), ctypes.byref(size)):
                return None
            return bool(elevated.value)

    def process_user_sid(self, pid: int | None) -> str | None:
        """The user SID (``S-1-5-21-...``) of ``pid``'s token (None: ours); None when unreadable."""
        with self._token(pid) as token:
            if token is None:
                return None
            size = self.w.DWORD(0)
            self.advapi32.GetTokenInformation(token, TOKEN_USER_CLASS, None, 0, ctypes.byref(size))
            buf = ctypes.create_string_buffer(size.value)
            if not size.value or not self.advapi32.GetTokenInformation(token, TOKEN_USER_CLASS, buf, size,
                                                                       ctypes.byref(size)):
                return None
            sid = ctypes.c_void_p.from_buffer(buf).value  # TOKEN_USER starts with SID_AND_ATTRIBUTES.Sid
            text = self.w.LPWSTR()
            if not self.advapi32.ConvertSidToStringSidW(sid, ctypes.byref(text)):
                return None
            try:
                return text.value
            finally:
                self.kernel32.LocalFree(text)

    def pipe_peer(self, handle: int, peer_is_client: bool) -> tuple[int | None, int | None]:
        """The process id and session id of the other end of the named pipe ``handle``
        (GetNamedPipeClient/ServerProcessId and ...SessionId); None where Windows does not say."""
        pid, session = self.w.ULONG(0), self.w.ULONG(0)
        side = "Client" if peer_is_client else "Server"
        got_pid = getattr(self.kernel32, f"GetNamedPipe{side}ProcessId")(handle, ctypes.byref(pid))
        got_session = getattr(self.kernel32, f"GetNamedPipe{side}SessionId")(handle, ctypes.byref(session))
        return (int(pid.value) if got_pid else None), (int(session.value) if got_session else None)

    def own_session(self) -> int | None:
        session = self.w.DWORD(0)
        ok = self.kernel32.ProcessIdToSessionId(self.kernel32.GetCurrentProcessId(), ctypes.byref(session))
        return int(session.value) if ok else None

    # --- clipboard ------------------------------------------------------------------------------
    def create_message_window(self, wndproc: Callable[[int, int, int, int], int | None]) -> int:
        """A message-only window on the calling thread whose messages go to ``wndproc``
        (returning None means DefWindowProcW). Its thread's message loop must run."""
        def proc(hwnd, msg, wparam, lparam):
            try:
                result = wndproc(int(hwnd or 0), int(msg), int(wparam or 0), int(lparam or 0))
            except Exception:  # an exception must not cross back into Windows
                log.exception("window procedure failed")
                result = None
            return self.user32.DefWindowProcW(hwnd, msg, wparam, lparam) if result is None else result

        callback = self.WNDPROC(proc)
        name = f"DictateWindow{next(_class_numbers)}"
        cls = self.WNDCLASSW(lpfnWndProc=callback, hInstance=self.kernel32.GetModuleHandleW(None), lpszClassName=name)
        if not self.user32.RegisterClassW(ctypes.byref(cls)):
            raise OSError(f"RegisterClassW failed (error {ctypes.get_last_error()})")
        hwnd = self.user32.CreateWindowExW(0, name, name, 0, 0, 0, 0, 0, HWND_MESSAGE, None, cls.hInstance, None)
        if not hwnd:
            raise OSError(f"CreateWindowExW failed (error {ctypes.get_last_error()})")
        self._keep.append((callback, cls))
        return int(hwnd)

    def destroy_window(self, hwnd: int) -> None:
        self.user32.DestroyWindow(hwnd)

    def open_clipboard(self, hwnd: int) -> bool:
        return bool(self.user32.OpenClipboard(hwnd))

    def close_clipboard(self) -> None:
        self.user32.CloseClipboard()

    def empty_clipboard(self) -> bool:
        return bool(self.user32.EmptyClipboard())

    def enum_formats(self) -> list[int]:
        formats, fmt = [], 0
        while True:
            fmt = self.user32.EnumClipboardFormats(fmt)
            if not fmt:
                return formats
            formats.append(int(fmt))

    def format_name(self, fmt: int) -> str:
        buf = ctypes.create_unicode_buffer(256)
        return buf.value if self.user32.GetClipboardFormatNameW(fmt, buf, 256) else ""

    def register_format(self, name: str) -> int:
        return int(self.user32.RegisterClipboardFormatW(name))

    def get_data(self, fmt: int) -> bytes | None:
        """The bytes of an HGLOBAL format (the clipboard must be open); CF_ENHMETAFILE through
        GetEnhMetaFileBits. None when the format cannot be had."""
        handle = self.user32.GetClipboardData(fmt)
        if not handle:
            return None
        if fmt == CF_ENHMETAFILE:
            size = self.gdi32.GetEnhMetaFileBits(handle, 0, None)
            buf = ctypes.create_string_buffer(size)
            return buf.raw if size and self.gdi32.GetEnhMetaFileBits(handle, size, buf) else None
        pointer = self.kernel32.GlobalLock(handle)
        if not pointer:
            return None
        try:
            return ctypes.string_at(pointer, self.kernel32.GlobalSize(handle))
        finally:
            self.kernel32.GlobalUnlock(handle)

    def set_data(self, fmt: int, data: bytes | None) -> bool:
        """SetClipboardData: ``None`` offers the format by delayed rendering (NULL handle);
        the system owns the memory once the call succeeds."""
        if data is None:
            ctypes.set_last_error(0)
            return self.user32.SetClipboardData(fmt, None) is not None or ctypes.get_last_error() == 0
        if fmt == CF_ENHMETAFILE:
            return bool(self.user32.SetClipboardData(fmt, self.gdi32.SetEnhMetaFileBits(len(data), data)))
        handle = self.kernel32.GlobalAlloc(GMEM_MOVEABLE, max(len(data), 1))
        if not handle:
            return False
        pointer = self.kernel32.GlobalLock(handle)
        ctypes.memmove(pointer, data, len(data))
        self.kernel32.GlobalUnlock(handle)
        if not self.user32.SetClipboardData(fmt, handle):
            self.kernel32.GlobalFree(handle)
            return False
        return True

    def sequence_number(self) -> int:
        return int(self.user32.GetClipboardSequenceNumber())

    def open_clipboard_window(self) -> int:
        """The window that has the clipboard open now (the reader, during WM_RENDERFORMAT)."""
        return int(self.user32.GetOpenClipboardWindow() or 0)

    def clipboard_owner(self) -> int:
        return int(self.user32.GetClipboardOwner() or 0)

    def pump_sent_messages(self) -> None:
        """Deliver messages other threads *sent* to our windows (a reader blocked in
        GetClipboardData waits for our WM_RENDERFORMAT) without taking posted ones."""
        msg = self.w.MSG()
        self.user32.PeekMessageW(ctypes.byref(msg), None, 0, 0, PM_NOREMOVE | PM_QS_SENDMESSAGE)

    # --- the hook thread ------------------------------------------------------------------------
    def tick_count(self) -> int:
        return int(self.kernel32.GetTickCount())

    def run_hook_thread(self, on_key: OnKey, on_raw_key: Callable[[int], None],
                        on_unlock: Callable[[], bool], on_tick: Callable[[int], bool], tick_ms: int):
        """Start a thread with a WH_KEYBOARD_LL hook calling ``on_key``, a message-only window
        that receives raw keyboard input (``on_raw_key(time)``, RIDEV_INPUTSINK: independent of
        the hook chain) and session changes (``on_unlock()`` at WTS_SESSION_UNLOCK), and a timer
        (``on_tick(now)`` every ``tick_ms``). When on_unlock or on_tick returns True the hook is
        removed and installed again. Raises OSError when the hook cannot be installed."""
        from dictate_app.desktop.windows.win32_hook import HookThread

        thread = HookThread(self, on_key, on_raw_key, on_unlock, on_tick, tick_ms)
        thread.start()
        return thread
