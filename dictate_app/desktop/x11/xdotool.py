"""X11 keys through ``xdotool`` (plus python-xlib to see held modifier keys).

Why xdotool and not pynput's ``Controller.type()``: on X11 pynput sends synthetic events for
characters (xterm ignores them) and borrows spare keycodes for characters missing from the layout,
which turns roughly every third CJK character or emoji into a neighbour (measured on the
Xvfb bench). ``xdotool type`` uses XTEST with keymap
remapping and was exact for CJK and emoji in Qt apps and xterm.
"""

from __future__ import annotations

import shutil
import subprocess

from dictate_app.desktop.base import MISSING, OK, Check, InsertError
from dictate_app.desktop.keys import parse_chord, xkb_name

# A stuck xdotool must never freeze the app; these are generous for what they do.
_KEY_TIMEOUT_S = 5.0
TYPE_DELAY_MS = 12  # xdotool's default per-character delay: exact for keys on the layout
# Characters missing from the keyboard layout (CJK, accents on a US layout, emoji) are typed by
# remapping a spare keycode for each one, and the target must re-read the keymap before the key
# arrives. At 12 ms the target often had not: on our loaded 2-core bench Qt received 0 of 4
# Mandarin sentences intact at 12 ms, 1 of 4 at 40 ms, 4 of 4 at 100 ms (xterm alike).
REMAP_DELAY_MS = 100


def ascii_runs(text: str) -> list[tuple[str, bool]]:
    """Split ``text`` into maximal runs of ASCII (on every layout xdotool meets) and non-ASCII.

    >>> ascii_runs("call 你好 ok")
    [('call ', True), ('你好', False), (' ok', True)]
    """
    runs: list[tuple[str, bool]] = []
    for char in text:
        on_layout = char.isascii()
        if runs and runs[-1][1] == on_layout:
            runs[-1] = (runs[-1][0] + char, on_layout)
        else:
            runs.append((char, on_layout))
    return runs


def xdotool_chord(chord: str) -> str:
    """Our chord spelling as xdotool's: modifiers by its aliases, the key by its keysym name.

    >>> xdotool_chord("shift+insert"), xdotool_chord("ctrl+shift+v")
    ('shift+Insert', 'ctrl+shift+v')
    """
    parsed = parse_chord(chord)
    return "+".join((*parsed.modifiers, xkb_name(parsed.key)))


class Xdotool:
    """Synthetic keys on an X11 display (:class:`dictate_app.desktop.base.Keyboard`)."""

    def __init__(self, executable: str | None = None, type_delay_ms: int = TYPE_DELAY_MS,
                 remap_delay_ms: int = REMAP_DELAY_MS):
        self._exe = executable or shutil.which("xdotool")
        self.type_delay_ms = type_delay_ms
        self.remap_delay_ms = remap_delay_ms
        self._xlib_display = None

    def _run(self, *args: str, timeout: float = _KEY_TIMEOUT_S) -> str:
        if not self._exe:
            raise InsertError(
                "xdotool is not installed, so text cannot be typed or pasted: install it "
                "(sudo apt install xdotool); your text is on the clipboard."
            )
        try:
            # stdin/stderr closed or captured: nothing may inherit our pipes (README, Dependencies: xclip).
            done = subprocess.run(
                [self._exe, *args], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                timeout=timeout, check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise InsertError("xdotool did not answer in time; your text is on the clipboard.") from exc
        if done.returncode != 0:
            detail = (done.stderr or "").strip().splitlines()
            raise InsertError(
                f"xdotool failed ({detail[-1] if detail else f'exit {done.returncode}'}); "
                "your text is on the clipboard."
            )
        return done.stdout

    def key(self, chord: str, clear_modifiers: bool = False) -> None:
        """Press and release a chord such as ``ctrl+v`` (our spelling, :mod:`~dictate_app.desktop.keys`)."""
        extra = ("--clearmodifiers",) if clear_modifiers else ()
        self._run("key", *extra, xdotool_chord(chord))

    def type(self, text: str, clear_modifiers: bool = False) -> None:
        """Type ``text`` exactly (any script). Blocks ``type_delay_ms`` per ASCII character and
        ``remap_delay_ms`` per other character (see :data:`REMAP_DELAY_MS`)."""
        extra = ("--clearmodifiers",) if clear_modifiers else ()
        for run, on_layout in ascii_runs(text):
            delay = self.type_delay_ms if on_layout else self.remap_delay_ms
            timeout = _KEY_TIMEOUT_S + len(run) * delay / 1000 * 2
            # "--" so a transcript starting with "-" is text, not an option.
            self._run("type", *extra, "--delay", str(delay), "--", run, timeout=timeout)

    def held_modifiers(self) -> bool:
        """True while Shift, Ctrl, Alt or Super is physically down (query of the X key map)."""
        try:
            if self._xlib_display is None:
                from Xlib import display as xdisplay  # lazy: only X11 sessions need it

                self._xlib_display = xdisplay.Display()
            disp = self._xlib_display
            keymap = disp.query_keymap()  # 32 bytes, one bit per keycode
            for index, codes in enumerate(disp.get_modifier_mapping()):
                if index == 1:
                    continue  # Lock (Caps Lock) is a toggle, not a held key
                for code in codes:
                    if code and keymap[code // 8] & (1 << (code % 8)):
                        return True
        except Exception:  # no display, no python-xlib: nothing to wait for that we can see
            return False
        return False

    def checks(self) -> list[Check]:
        if not self._exe:
            fix = "install xdotool: sudo apt install xdotool"
            return [Check("typing", MISSING, "xdotool is not installed.", fix),
                    Check("paste", MISSING, "xdotool is not installed, so no paste chord can be sent.", fix)]
        return [Check("typing", OK, f"xdotool types through XTEST, exact for any script ({self.type_delay_ms} ms "
                                    f"per ASCII character, {self.remap_delay_ms} ms per other)."),
                Check("paste", OK, "xdotool sends the paste chord through XTEST.")]
