"""Key names and key chords: the one vocabulary users, settings and backends share (Qt-free).

Everything a user or a setting sees is spelled here: keys as ``f9``, ``ctrl_r``, ``pause``,
``scroll_lock``, ``a``; chords as ``ctrl+v``, ``ctrl+shift+v``, ``shift+insert``. Each desktop
backend translates from this vocabulary (X11 and every Wayland tool speak xkb keysym names,
:func:`xkb_name`; Windows and macOS backends carry their own tables). Settings written by older
versions used pynput and xdotool spellings (``<pause>``, ``shift+Insert``, ``cmd_r``):
:func:`normalize_key` and :func:`normalize_chord` read them (the settings schema calls them on load).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass


class KeyNameError(ValueError):
    """A key or chord that is not in the vocabulary; the message says what is accepted."""


# Modifiers as they appear in chords (either side).
CHORD_MODIFIERS = ("ctrl", "shift", "alt", "super")

# name -> (label, xkb keysym name). Letters, digits and f1..f24 are added below.
_NAMED: dict[str, tuple[str, str]] = {
    "ctrl": ("Ctrl", "Control_L"), "ctrl_l": ("Left Ctrl", "Control_L"),
    "ctrl_r": ("Right Ctrl", "Control_R"),
    "shift": ("Shift", "Shift_L"), "shift_l": ("Left Shift", "Shift_L"),
    "shift_r": ("Right Shift", "Shift_R"),
    "alt": ("Alt", "Alt_L"), "alt_l": ("Left Alt", "Alt_L"), "alt_r": ("Right Alt", "Alt_R"),
    "alt_gr": ("AltGr", "ISO_Level3_Shift"),
    "super": ("Super", "Super_L"), "super_l": ("Left Super", "Super_L"),
    "super_r": ("Right Super", "Super_R"),
    "esc": ("Esc", "Escape"), "enter": ("Enter", "Return"), "tab": ("Tab", "Tab"),
    "space": ("Space", "space"), "backspace": ("Backspace", "BackSpace"),
    "insert": ("Insert", "Insert"), "delete": ("Delete", "Delete"), "home": ("Home", "Home"),
    "end": ("End", "End"), "page_up": ("Page Up", "Prior"), "page_down": ("Page Down", "Next"),
    "up": ("Up", "Up"), "down": ("Down", "Down"), "left": ("Left", "Left"), "right": ("Right", "Right"),
    "pause": ("Pause", "Pause"), "scroll_lock": ("Scroll Lock", "Scroll_Lock"),
    "caps_lock": ("Caps Lock", "Caps_Lock"), "num_lock": ("Num Lock", "Num_Lock"),
    "print_screen": ("Print Screen", "Print"), "menu": ("Menu", "Menu"),
    # The Mac Fn / Globe key (a popular push-to-talk key there); on Linux XF86Fn, rarely delivered.
    "fn": ("Fn / Globe", "XF86Fn"),
}
for _i in range(1, 25):
    _NAMED[f"f{_i}"] = (f"F{_i}", f"F{_i}")
for _c in "abcdefghijklmnopqrstuvwxyz0123456789":
    _NAMED[_c] = (_c.upper(), _c)
KEY_NAMES = tuple(_NAMED)

# Keys that only modify others: never grabbed on their own (that would break every shortcut
# that uses them), and a hold of one types nothing into the focused app.
MODIFIER_KEYS = frozenset({
    "ctrl", "ctrl_l", "ctrl_r", "shift", "shift_l", "shift_r", "alt", "alt_l", "alt_r", "alt_gr",
    "super", "super_l", "super_r",
})

# Keys every app needs for itself (and Esc cancels a dictation): never the push-to-talk key.
UNFIT_HOTKEYS = frozenset({"esc", "enter", "tab", "space", "backspace"})

# Older spellings (pynput, xdotool, xkb, common words) -> our names.
_ALIASES = {
    "control": "ctrl", "control_l": "ctrl_l", "control_r": "ctrl_r", "lctrl": "ctrl_l", "rctrl": "ctrl_r",
    "cmd": "super", "cmd_l": "super_l", "cmd_r": "super_r", "win": "super", "meta": "super",
    "super_left": "super_l", "super_right": "super_r", "altgr": "alt_gr", "iso_level3_shift": "alt_gr",
    "escape": "esc", "return": "enter", "ins": "insert", "del": "delete", "prior": "page_up",
    "next": "page_down", "pageup": "page_up", "pagedown": "page_down", "pgup": "page_up",
    "pgdn": "page_down", "print": "print_screen", "printscreen": "print_screen", "sysrq": "print_screen",
    "scrolllock": "scroll_lock", "capslock": "caps_lock", "numlock": "num_lock", "break": "pause",
    "bksp": "backspace", "globe": "fn",
}

# The chords that paste: most apps take Ctrl+V; terminals want Ctrl+Shift+V or Shift+Insert.
PASTE_CHORDS = ("ctrl+v", "ctrl+shift+v", "shift+insert")
DEFAULT_HOTKEY = "f9"


def _clean(name: str) -> str:
    """Lower case, no angle brackets, spaces and hyphens as underscores."""
    return name.strip().strip("<>").strip().lower().replace(" ", "_").replace("-", "_")


def normalize_key(name: str) -> str:
    """Our name for ``name`` in this vocabulary or an older spelling; raises :class:`KeyNameError`.

    >>> normalize_key("<pause>"), normalize_key("Control_R"), normalize_key("F9")
    ('pause', 'ctrl_r', 'f9')
    """
    clean = _clean(name)
    clean = _ALIASES.get(clean, clean)
    if clean in _NAMED:
        return clean
    raise KeyNameError(
        f"{name.strip()!r} is not a key name: use one such as f9, ctrl_r, pause, scroll_lock or a letter."
    )


def normalize_hotkey(name: str) -> str:
    """:func:`normalize_key` for the push-to-talk key, which may not be one of :data:`UNFIT_HOTKEYS`."""
    key = normalize_key(name)
    if key in UNFIT_HOTKEYS:
        raise KeyNameError(f"{key_label(key)} cannot be the hotkey (every app needs it): use one such as f9, "
                           "ctrl_r, pause or scroll_lock.")
    return key


@dataclass(frozen=True)
class Chord:
    """Modifiers (in :data:`CHORD_MODIFIERS` order) held while ``key`` is pressed."""

    modifiers: tuple[str, ...]
    key: str

    def __str__(self) -> str:
        return "+".join((*self.modifiers, self.key))


def parse_chord(text: str) -> Chord:
    """``"ctrl+shift+v"`` (any case, old spellings too) -> :class:`Chord`; raises KeyNameError."""
    parts = [p for p in (x.strip() for x in text.split("+")) if p]
    if not parts:
        raise KeyNameError("an empty key chord: use one such as ctrl+v or shift+insert.")
    key = normalize_key(parts[-1])
    mods = set()
    for part in parts[:-1]:
        mod = normalize_key(part)
        mod = mod.split("_")[0] if mod in MODIFIER_KEYS and mod != "alt_gr" else mod
        if mod not in CHORD_MODIFIERS:
            raise KeyNameError(f"{part!r} in {text!r} is not a modifier: use ctrl, shift, alt or super.")
        mods.add(mod)
    return Chord(tuple(m for m in CHORD_MODIFIERS if m in mods), key)


def normalize_chord(text: str) -> str:
    """The canonical spelling of a chord: ``"Shift+Insert"`` -> ``"shift+insert"``."""
    return str(parse_chord(text))


def key_label(name: str) -> str:
    """How a key reads in menus and messages: "F9", "Right Ctrl", "Scroll Lock", "A"."""
    try:
        return _NAMED[normalize_key(name)][0]
    except KeyNameError:
        return name.strip()


# On macOS a chord's ctrl (Qt's convention) and super are Command, alt is Option: the macOS backend
# sends them so (dictate_app.desktop.macos.keycodes.CHORD_MODIFIERS), and labels say what is sent.
_MAC_MODIFIER_LABELS = {"ctrl": "Cmd", "super": "Cmd", "alt": "Option"}


def chord_label(text: str, platform: str | None = None) -> str:
    """How a chord reads: ``"ctrl+shift+v"`` -> "Ctrl+Shift+V" ("Cmd+Shift+V" on macOS)."""
    try:
        chord = parse_chord(text)
    except KeyNameError:
        return text.strip()
    mac = (platform or sys.platform) == "darwin"
    modifiers = [_MAC_MODIFIER_LABELS.get(m, key_label(m)) if mac else key_label(m) for m in chord.modifiers]
    return "+".join((*modifiers, key_label(chord.key)))


def xkb_name(name: str) -> str:
    """The xkb keysym name (X11, sway, wtype, the XDG portals) of one of our key names."""
    return _NAMED[normalize_key(name)][1]


def from_xkb_keysym(keysym: int) -> str | None:
    """Our name for an X11/xkb keysym value (``0xffe4`` -> ``ctrl_r``), or None.

    Qt reports the keysym of a key event as ``nativeVirtualKey()`` on X11 and on Wayland; it
    tells left from right modifiers where Qt's own key codes do not.
    """
    return _BY_KEYSYM.get(keysym)


# Keysym values of the xkb names above (from X11's keysymdef.h), for from_xkb_keysym.
_KEYSYM_VALUES = {
    "Control_L": 0xFFE3, "Control_R": 0xFFE4, "Shift_L": 0xFFE1, "Shift_R": 0xFFE2, "Alt_L": 0xFFE9,
    "Alt_R": 0xFFEA, "Super_L": 0xFFEB, "Super_R": 0xFFEC, "ISO_Level3_Shift": 0xFE03,
    "Escape": 0xFF1B, "Return": 0xFF0D, "Tab": 0xFF09, "space": 0x20, "BackSpace": 0xFF08,
    "Insert": 0xFF63, "Delete": 0xFFFF, "Home": 0xFF50, "End": 0xFF57, "Prior": 0xFF55, "Next": 0xFF56,
    "Up": 0xFF52, "Down": 0xFF54, "Left": 0xFF51, "Right": 0xFF53, "Pause": 0xFF13,
    "Scroll_Lock": 0xFF14, "Caps_Lock": 0xFFE5, "Num_Lock": 0xFF7F, "Print": 0xFF61, "Menu": 0xFF67,
    "XF86Fn": 0x100811D0,
    **{f"F{i}": 0xFFBE + i - 1 for i in range(1, 25)},
    **{c: ord(c) for c in "abcdefghijklmnopqrstuvwxyz0123456789"},
}
# Sided names win over the generic ones that share their keysym (Control_L is ctrl_l, not ctrl).
_BY_KEYSYM = {
    _KEYSYM_VALUES[xkb]: name for name, (_label, xkb) in _NAMED.items()
    if name not in ("ctrl", "shift", "alt", "super")
}


def keysym_value(name: str) -> int:
    """The X11/xkb keysym value of one of our key names."""
    return _KEYSYM_VALUES[xkb_name(name)]
