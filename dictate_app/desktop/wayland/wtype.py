"""Keys and text through ``wtype``: the virtual-keyboard protocol of wlroots compositors.

wtype 0.4 (Debian 12) creates a virtual keyboard whose keymap holds exactly the characters it
will type, so any script types exactly (CJK, accents, emoji), but:

- the first key races the new keymap: ``wtype hello`` gave ``ello`` 4 times in 5 on the bench.
  Every call therefore sleeps ``-s`` :data:`KEYMAP_WAIT_MS` before its first key, chords too;
- the keyboard exists only while the process runs, so a chord is one process (``-M ctrl -k v
  -m ctrl``), never a press and a release in two;
- it decodes its arguments with ``mbstowcs`` in the environment's locale: under ``LANG=C`` it
  fails ("Failed to deencode input argv"), so it runs with ``LC_ALL=C.UTF-8``;
- after ``--`` every argument is text, so a transcript starting with ``-`` is not an option
  (main.c, ``parse_args``).

A virtual keyboard has modifiers of its own: the user's held Ctrl does not leak into our keys,
and which keys the user holds cannot be seen from here (``held_modifiers`` is False).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable

from dictate_app.desktop import keys
from dictate_app.desktop.base import MISSING, OK, UNSUPPORTED, Check, InsertError

# How long wtype waits for its keymap before the first key. Measured on the 2-core bench, "hello"
# into a Qt Wayland field while N busy loops ran (benchmarks/sway_desktop.py, results in
# benchmarks/results/sway-desktop-2026-12-05-busy{1,2,4,8}.json), exact insertions per wait:
#   no wait: 6/40 (N=1), 6/30 (N=2), 12/30 (N=4), 14/40 (N=8) -- the rest lost "h", some more;
#   1 ms: 40/40, 30/30, 25/30; 3 ms: 40/40, 30/30, 28/30; 10 ms: 40/40, 30/30, 29/30, 40/40;
#   25 ms and more: every one exact (N=1, 2, 4, 8).
# A race with the compositor's scheduling, then: 50 ms is twice the shortest wait that never lost
# a key even with the two cores four times oversubscribed.
KEYMAP_WAIT_MS = 50
# wtype gives each new character its own keycode; more than 255 - 8 distinct characters in one
# process would need keycodes X11 (XWayland windows) cannot have, so longer texts are split.
MAX_DISTINCT_CHARS = 200
_BASE_TIMEOUT_S = 5.0
# wtype waits 2 ms after each key press and release plus two display round trips per character.
_PER_CHAR_TIMEOUT_S = 0.05

_WTYPE_MODIFIERS = {"ctrl": "ctrl", "shift": "shift", "alt": "alt", "super": "logo"}
NO_PROTOCOL = "Compositor does not support the virtual keyboard protocol"  # wtype's own message
INSTALL = "sudo apt install wtype"


def chord_args(chord: str) -> list[str]:
    """wtype's arguments for one chord (``ctrl+shift+v`` -> ``-M ctrl -M shift -k v -m shift -m
    ctrl``); raises :class:`keys.KeyNameError` for a chord outside our vocabulary."""
    parsed = keys.parse_chord(chord)
    mods = [_WTYPE_MODIFIERS[m] for m in parsed.modifiers]
    args: list[str] = []
    for mod in mods:
        args += ["-M", mod]
    args += ["-k", keys.xkb_name(parsed.key)]
    for mod in reversed(mods):
        args += ["-m", mod]
    return args


def chunks(text: str, max_distinct: int = MAX_DISTINCT_CHARS) -> list[str]:
    """``text`` in pieces of at most ``max_distinct`` different characters each."""
    pieces: list[str] = []
    current: list[str] = []
    seen: set[str] = set()
    for char in text:
        if char not in seen and len(seen) == max_distinct:
            pieces.append("".join(current))
            current, seen = [], set()
        current.append(char)
        seen.add(char)
    if current:
        pieces.append("".join(current))
    return pieces


class WtypeKeyboard:
    """:class:`dictate_app.desktop.base.Keyboard` through wtype. ``run`` (tests) replaces
    :func:`subprocess.run`."""

    def __init__(self, executable: str | None = None, keymap_wait_ms: int = KEYMAP_WAIT_MS,
                 run: Callable[..., subprocess.CompletedProcess] = subprocess.run) -> None:
        self._exe = executable or shutil.which("wtype")
        self.keymap_wait_ms = keymap_wait_ms
        self._run_process = run

    def _process(self, args: list[str], timeout: float) -> subprocess.CompletedProcess:
        """wtype with ``args``; its own locale (see the module docstring), no stdin of ours."""
        return self._run_process([self._exe, *args], env=dict(os.environ, LC_ALL="C.UTF-8"),
                                 stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                 timeout=timeout, check=False)

    def _run(self, args: list[str], timeout: float) -> None:
        if not self._exe:
            raise InsertError(f"wtype not found: {INSTALL}; your text is on the clipboard.")
        try:
            done = self._process(["-s", str(self.keymap_wait_ms), *args], timeout)
        except FileNotFoundError:
            raise InsertError(f"wtype not found: {INSTALL}; your text is on the clipboard.") from None
        except subprocess.TimeoutExpired:
            raise InsertError(f"wtype did not finish within {timeout:.0f} s; your text is on the clipboard.") from None
        if done.returncode != 0:
            raise InsertError(_failure(done.stderr or "", done.returncode))

    def key(self, chord: str, clear_modifiers: bool = False) -> None:
        """Press and release ``chord`` in one wtype process (``clear_modifiers`` is moot: the
        virtual keyboard's modifiers are its own)."""
        try:
            args = chord_args(chord)
        except keys.KeyNameError as exc:
            raise InsertError(f"{exc} (the paste keys setting)") from None
        self._run(args, _BASE_TIMEOUT_S + self.keymap_wait_ms / 1000)

    def type(self, text: str, clear_modifiers: bool = False) -> None:
        """Type ``text`` exactly; ``--`` keeps a leading ``-`` from being read as an option."""
        for piece in chunks(text):
            timeout = _BASE_TIMEOUT_S + self.keymap_wait_ms / 1000 + len(piece) * _PER_CHAR_TIMEOUT_S
            self._run(["--", piece], timeout)

    def held_modifiers(self) -> bool:
        return False

    def checks(self) -> list[Check]:
        """Typing and paste, from a probe: wtype sleeping 1 ms tells whether it runs and the
        compositor offers the virtual-keyboard protocol (where it does not, wtype says so before
        it makes a keyboard; where it does, a keyboard without keys comes and goes)."""
        if not self._exe:
            detail, fix = "wtype is not installed.", INSTALL
            return [Check("typing", MISSING, detail, fix), Check("paste", MISSING, detail, fix)]
        try:
            done = self._process(["-s", "1"], _BASE_TIMEOUT_S)
            problem = "" if done.returncode == 0 else (done.stderr or "").strip() or f"exit {done.returncode}"
        except (OSError, subprocess.TimeoutExpired) as exc:
            problem = str(exc) or type(exc).__name__
        if NO_PROTOCOL in problem:
            detail = "this compositor has no virtual-keyboard protocol, so wtype cannot send keys."
            fix = "use a wlroots compositor (sway, Hyprland, river, Wayfire); GNOME and KDE use the desktop portal"
            return [Check("typing", UNSUPPORTED, detail, fix), Check("paste", UNSUPPORTED, detail, fix)]
        if problem:
            detail = f"wtype failed: {problem}."
            fix = "run Dictate inside the Wayland session (WAYLAND_DISPLAY names its socket)"
            return [Check("typing", MISSING, detail, fix), Check("paste", MISSING, detail, fix)]
        return [Check("typing", OK, "wtype types through the virtual-keyboard protocol (any script)."),
                Check("paste", OK, "wtype sends the paste chord through the virtual-keyboard protocol.")]


def _failure(stderr: str, code: int) -> str:
    """The user's sentence for a failed wtype run."""
    message = stderr.strip().splitlines()[-1] if stderr.strip() else f"exit {code}"
    if NO_PROTOCOL in stderr:
        return ("This compositor has no virtual-keyboard protocol, so wtype cannot type (GNOME has none); "
                "your text is on the clipboard.")
    if "Wayland connection failed" in stderr:
        return ("wtype could not connect to the Wayland display (is WAYLAND_DISPLAY set?); "
                "your text is on the clipboard.")
    return f"wtype failed ({message}); your text is on the clipboard."
