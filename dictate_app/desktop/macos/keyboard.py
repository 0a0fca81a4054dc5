"""macOS keys: the paste chord by key code resolved for the active layout, typing by Unicode string
events in chunks, each with its key-up.

Written against the documentation (``CGEventCreateKeyboardEvent``, ``CGEventSetFlags``,
``CGEventKeyboardSetUnicodeString``, ``UCKeyTranslate``); never run on macOS. OS calls are the
adapter's (:mod:`dictate_app.desktop.macos.quartz`).

- Cmd+V is posted as Command down, V down, V up, Command up, every event with its flags set
  explicitly (exactly Command on the V events). An event's flags are what the target sees, so a
  modifier the user still holds (Option of a push-to-talk chord) cannot join the chord.
- The V is the key that types "v" on the active layout, found with ``UCKeyTranslate`` with
  Command held: on Dvorak the key at the US "." position; on AZERTY the US position; on
  "Dvorak - QWERTY ⌘" the US position again, because that layout is QWERTY while Command is held.
  The US position alone (kVK_ANSI_V) pastes nothing on Dvorak: it is Cmd+K there.
- Typing sends the text as Unicode strings, at most 20 UTF-16 units an event: longer strings are
  silently cut by ``CGEventKeyboardSetUnicodeString`` (enigo #68), and a surrogate pair (emoji) is
  never split. Each chunk is a key-down and a key-up carrying the same string, with no modifier
  flags (a held Command would turn letters into shortcuts).
"""

from __future__ import annotations

from dictate_app.desktop.base import MISSING, OK, Check, InsertError
from dictate_app.desktop.keys import KeyNameError, chord_label, parse_chord
from dictate_app.desktop.macos import keycodes as kc
from dictate_app.desktop.macos.permissions import ACCESSIBILITY, STALE_HINT, Permissions

MAX_UNITS = 20  # UTF-16 units per event that CGEventKeyboardSetUnicodeString keeps
NO_ACCESS = ("Dictate is not allowed under Accessibility, so macOS drops the keys it sends: allow it under "
             f"System Settings > Privacy & Security > Accessibility ({STALE_HINT}); your text is on the clipboard.")


def utf16_chunks(text: str, max_units: int = MAX_UNITS) -> list[str]:
    """``text`` cut into pieces of at most ``max_units`` UTF-16 units, never inside a surrogate pair.

    >>> [len(c) for c in utf16_chunks("a" * 45)]
    [20, 20, 5]
    """
    chunks: list[str] = []
    current, units = "", 0
    for char in text:
        width = 2 if ord(char) > 0xFFFF else 1
        if units + width > max_units:
            chunks.append(current)
            current, units = "", 0
        current += char
        units += width
    if current:
        chunks.append(current)
    return chunks


class MacKeyboard:
    """:class:`dictate_app.desktop.base.Keyboard` over the adapter."""

    def __init__(self, adapter, permissions: Permissions | None = None, max_units: int = MAX_UNITS):
        self.adapter = adapter
        self.permissions = permissions or Permissions(adapter)
        self.max_units = max_units

    def _require_access(self) -> None:
        # Without the permission CGEventPost succeeds and nothing arrives: say so instead.
        if not self.permissions.granted(ACCESSIBILITY):
            raise InsertError(NO_ACCESS)

    def chord_events(self, chord: str) -> list[tuple[int, bool, int]]:
        """The (key code, down, flags) events of ``chord`` on the active layout."""
        try:
            parsed = parse_chord(chord)
        except KeyNameError as exc:
            raise InsertError(f"{exc} Your text is on the clipboard.") from None
        flags, modifier_codes = 0, []
        for mod in parsed.modifiers:
            flag, code = kc.CHORD_MODIFIERS[mod]
            if not flags & flag:
                modifier_codes.append((code, flag))
            flags |= flag
        if len(parsed.key) == 1:  # a character: the key that types it on this layout
            uc = kc.UC_COMMAND if flags & kc.FLAG_COMMAND else 0
            code = kc.layout_keycode(parsed.key, self.adapter.translate, uc)
            if code is None and uc:
                code = kc.layout_keycode(parsed.key, self.adapter.translate, 0)
            if code is None:
                raise InsertError(f"No key types {parsed.key!r} on the current keyboard layout, so "
                                  f"{chord_label(chord)} cannot be sent: switch the layout, or choose typing; "
                                  "your text is on the clipboard.")
        elif parsed.key in kc.KEYCODES:
            code = kc.KEYCODES[parsed.key]
        else:
            raise InsertError(f"{chord_label(chord)} has no key on a Mac: choose Ctrl+V (Cmd+V here); "
                              "your text is on the clipboard.")
        events, held = [], 0
        for mod_code, flag in modifier_codes:
            held |= flag
            events.append((mod_code, True, held))
        events += [(code, True, flags), (code, False, flags)]
        for mod_code, flag in reversed(modifier_codes):
            held &= ~flag
            events.append((mod_code, False, held))
        return events

    def key(self, chord: str, clear_modifiers: bool = False) -> None:
        """Press and release ``chord`` (``ctrl+v`` and ``super+v`` are both Cmd+V here). The flags
        are always explicit, so ``clear_modifiers`` needs nothing more."""
        events = self.chord_events(chord)
        self._require_access()
        for code, down, flags in events:
            self.adapter.post_key(code, down, flags)

    def type(self, text: str, clear_modifiers: bool = False) -> None:
        """Type ``text`` exactly, in Unicode chunks with key-ups and no modifier flags."""
        self._require_access()
        for chunk in utf16_chunks(text, self.max_units):
            self.adapter.post_unicode(chunk, True, 0)
            self.adapter.post_unicode(chunk, False, 0)

    def held_modifiers(self) -> bool:
        """True while Shift, Control, Option or Command is physically down (HID state flags)."""
        try:
            return bool(self.adapter.modifier_flags() & kc.HELD_MASK)
        except Exception:  # no Quartz: nothing we can see to wait for
            return False

    def checks(self) -> list[Check]:
        if not self.permissions.granted(ACCESSIBILITY):
            fix = f"allow Dictate under System Settings > Privacy & Security > Accessibility ({STALE_HINT})"
            why = "Dictate is not allowed under Accessibility, so macOS drops the keys it posts."
            return [Check("typing", MISSING, why, fix), Check("paste", MISSING, why, fix)]
        return [Check("typing", OK, f"Unicode keyboard events, {self.max_units} UTF-16 units each, exact for "
                                    "any script and independent of the layout."),
                Check("paste", OK, "Cmd+V is posted with the V key of the active layout (UCKeyTranslate).")]
