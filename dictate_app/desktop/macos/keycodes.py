"""macOS key facts as plain numbers (no pyobjc): virtual key codes, event types, event flags, and the
keyboard layout's characters resolved to key codes.

Written against the documentation (HIToolbox ``Events.h`` kVK_* codes, CoreGraphics
``CGEventTypes.h``, IOKit ``IOLLEvent.h`` device flags); never run on macOS. The adapter
(:mod:`dictate_app.desktop.macos.quartz`) is the only module that talks to the OS; everything here is
data the logic modules and the tests share, so a test double can record and check exact numbers.

Letter keys are *positions* (kVK_ANSI_V is where V sits on a US keyboard): on Dvorak that key types
"k", on AZERTY the key for "a" is the US "q" position. A chord's letter is therefore resolved through
the active layout (:func:`layout_keycode`, fed by ``UCKeyTranslate`` in the adapter), never taken
from the position table.
"""

from __future__ import annotations

from collections.abc import Callable

# Our key names (dictate_app.desktop.keys) -> kVK_* virtual key codes. PC keyboards on a Mac send
# F13/F14/F15 for Print Screen/Scroll Lock/Pause and Help for Insert; Num Lock is the keypad Clear.
KEYCODES: dict[str, int] = {
    "ctrl": 0x3B, "ctrl_l": 0x3B, "ctrl_r": 0x3E, "shift": 0x38, "shift_l": 0x38, "shift_r": 0x3C,
    "alt": 0x3A, "alt_l": 0x3A, "alt_r": 0x3D, "alt_gr": 0x3D, "super": 0x37, "super_l": 0x37,
    "super_r": 0x36, "fn": 0x3F,
    "esc": 0x35, "enter": 0x24, "tab": 0x30, "space": 0x31, "backspace": 0x33, "delete": 0x75,
    "insert": 0x72, "home": 0x73, "end": 0x77, "page_up": 0x74, "page_down": 0x79,
    "left": 0x7B, "right": 0x7C, "down": 0x7D, "up": 0x7E, "caps_lock": 0x39, "num_lock": 0x47,
    "print_screen": 0x69, "scroll_lock": 0x6B, "pause": 0x71, "menu": 0x6E,
    "f1": 0x7A, "f2": 0x78, "f3": 0x63, "f4": 0x76, "f5": 0x60, "f6": 0x61, "f7": 0x62, "f8": 0x64,
    "f9": 0x65, "f10": 0x6D, "f11": 0x67, "f12": 0x6F, "f13": 0x69, "f14": 0x6B, "f15": 0x71,
    "f16": 0x6A, "f17": 0x40, "f18": 0x4F, "f19": 0x50, "f20": 0x5A,
    # US (ANSI) positions: only for hotkeys (a physical key); chords resolve letters by layout.
    "a": 0x00, "s": 0x01, "d": 0x02, "f": 0x03, "h": 0x04, "g": 0x05, "z": 0x06, "x": 0x07,
    "c": 0x08, "v": 0x09, "b": 0x0B, "q": 0x0C, "w": 0x0D, "e": 0x0E, "r": 0x0F, "y": 0x10,
    "t": 0x11, "1": 0x12, "2": 0x13, "3": 0x14, "4": 0x15, "6": 0x16, "5": 0x17, "9": 0x19,
    "7": 0x1A, "8": 0x1C, "0": 0x1D, "o": 0x1F, "u": 0x20, "i": 0x22, "p": 0x23, "l": 0x25,
    "j": 0x26, "k": 0x28, "n": 0x2D, "m": 0x2E,
}
ESC = KEYCODES["esc"]
FN = KEYCODES["fn"]  # kVK_Function (63): the Fn / Globe key, seen only as flagsChanged

# CGEventType values.
KEY_DOWN, KEY_UP, FLAGS_CHANGED = 10, 11, 12
TAP_DISABLED_BY_TIMEOUT, TAP_DISABLED_BY_USER_INPUT = 0xFFFFFFFE, 0xFFFFFFFF

# CGEventFlags (device-independent).
FLAG_SHIFT, FLAG_CONTROL, FLAG_OPTION, FLAG_COMMAND = 0x20000, 0x40000, 0x80000, 0x100000
FLAG_FN = 0x800000  # kCGEventFlagMaskSecondaryFn
HELD_MASK = FLAG_SHIFT | FLAG_CONTROL | FLAG_OPTION | FLAG_COMMAND

# IOLLEvent.h device-dependent bits in the same flags word: which side's modifier is down. A
# flagsChanged event names the key that changed (its key code); the bit says whether it went down.
DEVICE_MASKS = {
    0x3B: 0x0001, 0x3E: 0x2000,  # NX_DEVICELCTLKEYMASK, NX_DEVICERCTLKEYMASK
    0x38: 0x0002, 0x3C: 0x0004,  # NX_DEVICELSHIFTKEYMASK, NX_DEVICERSHIFTKEYMASK
    0x37: 0x0008, 0x36: 0x0010,  # NX_DEVICELCMDKEYMASK, NX_DEVICERCMDKEYMASK
    0x3A: 0x0020, 0x3D: 0x0040,  # NX_DEVICELALTKEYMASK, NX_DEVICERALTKEYMASK
    0x3F: FLAG_FN,  # Fn has no device bit: its own flag is the state
    0x39: 0x10000,  # kCGEventFlagMaskAlphaShift: Caps Lock's state
}

# Chord modifiers -> (CGEventFlags bit, the key code posted for it). Chords follow Qt's macOS
# convention: "ctrl" in a chord is Command, so the same paste setting (ctrl+v) pastes everywhere;
# "super" (a user's cmd+v) is Command too. Control is never needed to paste on macOS.
CHORD_MODIFIERS = {
    "ctrl": (FLAG_COMMAND, 0x37), "super": (FLAG_COMMAND, 0x37),
    "shift": (FLAG_SHIFT, 0x38), "alt": (FLAG_OPTION, 0x3A),
}

# UCKeyTranslate's modifierKeyState: Carbon's modifier bits (Events.h) shifted right by 8.
UC_COMMAND, UC_SHIFT, UC_OPTION = 0x01, 0x02, 0x08

Translate = Callable[[int, int], str]  # (key code, UC modifier state) -> characters


def layout_keycode(char: str, translate: Translate, uc_modifiers: int = 0) -> int | None:
    """The key code that types ``char`` on the active layout, or None when no key does.

    ``translate`` is the adapter's ``UCKeyTranslate``. ``uc_modifiers`` matters for Cmd chords:
    "Dvorak - QWERTY ⌘" is Dvorak until Command is held, then QWERTY, and apps match Cmd+V
    against the characters the layout gives *with* Command held.
    """
    wanted = char.lower()
    for code in range(128):  # the ANSI/ISO key codes; keypad and function keys type no letters
        if translate(code, uc_modifiers).lower() == wanted:
            return code
    return None
