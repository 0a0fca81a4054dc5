"""The macOS adapter: the only module that calls the OS (pyobjc's Quartz, AppKit and
ApplicationServices, and Carbon through ctypes), one small method per call.

Written against the documentation (Apple's CoreGraphics, AppKit, HIServices and HIToolbox
references, pyobjc's bridging rules); never run on macOS. Everything above it takes an object with
these methods, so the logic is tested on Linux with a double that records the calls
(tests/desktop/macos/double.py). Imports happen inside the methods: importing this module, or the
package, on Linux or Windows does nothing.

Threads: the event tap runs its own CFRunLoop on a thread of ours; the Carbon hotkey, the pasteboard
and NSWorkspace are used from the GUI thread (Qt's run loop is the Cocoa main run loop on macOS,
which also serves the pasteboard's data-provider callbacks and keeps ``frontmostApplication`` fresh).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

log = logging.getLogger(__name__)

_CARBON = "/System/Library/Frameworks/Carbon.framework/Carbon"
_CORE_FOUNDATION = "/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation"
_K_EVENT_CLASS_KEYBOARD = 0x6B657962  # 'keyb'
_K_EVENT_HOTKEY_PRESSED, _K_EVENT_HOTKEY_RELEASED = 5, 6
_K_UC_KEY_ACTION_DISPLAY = 3
_K_UC_NO_DEAD_KEYS = 1  # 1 << kUCKeyTranslateNoDeadKeysBit

TapCallback = Callable[[int, int, int, bool], bool]  # (type, key code, flags, autorepeat) -> pass on?


class Tap:
    """A running event tap on its own thread; ``enable()`` re-arms it after macOS disabled it."""

    def __init__(self, port, loop_holder: dict, thread: threading.Thread):
        self._port, self._loop_holder, self._thread = port, loop_holder, thread

    def enable(self) -> None:
        import Quartz

        Quartz.CGEventTapEnable(self._port, True)

    def stop(self) -> None:
        import Quartz

        Quartz.CGEventTapEnable(self._port, False)
        loop = self._loop_holder.get("loop")
        if loop is not None:
            Quartz.CFRunLoopStop(loop)
        self._thread.join(timeout=2)
        Quartz.CFMachPortInvalidate(self._port)


class CarbonHotKey:
    """A ``RegisterEventHotKey`` registration (works while Secure Event Input is on)."""

    def __init__(self, carbon, hotkey_ref, handler_ref, keep):
        self._carbon, self._hotkey_ref, self._handler_ref, self._keep = carbon, hotkey_ref, handler_ref, keep

    def unregister(self) -> None:
        self._carbon.UnregisterEventHotKey(self._hotkey_ref)
        self._carbon.RemoveEventHandler(self._handler_ref)


class QuartzAdapter:
    """The OS calls the macOS backend makes (see the module docstring)."""

    # ---- permissions ---------------------------------------------------------------------------
    def accessibility_trusted(self, prompt: bool = False) -> bool:
        """``AXIsProcessTrustedWithOptions``: may this process post keys and read other apps'
        windows? ``prompt`` shows macOS's own alert with its "Open System Settings" button."""
        import ApplicationServices as AS

        return bool(AS.AXIsProcessTrustedWithOptions({AS.kAXTrustedCheckOptionPrompt: bool(prompt)}))

    def listen_access(self) -> bool:
        """``CGPreflightListenEventAccess``: Input Monitoring (an event tap sees keys)."""
        import Quartz

        return bool(Quartz.CGPreflightListenEventAccess())

    def request_listen_access(self) -> bool:
        """``CGRequestListenEventAccess``: macOS's Input Monitoring prompt (once per app)."""
        import Quartz

        return bool(Quartz.CGRequestListenEventAccess())

    def open_url(self, url: str) -> None:
        """Open ``url`` (a System Settings pane: ``x-apple.systempreferences:...``)."""
        from AppKit import NSURL, NSWorkspace

        NSWorkspace.sharedWorkspace().openURL_(NSURL.URLWithString_(url))

    def secure_input(self) -> bool:
        """Carbon's ``IsSecureEventInputEnabled``: a password field (or Terminal's Secure Keyboard
        Entry) is on, and event taps see no keys."""
        import ctypes

        carbon = ctypes.CDLL(_CARBON)
        carbon.IsSecureEventInputEnabled.restype = ctypes.c_ubyte
        return bool(carbon.IsSecureEventInputEnabled())

    # ---- keys ----------------------------------------------------------------------------------
    def translate(self, keycode: int, uc_modifiers: int) -> str:
        """``UCKeyTranslate`` of ``keycode`` over the current keyboard layout (``uc_modifiers``:
        Carbon's modifier bits >> 8), no dead keys; "" when the key types nothing."""
        import ctypes

        carbon, cf = ctypes.CDLL(_CARBON), ctypes.CDLL(_CORE_FOUNDATION)
        carbon.TISCopyCurrentKeyboardLayoutInputSource.restype = ctypes.c_void_p
        carbon.TISGetInputSourceProperty.restype = ctypes.c_void_p
        carbon.TISGetInputSourceProperty.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        carbon.LMGetKbdType.restype = ctypes.c_uint8
        cf.CFDataGetBytePtr.restype = ctypes.c_void_p
        cf.CFDataGetBytePtr.argtypes = [ctypes.c_void_p]
        cf.CFRelease.argtypes = [ctypes.c_void_p]
        source = carbon.TISCopyCurrentKeyboardLayoutInputSource()
        try:
            prop = ctypes.c_void_p.in_dll(carbon, "kTISPropertyUnicodeKeyLayoutData")
            data = carbon.TISGetInputSourceProperty(source, prop)
            if not data:
                return ""  # an input method (not a layout) is current: no 'uchr' data
            dead = ctypes.c_uint32(0)
            length = ctypes.c_ulong(0)
            chars = (ctypes.c_uint16 * 4)()
            status = carbon.UCKeyTranslate(
                ctypes.c_void_p(cf.CFDataGetBytePtr(data)), ctypes.c_uint16(keycode),
                ctypes.c_uint16(_K_UC_KEY_ACTION_DISPLAY), ctypes.c_uint32(uc_modifiers),
                ctypes.c_uint32(carbon.LMGetKbdType()), ctypes.c_uint32(_K_UC_NO_DEAD_KEYS),
                ctypes.byref(dead), ctypes.c_ulong(4), ctypes.byref(length), chars)
        finally:
            cf.CFRelease(source)
        if status != 0:
            return ""
        return bytes(chars)[: 2 * length.value].decode("utf-16-le", "replace")

    def post_key(self, keycode: int, down: bool, flags: int) -> None:
        """``CGEventCreateKeyboardEvent`` + ``CGEventSetFlags`` (exactly ``flags``: a held key of
        the user's does not join) + ``CGEventPost`` at the HID tap."""
        import Quartz

        event = Quartz.CGEventCreateKeyboardEvent(None, keycode, down)
        Quartz.CGEventSetFlags(event, flags)
        Quartz.CGEventPost(Quartz.kCGHIDEventTap, event)

    def post_unicode(self, text: str, down: bool, flags: int) -> None:
        """One keyboard event carrying ``text`` (``CGEventKeyboardSetUnicodeString``; the caller
        keeps it within 20 UTF-16 units)."""
        import Quartz

        event = Quartz.CGEventCreateKeyboardEvent(None, 0, down)
        Quartz.CGEventSetFlags(event, flags)
        Quartz.CGEventKeyboardSetUnicodeString(event, len(text.encode("utf-16-le")) // 2, text)
        Quartz.CGEventPost(Quartz.kCGHIDEventTap, event)

    def modifier_flags(self) -> int:
        """``CGEventSourceFlagsState`` of the HID system state: the keys physically held."""
        import Quartz

        return int(Quartz.CGEventSourceFlagsState(Quartz.kCGEventSourceStateHIDSystemState))

    def start_tap(self, types: Sequence[int], callback: TapCallback, listen_only: bool) -> Tap:
        """A session event tap for ``types`` on a thread running its own CFRunLoop. ``callback``
        returns False to keep the event from every app (ignored when ``listen_only``). Raises
        OSError when macOS refuses the tap (no Input Monitoring / Accessibility)."""
        import Quartz

        def handler(_proxy, event_type, event, _refcon):
            try:
                keycode = Quartz.CGEventGetIntegerValueField(event, Quartz.kCGKeyboardEventKeycode)
                repeat = bool(Quartz.CGEventGetIntegerValueField(event, Quartz.kCGKeyboardEventAutorepeat))
                keep = callback(int(event_type), int(keycode), int(Quartz.CGEventGetFlags(event)), repeat)
            except Exception:  # a Python error must never swallow the user's keys (None drops them)
                log.exception("hotkey tap callback failed")
                keep = True
            return event if keep or listen_only else None

        mask = 0
        for event_type in types:
            mask |= Quartz.CGEventMaskBit(event_type)
        option = Quartz.kCGEventTapOptionListenOnly if listen_only else Quartz.kCGEventTapOptionDefault
        port = Quartz.CGEventTapCreate(Quartz.kCGSessionEventTap, Quartz.kCGHeadInsertEventTap, option,
                                       mask, handler, None)
        if port is None:
            raise OSError("macOS refused the event tap")
        holder: dict = {}
        ready = threading.Event()

        def run() -> None:
            source = Quartz.CFMachPortCreateRunLoopSource(None, port, 0)
            holder["loop"] = Quartz.CFRunLoopGetCurrent()
            Quartz.CFRunLoopAddSource(holder["loop"], source, Quartz.kCFRunLoopCommonModes)
            Quartz.CGEventTapEnable(port, True)
            ready.set()
            Quartz.CFRunLoopRun()

        thread = threading.Thread(target=run, name="hotkey-tap", daemon=True)
        thread.start()
        ready.wait(2)
        return Tap(port, holder, thread)

    def register_hotkey(self, keycode: int, on_press: Callable[[], None],
                        on_release: Callable[[], None]) -> CarbonHotKey:
        """Carbon ``RegisterEventHotKey`` for ``keycode`` (no modifiers) with an application event
        handler for its press and release; call on the main thread. Raises OSError on failure."""
        import ctypes

        carbon = ctypes.CDLL(_CARBON)

        class EventTypeSpec(ctypes.Structure):
            _fields_ = [("eventClass", ctypes.c_uint32), ("eventKind", ctypes.c_uint32)]

        class EventHotKeyID(ctypes.Structure):
            _fields_ = [("signature", ctypes.c_uint32), ("id", ctypes.c_uint32)]

        handler_type = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)
        carbon.GetApplicationEventTarget.restype = ctypes.c_void_p
        carbon.GetEventKind.restype = ctypes.c_uint32
        carbon.GetEventKind.argtypes = [ctypes.c_void_p]

        def handle(_call, event, _data) -> int:
            kind = carbon.GetEventKind(event)
            (on_press if kind == _K_EVENT_HOTKEY_PRESSED else on_release)()
            return 0

        callback = handler_type(handle)
        specs = (EventTypeSpec * 2)(EventTypeSpec(_K_EVENT_CLASS_KEYBOARD, _K_EVENT_HOTKEY_PRESSED),
                                    EventTypeSpec(_K_EVENT_CLASS_KEYBOARD, _K_EVENT_HOTKEY_RELEASED))
        target = ctypes.c_void_p(carbon.GetApplicationEventTarget())
        handler_ref, hotkey_ref = ctypes.c_void_p(), ctypes.c_void_p()
        status = carbon.InstallEventHandler(target, callback, ctypes.c_ulong(2), specs, None,
                                            ctypes.byref(handler_ref))
        if status != 0:
            raise OSError(f"InstallEventHandler failed ({status})")
        status = carbon.RegisterEventHotKey(ctypes.c_uint32(keycode), ctypes.c_uint32(0),
                                            EventHotKeyID(0x44435441, 1), target, ctypes.c_uint32(0),
                                            ctypes.byref(hotkey_ref))  # signature 'DCTA'
        if status != 0:
            carbon.RemoveEventHandler(handler_ref)
            raise OSError(f"RegisterEventHotKey failed ({status})")
        return CarbonHotKey(carbon, hotkey_ref, handler_ref, (callback, specs))

    def on_main_thread(self, function: Callable[[], None]) -> None:
        """Run ``function`` on the main (GUI) thread's run loop."""
        from PyObjCTools import AppHelper

        AppHelper.callAfter(function)

    # ---- focus ---------------------------------------------------------------------------------
    def frontmost(self) -> tuple[str, str, int] | None:
        """``NSWorkspace.frontmostApplication``: (bundle id, localized name, pid), or None."""
        from AppKit import NSWorkspace

        app = NSWorkspace.sharedWorkspace().frontmostApplication()
        if app is None:
            return None
        return str(app.bundleIdentifier() or ""), str(app.localizedName() or ""), int(app.processIdentifier())

    def front_window_number(self, pid: int) -> int | None:
        """The frontmost normal (layer 0) on-screen window of ``pid`` (``CGWindowListCopyWindowInfo``
        lists front to back; ids and owners need no Screen Recording permission, titles would)."""
        import Quartz

        windows = Quartz.CGWindowListCopyWindowInfo(
            Quartz.kCGWindowListOptionOnScreenOnly | Quartz.kCGWindowListExcludeDesktopElements,
            Quartz.kCGNullWindowID) or []
        for info in windows:
            if info.get(Quartz.kCGWindowOwnerPID) == pid and info.get(Quartz.kCGWindowLayer) == 0:
                return int(info[Quartz.kCGWindowNumber])
        return None

    def focused_window_title(self, pid: int) -> str | None:
        """The title of ``pid``'s focused window through Accessibility (``kAXFocusedWindowAttribute``,
        ``kAXTitleAttribute``); None without the permission or a window."""
        import ApplicationServices as AS

        app = AS.AXUIElementCreateApplication(pid)
        err, window = AS.AXUIElementCopyAttributeValue(app, AS.kAXFocusedWindowAttribute, None)
        if err != 0 or window is None:
            return None
        err, title = AS.AXUIElementCopyAttributeValue(window, AS.kAXTitleAttribute, None)
        return str(title) if err == 0 and title is not None else None

    # ---- pasteboard ----------------------------------------------------------------------------
    def pb_change_count(self) -> int:
        from AppKit import NSPasteboard

        return int(NSPasteboard.generalPasteboard().changeCount())

    def pb_items(self) -> list[list[tuple[str, bytes]]]:
        """Every item of the general pasteboard with every type's bytes."""
        from AppKit import NSPasteboard

        items = []
        for item in NSPasteboard.generalPasteboard().pasteboardItems() or []:
            entries = []
            for pb_type in item.types() or []:
                data = item.dataForType_(pb_type)
                if data is not None:
                    entries.append((str(pb_type), bytes(data)))
            items.append(entries)
        return items

    def pb_write(self, items: Sequence[Sequence[tuple[str, bytes]]]) -> int:
        """Replace the pasteboard with ``items`` (an empty list leaves it empty); the new changeCount."""
        from AppKit import NSData, NSPasteboard, NSPasteboardItem

        board = NSPasteboard.generalPasteboard()
        board.clearContents()
        objects = []
        for entries in items:
            item = NSPasteboardItem.alloc().init()
            for pb_type, payload in entries:
                item.setData_forType_(NSData.dataWithBytes_length_(payload, len(payload)), pb_type)
            objects.append(item)
        if objects:
            board.writeObjects_(objects)
        return int(board.changeCount())

    def pb_write_promise(self, eager: Sequence[tuple[str, bytes]], lazy_types: Sequence[str],
                         provide: Callable[[str], bytes]) -> int:
        """One item: ``eager`` types with their bytes, ``lazy_types`` promised through a data
        provider whose ``provideDataForType`` calls ``provide(type)`` when a reader asks."""
        from AppKit import NSData, NSPasteboard, NSPasteboardItem

        board = NSPasteboard.generalPasteboard()
        board.clearContents()
        item = NSPasteboardItem.alloc().init()
        for pb_type, payload in eager:
            item.setData_forType_(NSData.dataWithBytes_length_(payload, len(payload)), pb_type)
        provider = _provider_class().alloc().init()
        provider.provide = provide
        item.setDataProvider_forTypes_(provider, list(lazy_types))
        self._provider = provider  # the pasteboard holds it weakly in some releases: keep it alive
        board.writeObjects_([item])
        return int(board.changeCount())


_PROVIDER = None


def _provider_class():
    """The NSPasteboardItemDataProvider class (an Objective-C class can be defined once per process)."""
    global _PROVIDER
    if _PROVIDER is None:
        import objc
        from AppKit import NSData, NSObject

        try:  # the formal protocol gives pyobjc the callbacks' exact signatures (void returns)
            protocols = [objc.protocolNamed("NSPasteboardItemDataProvider")]
        except objc.ProtocolError:
            protocols = []

        class DictateDataProvider(NSObject, protocols=protocols):
            def pasteboard_item_provideDataForType_(self, _board, item, pb_type):
                payload = self.provide(str(pb_type))
                item.setData_forType_(NSData.dataWithBytes_length_(payload, len(payload)), pb_type)

            def pasteboardFinishedWithDataProvider_(self, _board):
                pass

        _PROVIDER = DictateDataProvider
    return _PROVIDER
