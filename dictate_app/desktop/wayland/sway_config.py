"""Which key bindings the user's sway config already has (pure text parsing, no IPC).

sway replaces a binding silently when another ``bindsym`` names the same keys
(``sway/commands/bind.c``: ``binding_upsert``), and a runtime ``unbindsym`` cannot bring the
user's binding back (its command may use config variables). So before Dictate binds its hotkey
it looks here for a binding of that key in the default mode.

sway's GET_CONFIG returns the main config file's text only, not the files it includes
(``sway/config.c``: ``read_config`` stores the main file), so ``include`` lines are followed
here, expanded the way sway does (``~``, environment and ``$variables``, globs, relative to the
config's folder). Not seen: ``bindcode`` bindings (their key codes depend on the keymap) and
bindings another program added at run time (sway 1.7 has no request that lists bindings).
"""

from __future__ import annotations

import glob
import os
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# sway's modifier names (sway/input/keyboard.c: `modifiers`), matched case-insensitively.
MODIFIER_NAMES = frozenset({"shift", "lock", "control", "ctrl", "mod1", "alt", "mod2", "mod3", "mod4",
                            "super", "mod5"})
_MAX_INCLUDE_DEPTH = 5


@dataclass(frozen=True)
class ConfigBinding:
    """A ``bindsym`` of the default mode: its key combination (variables expanded), flags,
    command, and where it was read (``path:line``)."""

    keys: str
    flags: tuple[str, ...]
    command: str
    source: str

    @property
    def line(self) -> str:
        return " ".join(("bindsym", *self.flags, self.keys, self.command))


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with backslash continuations joined, stripped, comments and blanks dropped."""
    out: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not pending:
            start = number
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        line = (pending + raw).strip()
        pending = ""
        if line and not line.startswith("#"):
            out.append((start, line))
    return out


def _split(line: str) -> list[str]:
    try:
        return shlex.split(line, posix=True)
    except ValueError:  # an unbalanced quote: sway would reject the line too
        return line.split()


def _expand(value: str, variables: dict[str, str]) -> str:
    # Longest names first, as sway's `set` keeps them (config.c: do_var_replacement).
    for name in sorted(variables, key=len, reverse=True):
        value = value.replace(name, variables[name])
    return value


class _Reader:
    def __init__(self, read: Callable[[str], str]) -> None:
        self.read = read
        self.variables: dict[str, str] = {}
        self.bindings: list[ConfigBinding] = []

    def parse(self, text: str, path: str, depth: int = 0) -> None:
        blocks: list[str] = []  # open `{` blocks: "mode", "bindsym --release", "input"...
        for number, line in _logical_lines(text):
            if line == "}" or line.startswith("}"):
                if blocks:
                    blocks.pop()
                continue
            opens = line.endswith("{")
            words = _split(line[:-1] if opens else line)
            if not words:
                continue
            if opens:
                blocks.append(" ".join(words))
                continue
            if any(block.split()[0] == "mode" for block in blocks):
                continue  # bindings of other modes never meet ours
            if blocks and blocks[-1].split()[0] == "bindsym":
                words = [*blocks[-1].split(), *words]  # `bindsym --release { F9 exec x }`
            elif blocks:
                continue  # input, output, bar... blocks hold no bindings
            self._statement(words, f"{path}:{number}", Path(path).parent, depth)

    def _statement(self, words: list[str], source: str, folder: Path, depth: int) -> None:
        keyword = words[0].lower()
        if keyword == "set" and len(words) >= 3 and words[1].startswith("$"):
            self.variables[words[1]] = _expand(" ".join(words[2:]), self.variables)
        elif keyword == "include" and len(words) >= 2 and depth < _MAX_INCLUDE_DEPTH:
            pattern = os.path.expandvars(os.path.expanduser(_expand(" ".join(words[1:]), self.variables)))
            if not os.path.isabs(pattern):
                pattern = str(folder / pattern)
            for name in sorted(glob.glob(pattern)):
                try:
                    self.parse(self.read(name), name, depth + 1)
                except OSError:  # sway skips unreadable includes too
                    continue
        elif keyword == "bindsym":
            flags = []
            rest = words[1:]
            while rest and rest[0].startswith("--"):
                flags.append(rest.pop(0))
            if len(rest) >= 2:
                self.bindings.append(ConfigBinding(_expand(rest[0], self.variables), tuple(flags),
                                                   " ".join(rest[1:]), source))


def config_bindings(text: str, path: str = "config", read: Callable[[str], str] | None = None) -> list[ConfigBinding]:
    """Every ``bindsym`` of the default mode in a sway config's ``text`` (read from ``path``) and
    the files it includes (``read`` opens them; tests pass a dict's ``__getitem__``)."""
    reader = _Reader(read or (lambda name: Path(name).read_text(encoding="utf-8", errors="replace")))
    reader.parse(text, path)
    return reader.bindings


def bindings_of_key(bindings: list[ConfigBinding], keysym: str,
                    modifiers: frozenset[str] = frozenset()) -> list[ConfigBinding]:
    """The bindings whose combination is exactly ``keysym`` with ``modifiers`` (sway names such
    as ``Ctrl``; keysyms and modifiers compare case-insensitively, as sway compares them)."""
    want_mods = {_modifier(m) for m in modifiers}
    found = []
    for binding in bindings:
        if any(flag.startswith(("--whole-window", "--border", "--exclude-titlebar")) for flag in binding.flags):
            continue  # mouse bindings
        parts = [p for p in binding.keys.split("+") if p]
        mods = {_modifier(p) for p in parts if p.lower() in MODIFIER_NAMES}
        keys = [p for p in parts if p.lower() not in MODIFIER_NAMES]
        if mods == want_mods and len(keys) == 1 and keys[0].lower() == keysym.lower():
            found.append(binding)
    return found


def _modifier(name: str) -> str:
    """sway's synonyms as one name: Ctrl = Control, Alt = Mod1, Super = Mod4."""
    name = name.lower()
    return {"control": "ctrl", "mod1": "alt", "mod4": "super"}.get(name, name)


def quote_regex(text: str) -> str:
    """``text`` as a literal inside a sway criteria value (a PCRE between double quotes).

    Regex metacharacters are escaped with a backslash; so is ``"`` (sway/criteria.c unescapes
    ``\\"`` only). A ``$`` becomes ``\\$``, which sway's variable expansion leaves alone.
    """
    return re.sub(r'([\\.^$|?*+()\[\]{}"])', r"\\\1", text)
