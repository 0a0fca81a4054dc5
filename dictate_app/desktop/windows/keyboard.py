"""Windows keys and typing through ``SendInput`` (:class:`dictate_app.desktop.base.Keyboard`).

- Chords are sent by virtual-key code (Ctrl+V is ``VK_CONTROL`` + ``VK_V``), which every
  application's shortcut check reads whatever the layout; the scan code comes from the target's
  layout, with the extended flag for the navigation keys (Shift+Insert is not Shift+Numpad 0).
- Text is typed as ``KEYEVENTF_UNICODE`` events, one UTF-16 code unit each, so a character beyond
  the BMP (emoji) is its surrogate pair, and every down has its up (without the ups some toolkits
  treat the next character as an auto-repeat: plover PR #1018, dragonfly PR #44). Characters are
  never mapped to keys of the layout, which garbled non-Latin layouts (whisper-writer PR #134).
- Held modifiers: the inserter first waits for the user to let go; with ``clear_modifiers`` the
  still-held ones get an up before the chord (a push-to-talk Ctrl would turn Ctrl+V into
  Ctrl+Ctrl+V, an AltGr into Ctrl+Alt+V). They are not pressed again afterwards: a key the user
  lets go in the meantime would then stay down (stuck modifiers: Handy #1817). Before an Alt or Win
  up, an unassigned key is tapped so the up is not a lone Alt tap (the app's menu bar) or a lone
  Win tap (the Start menu).
- UIPI: Windows drops input sent into a window of a process with a higher integrity level (run as
  administrator) silently: SendInput even reports success (CapsWriter #371, OpenWhispr #1092). So
  the target's token elevation is compared with ours first, and an elevated target (or one whose
  token we may not read, which in our own session means it runs above us) gets
  :data:`ELEVATED` as an InsertError; the inserter leaves the text on the clipboard. SendInput
  taking fewer events than given (input blocked, the secure desktop) is an InsertError too.

Written against the documentation (SendInput, KEYBDINPUT, "User Interface Privilege Isolation");
never run on Windows.
"""

from __future__ import annotations

import logging

from dictate_app.desktop.base import OK, UNSUPPORTED, Check, InsertError
from dictate_app.desktop.keys import parse_chord
from dictate_app.desktop.windows.vk import (
    CHORD_VK, EXTENDED, HELD_MODIFIERS, KEYEVENTF_EXTENDEDKEY, KEYEVENTF_KEYUP, KEYEVENTF_UNICODE,
    VK_LMENU, VK_LWIN, VK_MASK, VK_RMENU, VK_RWIN, vk,
)
from dictate_app.desktop.windows.win32 import KeyInput

log = logging.getLogger(__name__)

ELEVATED = ("The focused window runs as administrator and Windows drops keys sent to it from Dictate: "
            "run Dictate as administrator to dictate into elevated apps; your text is on the clipboard.")
_MASKED_UPS = frozenset({VK_LMENU, VK_RMENU, VK_LWIN, VK_RWIN})


def unicode_inputs(text: str) -> list[KeyInput]:
    """Down and up of every UTF-16 code unit of ``text`` (a surrogate pair is two units).

    >>> [(e.scan, e.flags) for e in unicode_inputs("😀")]
    [(55357, 4), (55357, 6), (56832, 4), (56832, 6)]
    """
    data = text.encode("utf-16-le")
    units = [int.from_bytes(data[i:i + 2], "little") for i in range(0, len(data), 2)]
    events = []
    for unit in units:
        events.append(KeyInput(0, unit, KEYEVENTF_UNICODE))
        events.append(KeyInput(0, unit, KEYEVENTF_UNICODE | KEYEVENTF_KEYUP))
    return events


class WindowsKeyboard:
    """Synthetic keys into the foreground window through the adapter."""

    def __init__(self, api):
        self.api = api

    def _event(self, code: int, up: bool, hwnd: int) -> KeyInput:
        flags = (KEYEVENTF_KEYUP if up else 0) | (KEYEVENTF_EXTENDEDKEY if code in EXTENDED else 0)
        return KeyInput(code, self.api.scan_code(code, hwnd) & 0xFF, flags)

    def _target(self) -> int:
        """The foreground window, refused with :data:`ELEVATED` when UIPI would drop our input."""
        if self.api is None:
            raise InsertError("Dictate cannot send keys here (the Windows API cannot be loaded): your text is on "
                              "the clipboard, paste it by hand.")
        hwnd = self.api.foreground_window()
        pid = self.api.window_pid(hwnd) if hwnd else None  # None: the window is gone, nothing to ask
        if pid is not None and not self.api.process_elevated(None):
            elevated = self.api.process_elevated(pid)
            if elevated is None or elevated:
                log.warning("the foreground window %#x runs above us (elevated: %s)", hwnd, elevated)
                raise InsertError(ELEVATED)
        return hwnd

    def _release_held(self, hwnd: int) -> list[KeyInput]:
        held = [code for code in HELD_MODIFIERS if self.api.key_down(code)]
        events = []
        if any(code in _MASKED_UPS for code in held):
            events += [self._event(VK_MASK, False, hwnd), self._event(VK_MASK, True, hwnd)]
        events += [self._event(code, True, hwnd) for code in held]
        return events

    def _send(self, events: list[KeyInput]) -> None:
        sent = self.api.send_input(events)
        if sent != len(events):
            raise InsertError(f"Windows took {sent} of {len(events)} key events (input is blocked, or the "
                              "screen is locked): your text is on the clipboard, paste it by hand.")

    def key(self, chord: str, clear_modifiers: bool = False) -> None:
        """Press and release ``chord`` (``ctrl+v``) by virtual-key code."""
        parsed = parse_chord(chord)
        hwnd = self._target()
        events = self._release_held(hwnd) if clear_modifiers else []
        mods = [CHORD_VK[m] for m in parsed.modifiers]
        main = vk(parsed.key)
        events += [self._event(code, False, hwnd) for code in mods]
        events += [self._event(main, False, hwnd), self._event(main, True, hwnd)]
        events += [self._event(code, True, hwnd) for code in reversed(mods)]
        self._send(events)

    def type(self, text: str, clear_modifiers: bool = False) -> None:
        """Type ``text`` exactly as Unicode events, any script, emoji included."""
        hwnd = self._target()
        events = self._release_held(hwnd) if clear_modifiers else []
        self._send(events + unicode_inputs(text))

    def held_modifiers(self) -> bool:
        """True while Shift, Ctrl, Alt (AltGr) or Win is physically down."""
        return self.api is not None and any(self.api.key_down(code) for code in HELD_MODIFIERS)

    def checks(self) -> list[Check]:
        if self.api is None:
            why, fix = "the Windows API cannot be loaded here.", "run Dictate on Windows"
            return [Check("typing", UNSUPPORTED, why, fix), Check("paste", UNSUPPORTED, why, fix)]
        note = ("" if self.api.process_elevated(None) else
                "; apps run as administrator drop them, which Dictate reports, leaving the text on the clipboard")
        return [Check("typing", OK, f"SendInput types Unicode events (emoji as UTF-16 surrogate pairs){note}."),
                Check("paste", OK, f"SendInput sends the paste chord by virtual-key code, on any layout{note}.")]
