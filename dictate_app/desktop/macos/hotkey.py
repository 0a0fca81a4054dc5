"""The macOS hotkey: a Quartz event tap that reports the key and drops its events (the focused app
never receives it), with a Carbon hot key while Secure Event Input blinds the tap.

Written against the documentation (``CGEventTapCreate``, ``kCGEventTapDisabledByTimeout``,
``IsSecureEventInputEnabled``, ``RegisterEventHotKey``); never run on macOS. The OS calls are the
adapter's (:mod:`dictate_app.desktop.macos.quartz`); this module is the state on top of them.

- Ordinary keys (F9...) arrive as key-down/key-up: both, and the auto-repeats, are dropped.
- Modifiers, right-hand ones included (Right Command, Right Option...), and Fn/Globe arrive as
  ``flagsChanged`` with the key code of the key that changed; whether it went down is that side's
  device bit (IOLLEvent.h), for Fn the SecondaryFn flag. They are passed on, as on X11: taking a
  modifier from apps would leave their modifier state wrong, and held alone one types nothing.
- A tap that takes longer than macOS allows, or is disabled by user input, is switched off by the
  system, which says so with a ``kCGEventTapDisabledBy*`` event: the tap is re-enabled at once
  (a hook that silently stopped after lock/unlock is Handy #1238's complaint on Windows).
- Without Accessibility only a listen-only tap is allowed: the key works but reaches the app too.
- While Secure Event Input is on (a password field, Terminal's Secure Keyboard Entry) no tap sees
  any key. A watcher notices it (``IsSecureEventInputEnabled``, polled) and registers a Carbon hot
  key for the time being, which macOS still delivers (what Handy's ``secure_input.rs`` does);
  modifier keys and Fn cannot be Carbon hot keys, so for them the checks say what to do.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from dictate_app.desktop.base import MISSING, OK, Check, HotkeyError, PressCallback
from dictate_app.desktop.keys import MODIFIER_KEYS, KeyNameError, key_label, normalize_key
from dictate_app.desktop.macos import keycodes as kc
from dictate_app.desktop.macos.permissions import ACCESSIBILITY, INPUT_MONITORING, STALE_HINT, Permissions

log = logging.getLogger(__name__)

SECURE_POLL_S = 0.5
# F1-F12 on Apple keyboards send brightness/media events (not key events) unless the user turns
# on standard function keys or holds Fn: the default F9 then does nothing until they do.
MEDIA_FKEYS = frozenset(f"f{i}" for i in range(1, 13))
NO_KEYS_FIX = ("leave the password field (or turn off Terminal > Secure Keyboard Entry), or use Start "
               "dictation in the menu bar; a key such as F9 keeps working meanwhile")


def _now_ms() -> float:
    return time.monotonic() * 1000


class MacHotkey:
    """:class:`dictate_app.desktop.base.HotkeySource` over the adapter's event tap."""

    def __init__(self, adapter, permissions: Permissions | None = None, poll_s: float = SECURE_POLL_S):
        self.adapter = adapter
        self.permissions = permissions or Permissions(adapter)
        self.poll_s = poll_s
        self.key = ""
        self.keycode = -1
        self.on_change: Callable[[], None] = lambda: None  # the Desktop's changed()
        self.reenabled = 0  # how often macOS disabled the tap and we turned it back on
        self.secure = False
        self._tap = None
        self._listen_only = False
        self._carbon = None
        self._down = False
        self._callbacks = None
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def modifier(self) -> bool:
        return self.key in MODIFIER_KEYS or self.key == "fn"

    @property
    def keeps_key_from_app(self) -> bool:
        return self._tap is not None and (self.modifier or not self._listen_only)

    def _resolve(self, key: str) -> int:
        try:
            name = normalize_key(key)
        except KeyNameError as exc:
            raise HotkeyError(str(exc)) from None
        if name not in kc.KEYCODES:
            raise HotkeyError(f"{key_label(name)} has no key on a Mac keyboard: choose one such as f9, "
                              "fn, ctrl_r or alt_r.")
        self.key = name
        return kc.KEYCODES[name]

    def start(self, key: str, press: PressCallback, release: PressCallback,
              escape: Callable[[], None]) -> str | None:
        self.keycode = self._resolve(key)
        if not self.permissions.granted(INPUT_MONITORING):
            raise HotkeyError(self.permissions.message([INPUT_MONITORING]))
        self._listen_only = not self.modifier and not self.permissions.granted(ACCESSIBILITY)
        self._callbacks = (press, release, escape)
        self._down = False
        try:
            self._tap = self.adapter.start_tap((kc.KEY_DOWN, kc.KEY_UP, kc.FLAGS_CHANGED), self._on_event,
                                               listen_only=self._listen_only)
        except OSError as exc:
            raise HotkeyError(f"macOS refused Dictate's keyboard event tap ({exc}): allow Dictate under "
                              "System Settings > Privacy & Security > Input Monitoring and Accessibility "
                              f"({STALE_HINT}), then start it again.") from None
        self._stop.clear()
        self.poll_secure_input()  # started inside a password field: the fallback at once
        self._watcher = threading.Thread(target=self._watch_secure_input, name="secure-input", daemon=True)
        self._watcher.start()
        if self._listen_only:
            return (f"The hotkey works, but without Accessibility the focused app receives {key_label(self.key)} "
                    "too: allow Dictate under System Settings > Privacy & Security > Accessibility.")
        return None

    def _emit(self, down: bool) -> None:
        if down == self._down:
            return  # a repeat, or the tap and the Carbon hot key both reporting
        self._down = down
        press, release, _escape = self._callbacks
        (press if down else release)(_now_ms())

    def _on_event(self, event_type: int, keycode: int, flags: int, autorepeat: bool) -> bool:
        """The tap's callback (on the tap thread): True passes the event on, False drops it."""
        if event_type in (kc.TAP_DISABLED_BY_TIMEOUT, kc.TAP_DISABLED_BY_USER_INPUT):
            self.reenabled += 1
            log.info("the event tap was disabled by macOS (%#x); enabling it again", event_type)
            if self._tap is not None:  # (a disable before start_tap returned: the tap is new anyway)
                self._tap.enable()
            return True
        if keycode != self.keycode:
            if event_type == kc.KEY_DOWN and keycode == kc.ESC and not autorepeat and self._callbacks:
                self._callbacks[2]()
            return True
        if event_type == kc.FLAGS_CHANGED:
            mask = kc.DEVICE_MASKS.get(keycode)
            if mask is not None and self.modifier:
                self._emit(bool(flags & mask))
            return True  # modifiers are never taken from apps
        if event_type == kc.KEY_DOWN:
            self._emit(True)
            return False
        if event_type == kc.KEY_UP:
            self._emit(False)
            return False
        return True

    def _watch_secure_input(self) -> None:
        while not self._stop.wait(self.poll_s):
            self.poll_secure_input()

    def poll_secure_input(self) -> None:
        """One look at Secure Event Input; on a change, the Carbon fallback goes on or off."""
        try:
            secure = self.adapter.secure_input()
        except Exception:  # Carbon unavailable: nothing to fall back to, nothing to report
            log.debug("IsSecureEventInputEnabled failed", exc_info=True)
            return
        if secure == self.secure:
            return
        self.secure = secure
        log.info("Secure Event Input is %s", "on: the event tap sees no keys" if secure else "off")
        if not self.modifier:
            self.adapter.on_main_thread(self._fallback_on if secure else self._fallback_off)
        self.on_change()

    def _fallback_on(self) -> None:
        if self._carbon is None and self._callbacks is not None:
            try:
                self._carbon = self.adapter.register_hotkey(self.keycode, lambda: self._emit(True),
                                                            lambda: self._emit(False))
            except OSError:
                log.warning("no Carbon hot key while Secure Event Input is on", exc_info=True)

    def _fallback_off(self) -> None:
        if self._carbon is not None:
            self._carbon.unregister()
            self._carbon = None

    def stop(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=2)
            self._watcher = None
        self._fallback_off()
        if self._tap is not None:
            self._tap.stop()
            self._tap = None
        self._down = False

    def set_escape(self, wanted: bool) -> None:
        """Nothing to do: the tap sees Esc without taking it from the focused app."""

    def checks(self) -> list[Check]:
        key = normalize_key(self.key or "f9")
        label = key_label(key)
        modifier = key in MODIFIER_KEYS or key == "fn"
        if not self.permissions.granted(INPUT_MONITORING):
            rows = [Check("hotkey", MISSING, "Dictate is not allowed under Input Monitoring, so macOS shows it no keys.",
                          f"allow Dictate under System Settings > Privacy & Security > Input Monitoring ({STALE_HINT}), "
                          "then start it again")]
        elif self.adapter.secure_input():
            if modifier:
                rows = [Check("hotkey", MISSING, f"Secure Event Input is on (a password field or Secure Keyboard "
                                                 f"Entry), so macOS shows no app the keys and {label} cannot "
                                                 "be a Carbon hot key.", NO_KEYS_FIX)]
            else:
                rows = [Check("hotkey", OK, f"Secure Event Input is on (a password field or Secure Keyboard Entry): "
                                            f"the event tap sees no keys, so {label} works as a Carbon hot key "
                                            "meanwhile.")]
        else:
            extra = f" (macOS disabled it {self.reenabled} times; it was turned back on)" if self.reenabled else ""
            fn = (" Set System Settings > Keyboard > \"Press 🌐 key to\" to \"Do Nothing\" so the Globe key's own "
                  "action does not run too." if key == "fn" else "")
            media = (f" On Apple keyboards {label} is a media key unless System Settings > Keyboard > \"Use F1, F2, "
                     "etc. keys as standard function keys\" is on (or Fn is held)."
                     if key in MEDIA_FKEYS else "")
            rows = [Check("hotkey", OK, f"a Quartz event tap sees {label}{extra}.{fn}{media}")]
        if modifier:
            rows.append(Check("key kept from the app", OK, f"{label} is a modifier: it is passed on, and held alone "
                                                           "it types nothing."))
        elif self.permissions.granted(ACCESSIBILITY):
            rows.append(Check("key kept from the app", OK, f"the event tap drops {label}'s key events: the focused "
                                                           "app never receives it."))
        else:
            rows.append(Check("key kept from the app", MISSING, f"without Accessibility the event tap may only "
                                                                f"listen: the focused app receives {label} too.",
                              f"allow Dictate under System Settings > Privacy & Security > Accessibility ({STALE_HINT})"))
        return rows
