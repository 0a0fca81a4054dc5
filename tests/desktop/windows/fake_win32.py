"""A double of :class:`dictate_app.desktop.windows.win32.Win32` that records the exact calls and
behaves like the documented Win32 it stands for: one clipboard with an owner, an open-by window,
formats (``None`` = offered by delayed rendering, rendered by sending the owner WM_RENDERFORMAT
when another window reads it), a sequence number that counts changes, WM_DESTROYCLIPBOARD to the
previous owner on EmptyClipboard; windows with processes, executables and token elevation; key
states; and a hook thread whose callbacks the test calls as Windows would."""

from __future__ import annotations

WM_RENDERFORMAT, WM_DESTROYCLIPBOARD = 0x0305, 0x0307


class FakeHookThread:
    def __init__(self, api, on_key, on_raw_key, on_unlock, on_tick, tick_ms):
        self.api, self.on_key, self.on_raw_key = api, on_key, on_raw_key
        self.on_unlock, self.on_tick, self.tick_ms = on_unlock, on_tick, tick_ms
        self.installs = 1
        self.alive = True  # Windows has not dropped the hook
        self.stopped = False

    def key(self, vk, up=False, scan=0, flags=0, extra=0):
        """A physical key event: the hook sees it only while installed; raw input always does.
        Returns whether the hook kept it from the app (None: the hook did not see it)."""
        flags |= 0x80 if up else 0
        suppressed = self.on_key(vk, scan, flags, 0, extra) if self.alive else None
        self.api.keys[vk] = not up
        self.on_raw_key(0)
        return suppressed

    def tick(self):
        if self.on_tick(0):
            self._reinstall()

    def unlock(self):
        if self.on_unlock():
            self._reinstall()

    def _reinstall(self):
        self.installs += 1
        self.alive = True

    def stop(self):
        self.stopped = True


