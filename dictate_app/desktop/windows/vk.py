"""Windows virtual-key codes for Dictate's key names (:mod:`dictate_app.desktop.keys`), Qt-free
and ctypes-free so Linux tests can use them.

Written against the documentation (learn.microsoft.com "Virtual-Key Codes", "Keyboard Input
Overview", ``KBDLLHOOKSTRUCT``); never run on Windows.

A low-level keyboard hook reports sided virtual keys (``VK_RCONTROL``, not ``VK_CONTROL``), so
Right Ctrl, Right Alt and the other right-hand keys can be told from their left twins; that is
why the hotkey is a hook and not ``RegisterHotKey``, which binds only key+modifier combinations
and cannot bind a modifier alone or one side of it (Handy #966, #1174).
"""

from __future__ import annotations

from dictate_app.desktop.keys import normalize_key

VK_BACK, VK_TAB, VK_RETURN, VK_SHIFT, VK_CONTROL, VK_MENU = 0x08, 0x09, 0x0D, 0x10, 0x11, 0x12
VK_PAUSE, VK_CAPITAL, VK_ESCAPE, VK_SPACE = 0x13, 0x14, 0x1B, 0x20
VK_PRIOR, VK_NEXT, VK_END, VK_HOME, VK_LEFT, VK_UP, VK_RIGHT, VK_DOWN = 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28
VK_SNAPSHOT, VK_INSERT, VK_DELETE = 0x2C, 0x2D, 0x2E
VK_LWIN, VK_RWIN, VK_APPS = 0x5B, 0x5C, 0x5D
VK_F1 = 0x70
VK_NUMLOCK, VK_SCROLL = 0x90, 0x91
VK_LSHIFT, VK_RSHIFT, VK_LCONTROL, VK_RCONTROL, VK_LMENU, VK_RMENU = 0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5
# "Unassigned" in the virtual-key table: tapped before a held Alt or Win is released, so the
# release does not count as a lone Alt tap (which opens the focused app's menu bar) or a lone Win
# tap (the Start menu). AutoHotkey's "menu mask key" is the same idea.
VK_MASK = 0xE8
VK_PACKET = 0xE7  # what a KEYEVENTF_UNICODE event shows as

# KBDLLHOOKSTRUCT.flags
LLKHF_EXTENDED, LLKHF_INJECTED, LLKHF_ALTDOWN, LLKHF_UP = 0x01, 0x10, 0x20, 0x80
# KEYBDINPUT.dwFlags
KEYEVENTF_EXTENDEDKEY, KEYEVENTF_KEYUP, KEYEVENTF_UNICODE, KEYEVENTF_SCANCODE = 0x1, 0x2, 0x4, 0x8
# dwExtraInfo of every event Dictate sends, so its own hook can tell them from the user's keys.
DICTATE_MARK = 0x44494354  # "DICT"
# On layouts with AltGr, Windows sends a fake Left Ctrl before Right Alt; its scan code has this
# bit set (0x21D), the real Left Ctrl's does not (0x1D).
ALTGR_FAKE_CTRL_SCAN = 0x200

# Our key name -> the sided virtual keys the hook may report for it (first: the one to send).
_VKS: dict[str, tuple[int, ...]] = {
    "ctrl": (VK_LCONTROL, VK_RCONTROL), "ctrl_l": (VK_LCONTROL,), "ctrl_r": (VK_RCONTROL,),
    "shift": (VK_LSHIFT, VK_RSHIFT), "shift_l": (VK_LSHIFT,), "shift_r": (VK_RSHIFT,),
    "alt": (VK_LMENU, VK_RMENU), "alt_l": (VK_LMENU,), "alt_r": (VK_RMENU,), "alt_gr": (VK_RMENU,),
    "super": (VK_LWIN, VK_RWIN), "super_l": (VK_LWIN,), "super_r": (VK_RWIN,),
    "esc": (VK_ESCAPE,), "enter": (VK_RETURN,), "tab": (VK_TAB,), "space": (VK_SPACE,),
    "backspace": (VK_BACK,), "insert": (VK_INSERT,), "delete": (VK_DELETE,), "home": (VK_HOME,),
    "end": (VK_END,), "page_up": (VK_PRIOR,), "page_down": (VK_NEXT,), "up": (VK_UP,),
    "down": (VK_DOWN,), "left": (VK_LEFT,), "right": (VK_RIGHT,), "pause": (VK_PAUSE,),
    "scroll_lock": (VK_SCROLL,), "caps_lock": (VK_CAPITAL,), "num_lock": (VK_NUMLOCK,),
    "print_screen": (VK_SNAPSHOT,), "menu": (VK_APPS,),
    **{f"f{i}": (VK_F1 + i - 1,) for i in range(1, 25)},
    # Letters and digits: VK_A..VK_Z are the ASCII upper-case codes, VK_0..VK_9 the digits'.
    **{c: (ord(c.upper()),) for c in "abcdefghijklmnopqrstuvwxyz0123456789"},
}

# Chord modifiers as sent: the generic virtual keys, which every application's shortcut check reads.
CHORD_VK = {"ctrl": VK_CONTROL, "shift": VK_SHIFT, "alt": VK_MENU, "super": VK_LWIN}

# Keys whose scan code needs the extended flag (the navigation block beside the letters, not the
# number pad): without it, Shift+Insert arrives as Shift+Numpad 0 in apps that read scan codes.
EXTENDED = frozenset({VK_INSERT, VK_DELETE, VK_HOME, VK_END, VK_PRIOR, VK_NEXT, VK_LEFT, VK_UP,
                      VK_RIGHT, VK_DOWN, VK_RCONTROL, VK_RMENU, VK_LWIN, VK_RWIN, VK_APPS,
                      VK_NUMLOCK, VK_SNAPSHOT})

# Held physical modifiers the paste must not mix with (GetAsyncKeyState, sided).
HELD_MODIFIERS = (VK_LSHIFT, VK_RSHIFT, VK_LCONTROL, VK_RCONTROL, VK_LMENU, VK_RMENU, VK_LWIN, VK_RWIN)


def vks(name: str) -> tuple[int, ...]:
    """The virtual keys a hook reports for one of our key names (``ctrl_r`` -> ``(0xA3,)``)."""
    return _VKS[normalize_key(name)]


def vk(name: str) -> int:
    """The virtual key to send for one of our key names."""
    return vks(name)[0]
