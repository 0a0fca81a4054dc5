"""The Windows hotkey: a low-level keyboard hook (WH_KEYBOARD_LL) that sees the key, keeps it from
the focused app, and is re-installed when Windows drops it.

Why a hook and not ``RegisterHotKey``: RegisterHotKey binds a key with modifiers and cannot bind
a modifier alone or one side of it (Right Ctrl): Handy #966, #1174. The hook sees every key with
its sided virtual key (:mod:`dictate_app.desktop.windows.vk`). It is our own hook rather than
pynput's listener with ``win32_event_filter``: the same mechanism (a LL hook whose callback may
suppress an event), but with the hook's thread in our hands we can re-install it.

Keeping the key from the app: the hook callback returns non-zero for the hotkey's down, its
auto-repeats and its up, so the focused app never sees them. Modifier keys (Right Ctrl...) are
never suppressed, as on X11: that would break every shortcut that uses them, and held alone they
type nothing. An up is suppressed only if its down was (a key held while the hook came up must
not stay down in the app). Events Dictate sends itself (marked with DICTATE_MARK) are ignored.

Recovery (Handy #1238, #1213, #1620): Windows silently removes a LL hook whose callback takes
longer than LowLevelHooksTimeout (a Python thread holding the GIL can cause that), and the
secure desktop of lock/unlock detaches hooks; nothing tells the application. Two ways back:
the session's unlock notification re-installs at once, and the hook thread also receives raw
keyboard input (WM_INPUT, independent of the hook chain): when raw input saw key events that the
hook did not within one tick, the hook is gone and is installed again (AltSnap PR #773 and Keyman
PR #15179 do the same). If the hotkey was down when the hook died, its up was lost; a key that is
no longer physically down is then released, so a hold does not record forever.

The hook callback only compares numbers and calls ``press``/``release``, which queue a Qt signal:
it must return within LowLevelHooksTimeout. Written against the documentation; never run on Windows.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from dictate_app.desktop.base import MISSING, OK, Check, HotkeyError, PressCallback
from dictate_app.desktop.keys import MODIFIER_KEYS, key_label, normalize_key
from dictate_app.desktop.windows.vk import (
    ALTGR_FAKE_CTRL_SCAN, DICTATE_MARK, LLKHF_UP, VK_ESCAPE, VK_LCONTROL, vks,
)

log = logging.getLogger(__name__)

TICK_MS = 500
# Modifiers whose lone tap does something in Windows: Alt opens the focused app's menu bar, Win the
# Start menu. Not suppressed (as every modifier), so as a push-to-talk key they do that at release.
MENU_KEYS = frozenset({"alt", "alt_l", "alt_r", "super", "super_l", "super_r"})
# Raw input events with no hook event in one tick that mean "the hook is gone": a key's down and
# up. One alone may be a tick boundary falling between the hook's call and the raw input's.
MISSED_EVENTS = 2


class HookState:
    """What the hook decides, Win32-free: which events are the hotkey, which to suppress, when the
    hook must be installed again. Called on the hook thread."""

    def __init__(self, key: str, press: PressCallback, release: PressCallback, escape: Callable[[], None],
                 key_down: Callable[[int], bool], clock: Callable[[], float] = time.monotonic):
        self.key = normalize_key(key)
        self.vks = vks(self.key)
        self.press, self.release, self.escape = press, release, escape
        self.key_down = key_down  # physical state of a virtual key (GetAsyncKeyState)
        self.clock = clock
        self.suppress = self.key not in MODIFIER_KEYS
        self.down = False
        self._suppressed_down = False
        self.hook_events = 0  # since the last tick
        self.raw_events = 0
        self.reinstalls = 0

    def _now_ms(self) -> float:
        return self.clock() * 1000

    def on_key(self, vk: int, scan: int, flags: int, _time: int, extra: int) -> bool:
        """One hook event; True: keep it from the focused app."""
        self.hook_events += 1
        if extra == DICTATE_MARK:
            return False  # our own paste or typing
        up = bool(flags & LLKHF_UP)
        if vk == VK_ESCAPE and not up:
            self.escape()
            return False
        if vk not in self.vks or (vk == VK_LCONTROL and scan & ALTGR_FAKE_CTRL_SCAN):
            return False
        if not up:
            if not self.down:  # auto-repeat sends more downs: one press per hold
                self.down = True
                self._suppressed_down = self.suppress
                self.press(self._now_ms())
            return self._suppressed_down
        suppressed, self._suppressed_down = self._suppressed_down, False
        if self.down:
            self.down = False
            self.release(self._now_ms())
        return suppressed

    def on_raw_key(self, _time: int) -> None:
        self.raw_events += 1

    def on_tick(self, _now: int) -> bool:
        """Every TICK_MS: True when raw input saw keys the hook did not (the hook was dropped)."""
        missed = self.raw_events >= MISSED_EVENTS and self.hook_events == 0
        self.raw_events = self.hook_events = 0
        if missed:
            log.warning("the keyboard hook stopped receiving keys: installing it again")
            self._reinstalled()
        return missed

    def on_unlock(self) -> bool:
        """The session was unlocked: the secure desktop detached the hook; install it again."""
        log.info("session unlocked: installing the keyboard hook again")
        self._reinstalled()
        return True

    def _reinstalled(self) -> None:
        self.reinstalls += 1
        self._suppressed_down = False
        if self.down and not any(self.key_down(vk) for vk in self.vks):
            # The up went by while the hook was gone (or during the lock): end the hold.
            self.down = False
            self.release(self._now_ms())


class WindowsHotkey:
    """:class:`dictate_app.desktop.base.HotkeySource` through the adapter's hook thread."""

    def __init__(self, api):
        self.api = api
        self.key = ""
        self.state: HookState | None = None
        self._thread = None

    @property
    def keeps_key_from_app(self) -> bool:
        return self.state is not None and self.state.suppress

    def start(self, key: str, press: PressCallback, release: PressCallback,
              escape: Callable[[], None]) -> str | None:
        self.key = normalize_key(key)
        self.state = HookState(self.key, press, release, escape, self.api.key_down)
        try:
            self._thread = self.api.run_hook_thread(self.state.on_key, self.state.on_raw_key,
                                                    self.state.on_unlock, self.state.on_tick, TICK_MS)
        except OSError as exc:
            self.state = None
            raise HotkeyError(f"The global hotkey is unavailable (Windows refused the keyboard hook: {exc}); "
                              "use Start dictation in the tray menu, or restart Dictate.") from None
        return None

    def stop(self) -> None:
        if self._thread is not None:
            self._thread.stop()
            self._thread = None

    def set_escape(self, wanted: bool) -> None:
        """Nothing to do: the hook sees Esc without taking it from the focused app."""

    def checks(self) -> list[Check]:
        key = self.key or "f9"
        rows = [Check("hotkey", OK, "a low-level keyboard hook sees the key (any key, Right Ctrl too); it is "
                                    "installed again after an unlock or when Windows drops it.")]
        if key in MENU_KEYS:
            rows.append(Check("key kept from the app", MISSING,
                              f"{key_label(key)} is a modifier the hook does not take from the app, and let go alone "
                              "it opens the app's menu bar or the Start menu.",
                              "choose F9, Right Ctrl or another key (--hotkey or Settings)"))
        elif key in MODIFIER_KEYS:
            rows.append(Check("key kept from the app", OK, f"{key_label(key)} is a modifier: it is not taken "
                                                           "from the app, and held alone it types nothing."))
        else:
            rows.append(Check("key kept from the app", OK, f"the hook keeps {key_label(key)} from the focused app."))
        return rows