class FakeWin32:
    def __init__(self):
        self.calls: list[tuple] = []
        # clipboard
        self.formats: dict[int, bytes | None] = {}
        self.owner = 0
        self.open_by: int | None = None  # hwnd (0 = opened with no window)
        self.seq = 1
        self.names: dict[str, int] = {}
        self.wndprocs: dict[int, object] = {}
        self.hold_open = 0  # OpenClipboard fails this many more times (another program has it)
        # windows, processes, keys
        self.foreground = 0
        self.pids: dict[int, int] = {}
        self.images: dict[int, str] = {}
        self.titles: dict[int, str] = {}
        self.children: dict[int, list[int]] = {}  # hwnd -> pids of its child windows
        self.elevation: dict[int | None, bool | None] = {None: False}
        self.keys: dict[int, bool] = {}
        self.sids: dict[int | None, str | None] = {None: "S-1-5-21-1-2-3-1001"}
        self.pipe_peers: dict[int, tuple] = {}  # pipe handle -> (peer pid, peer session)
        self.session = 1
        self.accept = None  # SendInput takes only this many events (None: all)
        self.sent: list = []
        self.hook: FakeHookThread | None = None
        self.hook_error: str | None = None

    # keyboard
    def send_input(self, inputs):
        self.calls.append(("SendInput", len(inputs)))
        taken = len(inputs) if self.accept is None else self.accept
        self.sent.extend(inputs[:taken])
        return taken

    def key_down(self, vk):
        return self.keys.get(vk, False)

    def scan_code(self, vk, hwnd):
        return {0x11: 0x1D, 0x56: 0x2F, 0x10: 0x2A, 0x2D: 0x52, 0xA3: 0x1D, 0x12: 0x38, 0xA5: 0x38}.get(vk, 0x99)

    # windows
    def foreground_window(self):
        return self.foreground

    def window_pid(self, hwnd):
        return self.pids.get(hwnd)

    def child_window_pids(self, hwnd):
        return list(self.children.get(hwnd, []))

    def window_title(self, hwnd):
        return self.titles.get(hwnd, "")

    def process_image(self, pid):
        return self.images.get(pid, "")

    def own_pid(self):
        return 1

    def process_elevated(self, pid):
        self.calls.append(("elevated", pid))
        return self.elevation.get(pid, False)

    def process_user_sid(self, pid):
        self.calls.append(("sid", pid))
        return self.sids.get(pid)

    def pipe_peer(self, handle, peer_is_client):
        self.calls.append(("pipe_peer", handle, peer_is_client))
        return self.pipe_peers.get(handle, (None, None))

    def own_session(self):
        return self.session

    # clipboard
    def create_message_window(self, wndproc):
        hwnd = 0x1000 + len(self.wndprocs)
        self.wndprocs[hwnd] = wndproc
        self.calls.append(("CreateWindow", hwnd))
        return hwnd

    def destroy_window(self, hwnd):
        self.calls.append(("DestroyWindow", hwnd))

    def open_clipboard(self, hwnd):
        self.calls.append(("OpenClipboard", hwnd))
        if self.hold_open or self.open_by is not None:
            self.hold_open = max(0, self.hold_open - 1)
            return False
        self.open_by = hwnd
        return True

    def close_clipboard(self):
        self.calls.append(("CloseClipboard",))
        self.open_by = None

    def empty_clipboard(self):
        assert self.open_by is not None, "EmptyClipboard without OpenClipboard"
        self.calls.append(("EmptyClipboard",))
        previous, self.owner = self.owner, self.open_by
        self.formats = {}
        self.seq += 1
        if previous in self.wndprocs:
            self.wndprocs[previous](previous, WM_DESTROYCLIPBOARD, 0, 0)
        return True

    def enum_formats(self):
        assert self.open_by is not None
        return list(self.formats)

    def format_name(self, fmt):
        return next((n for n, f in self.names.items() if f == fmt), "")

    def register_format(self, name):
        return self.names.setdefault(name, 0xC000 + len(self.names))

    def get_data(self, fmt):
        assert self.open_by is not None, "GetClipboardData without OpenClipboard"
        self.calls.append(("GetClipboardData", fmt))
        if fmt not in self.formats:
            return None
        if self.formats[fmt] is None:  # delayed rendering: the owner is asked now
            self.wndprocs[self.owner](self.owner, WM_RENDERFORMAT, fmt, 0)
        return self.formats.get(fmt)

    def set_data(self, fmt, data):
        assert self.open_by is not None, "SetClipboardData without an open clipboard"
        self.calls.append(("SetClipboardData", fmt, data))
        self.formats[fmt] = data
        self.seq += 1  # the documentation does not say whether a render counts; assume the worst
        return True

    def sequence_number(self):
        return self.seq

    def open_clipboard_window(self):
        return self.open_by or 0

    def clipboard_owner(self):
        return self.owner

    def pump_sent_messages(self):
        self.calls.append(("PumpSent",))

    # another program
    def read_as(self, hwnd, fmt=13):
        """The program owning ``hwnd`` pastes: open, get ``fmt``, close (renders our delayed text)."""
        assert self.open_by is None
        self.open_by = hwnd
        try:
            return self.get_data(fmt)
        finally:
            self.open_by = None

    def copy_as(self, hwnd, formats):
        """Another program copies: the clipboard becomes ``formats``."""
        self.open_by = hwnd
        self.empty_clipboard()
        self.formats = dict(formats)
        self.seq += 1
        self.open_by = None

    def add_as(self, hwnd, fmt, data):
        """Another program adds a format without emptying the clipboard (it does not become the
        owner, so nobody gets WM_DESTROYCLIPBOARD; the sequence number still changes)."""
        self.open_by = hwnd
        self.set_data(fmt, data)
        self.open_by = None

    # hook
    def run_hook_thread(self, on_key, on_raw_key, on_unlock, on_tick, tick_ms):
        if self.hook_error:
            raise OSError(self.hook_error)
        self.hook = FakeHookThread(self, on_key, on_raw_key, on_unlock, on_tick, tick_ms)
        return self.hook
