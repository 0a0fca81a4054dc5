"""Keys and typing on GNOME and KDE through the XDG RemoteDesktop portal (Qt-free).

``org.freedesktop.portal.RemoteDesktop``: ``CreateSession``, ``SelectDevices(types=KEYBOARD)``,
``Start`` (the desktop asks the user once), then ``NotifyKeyboardKeysym(session, {}, keysym,
state)`` per key press (state 1) and release (0). A chord is its modifiers' presses, the key's
press and release, the modifiers' releases: ``ctrl+v`` -> Control_L down, v down, v up, Control_L
up. Text is one keysym per character: what ``xkb_utf32_to_keysym`` of the system's libxkbcommon
gives (Latin-1 as itself, characters with a legacy keysym such as Cyrillic ``а`` -> 0x6c1, the rest
0x01000000 + code point), or that rule without the legacy table where the library is missing.

What the desktops do with a keysym (their source, not testable here):

- GNOME (Mutter, ``src/backends/native/meta-virtual-input-device-native.c``,
  ``notify_keyval_in_impl``) looks the keysym up in the *current layout group* only; a keysym
  with no key there is dropped with a log line ("No keycode found for keyval %x in current group")
  while the D-Bus call succeeds. So CJK, emoji and anything not on the user's layout cannot be
  typed, and nothing tells us: paste is the way (``checks()`` says so). KDE's KWin likewise
  resolves keysyms through the active keymap. The paste chord needs ``v`` on the current layout
  (a Russian layout has none in its first group).
- Persistence (``persist_mode`` 2 and a ``restore_token``, RemoteDesktop version 2) came with
  xdg-desktop-portal 1.17; 1.16 (Debian 12) has version 1 and drops both options, so the user is
  asked at every start of Dictate there. Where it exists, the token is single-use: each ``Start``
  answers with the next one, saved to ``token_path`` (mode 0600) at once.
- The permission dialog can take minutes (OpenWhispr #494: it stalled pastes until a token
  existed), so nothing waits for it longer than ``wait_s``: :meth:`prepare` starts the session in
  the background (call it at start-up, so the dialog comes then), and a key or text sent while the
  dialog is open fails at once with an :class:`InsertError` that says so.
- Held modifiers cannot be read or cleared through the portal: ``held_modifiers()`` is False and
  ``clear_modifiers`` does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import threading
from pathlib import Path

from jeepney import MatchRule

from dictate_app.desktop.base import MISSING, OK, UNSUPPORTED, Check, InsertError
from dictate_app.desktop.keys import keysym_value, parse_chord
from dictate_app.desktop.wayland.portal import APP_ID, absent_sentence, open_bus, probe, session_options
from dictate_app.desktop.wayland.portal_dbus import (
    CANCELLED, PORTAL, SESSION_IFACE, SUCCESS, PortalBus, PortalError,
)

REMOTE_IFACE = "org.freedesktop.portal.RemoteDesktop"
KEYBOARD = 1  # device type bit
PERSIST_UNTIL_REVOKED = 2
RETURN, TAB = 0xFF0D, 0xFF09
NO_REMOTE = "the desktop's portal has no RemoteDesktop (GNOME and KDE Plasma have it; wlroots desktops do not)"
PORTAL_FIX = "install xdg-desktop-portal-gnome (GNOME) or xdg-desktop-portal-kde (KDE)"


@functools.cache
def _xkb_utf32_to_keysym():
    name = ctypes.util.find_library("xkbcommon")
    try:
        function = ctypes.CDLL(name).xkb_utf32_to_keysym if name else None
    except (OSError, AttributeError):
        return None
    if function is not None:
        function.restype, function.argtypes = ctypes.c_uint32, [ctypes.c_uint32]
    return function


def char_keysym(char: str, use_xkb: bool = True) -> int:
    """The keysym that types ``char``: newline -> Return, tab -> Tab, else libxkbcommon's
    ``xkb_utf32_to_keysym`` or (without it) Latin-1 as itself and 0x01000000 + code point."""
    if char == "\n":
        return RETURN
    if char == "\t":
        return TAB
    code = ord(char)
    function = _xkb_utf32_to_keysym() if use_xkb else None
    if function is not None:
        keysym = function(code)
        if keysym:
            return keysym
    if 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xFF:
        return code
    return 0x01000000 + code


def chord_events(chord: str) -> list[tuple[int, int]]:
    """``(keysym, state)`` for a chord: modifiers down, the key down and up, modifiers up."""
    parsed = parse_chord(chord)
    mods = [keysym_value(m) for m in parsed.modifiers]
    key = keysym_value(parsed.key)
    return [*((m, 1) for m in mods), (key, 1), (key, 0), *((m, 0) for m in reversed(mods))]


def text_events(text: str) -> list[tuple[int, int]]:
    """``(keysym, state)`` presses and releases typing ``text``, one keysym per character."""
    events = []
    for char in text:
        keysym = char_keysym(char)
        events += [(keysym, 1), (keysym, 0)]
    return events


def read_token(path: Path) -> str:
    """The saved restore token, or "" (missing, unreadable or not a plausible token)."""
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return token if 0 < len(token) <= 200 and token.isprintable() else ""


def save_token(path: Path, token: str) -> None:
    """Write the token for the next start, readable by the user only (0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = path.with_name(path.name + ".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    os.chmod(temp, 0o600)
    os.replace(temp, path)


class _Start:
    """One attempt at a started session: ``done`` is set with ``handle`` or ``error``."""

    def __init__(self):
        self.done = threading.Event()
        self.handle = ""
        self.bus: PortalBus | None = None
        self.error: str | None = None  # what went wrong (a clause)
        self.fix = ""
        self.declined = False


class PortalKeyboard:
    """:class:`~dictate_app.desktop.base.Keyboard` over the RemoteDesktop portal.

    ``token_path``: where the restore token lives (the user is asked once where the portal
    persists); ``wait_s``: how long a key or text waits for a session still starting;
    ``bus_address``: the session bus (tests use a private one).
    """

    def __init__(self, token_path: Path, *, bus_address: str | None = None, app_id: str = APP_ID,
                 call_timeout: float = 5.0, wait_s: float = 3.0):
        self.token_path = Path(token_path)
        self.bus_address = bus_address
        self.app_id = app_id
        self.call_timeout = call_timeout
        self.wait_s = wait_s
        self.version: int | None = None
        self.persists = False  # the portal hands out restore tokens
        self._bus: PortalBus | None = None
        self._start: _Start | None = None
        self._lock = threading.Lock()

    # ---- Keyboard ----

    def prepare(self) -> None:
        """Start the session in the background (the desktop's dialog shows now, not at the first
        paste). Also asks again after the user declined."""
        with self._lock:
            if self._start is None or self._start.error is not None:
                self._begin()

    def key(self, chord: str, clear_modifiers: bool = False) -> None:
        """Press and release ``chord`` (``ctrl+v``); raises :class:`InsertError`."""
        self._send(chord_events(chord))

    def type(self, text: str, clear_modifiers: bool = False) -> None:
        """Type ``text``; raises :class:`InsertError`. Characters with no legacy keysym (CJK, emoji:
        0x01000000 + code point) are on no keyboard layout, so GNOME and KDE would drop them while
        the call succeeds (see the module's docstring): such text is refused before any key is
        sent, rather than typed with holes."""
        unreachable = sorted({c for c in text if char_keysym(c) >= 0x01000000})
        if unreachable:
            shown = "".join(unreachable[:8]) + ("…" if len(unreachable) > 8 else "")
            raise InsertError(f"This desktop types through its remote-desktop portal, which cannot type {shown} "
                              "(not on the keyboard layout): the text is in the history; use paste for it.")
        self._send(text_events(text))

    def held_modifiers(self) -> bool:
        """False: the portal cannot tell."""
        return False

    def close(self) -> None:
        """End the connection; the frontend then closes our session (it closes the sessions of a
        client that leaves the bus: ``close_sessions_for_sender`` in 1.16)."""
        with self._lock:
            bus, self._bus, self._start = self._bus, None, None
        if bus is not None:
            bus.close()

    def checks(self) -> list[Check]:
        """Rows for "typing" and "paste"."""
        start = self._start
        try:
            if self.version is None:
                props = probe(self.bus_address, REMOTE_IFACE, ("version", "AvailableDeviceTypes"), self.call_timeout)
                if not int(props["AvailableDeviceTypes"]) & KEYBOARD:
                    raise PortalError("absent", "the desktop's RemoteDesktop portal offers no keyboard")
                self.version = int(props["version"])
                self.persists = self.version >= 2
        except PortalError as exc:
            detail = absent_sentence(exc, NO_REMOTE) if exc.kind == "absent" else str(exc)
            return [Check("typing", UNSUPPORTED, detail, PORTAL_FIX), Check("paste", UNSUPPORTED, detail, PORTAL_FIX)]
        typing = Check("typing", UNSUPPORTED,
                       "through the RemoteDesktop portal GNOME and KDE type only characters on the current keyboard "
                       "layout and drop the rest without an error (CJK, emoji)", "use paste (the insert setting)")
        asked = ("the desktop asks once, then remembers (restore token)" if self.persists else
                 f"the desktop asks at every start of Dictate (RemoteDesktop version {self.version} cannot remember it; "
                 "xdg-desktop-portal 1.17+ can)")
        if start is not None and start.done.is_set() and start.error:
            paste = Check("paste", MISSING, start.error, start.fix)
        elif start is not None and not start.done.is_set():
            paste = Check("paste", MISSING, "waiting for you to allow Dictate to control the keyboard in the desktop's "
                                            "dialog", "allow it in the desktop's dialog")
        else:
            paste = Check("paste", OK, f"Ctrl+V through the RemoteDesktop portal; {asked}; the paste chord's letter "
                                       "must be on the current keyboard layout")
        return [typing, paste]

    # ---- the session ----

    def _send(self, events: list[tuple[int, int]]) -> None:
        handle, bus = self._session()
        remote = PORTAL.with_interface(REMOTE_IFACE)
        failure: PortalError | None = None
        held: list[int] = []
        # One at a time: the frontend handles each call on a thread of its own (1.16's skeletons
        # use G_DBUS_INTERFACE_SKELETON_FLAGS_HANDLE_METHOD_INVOCATIONS_IN_THREAD): measured on the
        # test stack, 100 calls sent without waiting reached the backend out of order in 19 of 20
        # runs, one at a time in 0 of 20 (about 0.5 ms a call, 48 ms for 100). After a failure only
        # the releases of keys already down are still tried, so no key is left held.
        for keysym, state in events:
            if failure is not None and (state or keysym not in held):
                continue
            try:
                bus.call(remote, "NotifyKeyboardKeysym", "oa{sv}iu", (handle, {}, keysym, state))
            except PortalError as exc:
                failure = failure or exc
                continue
            held = [*held, keysym] if state else [k for k in held if k != keysym]
        if failure is not None:
            self._forget(bus)
            raise InsertError(f"Keys could not be sent through the desktop's RemoteDesktop portal ({failure}): "
                              "dictate again to start a new session, or restart Dictate.")

    def _session(self) -> tuple[str, PortalBus]:
        """The started session, starting one if needed; :class:`InsertError` unless it is ready
        within ``wait_s``."""
        with self._lock:
            start = self._start
            if start is None or (start.error is not None and not start.declined):
                start = self._begin()
        if not start.done.wait(self.wait_s):
            raise InsertError("Dictate is waiting for your permission to control the keyboard: allow it in the "
                              "desktop's dialog, then dictate again.")
        if start.error is not None:
            raise InsertError(f"{start.error[0].upper()}{start.error[1:]}: {start.fix}.")
        return start.handle, start.bus

    def _begin(self) -> _Start:
        start = self._start = _Start()
        threading.Thread(target=self._run, args=(start,), name="portal-remote-desktop", daemon=True).start()
        return start

    def _run(self, start: _Start) -> None:
        bus = None
        try:
            bus = open_bus(self.bus_address, self.app_id, self.call_timeout, lambda reason: self._forget(bus))
            self.version = int(bus.get_property(REMOTE_IFACE, "version"))
            self.persists = self.version >= 2
            start.handle = self._open_session(bus)
            with self._lock:
                current = self._start is start
                if current:
                    old, self._bus, start.bus = self._bus, bus, bus
            if not current:  # closed or replaced meanwhile
                raise PortalError("gone", "the keyboard was closed")
            if old is not None:
                old.close()
        except PortalError as exc:
            if bus is not None:
                bus.close()
            start.error, start.fix = self._sentence(exc)
            start.declined = exc.kind == "cancelled"
        start.done.set()

    def _open_session(self, bus: PortalBus) -> str:
        code, results = bus.request(REMOTE_IFACE, "CreateSession", "a{sv}", (), session_options(bus),
                                    self.call_timeout * 2)
        self._check(code, "CreateSession")
        handle = str(results["session_handle"])  # a string in 1.16, an object path later
        token = read_token(self.token_path) if self.persists else ""
        options = {"types": ("u", KEYBOARD)}
        if self.persists:
            options["persist_mode"] = ("u", PERSIST_UNTIL_REVOKED)
        try:
            code, _ = bus.request(REMOTE_IFACE, "SelectDevices", "oa{sv}", (handle,),
                                  {**options, **({"restore_token": ("s", token)} if token else {})},
                                  self.call_timeout * 2)
        except PortalError as exc:
            if not token or exc.kind != "error":
                raise
            self.token_path.unlink(missing_ok=True)  # a token the portal rejects (not a UUID...)
            code, _ = bus.request(REMOTE_IFACE, "SelectDevices", "oa{sv}", (handle,), options, self.call_timeout * 2)
        self._check(code, "SelectDevices")
        bus.subscribe(MatchRule(type="signal", interface=SESSION_IFACE, member="Closed", path=handle),
                      lambda msg: self._forget(bus))
        code, results = bus.request(REMOTE_IFACE, "Start", "osa{sv}", (handle, ""), {}, None)  # the dialog
        self._check(code, "Start")
        if not int(results.get("devices", 0)) & KEYBOARD:
            raise PortalError("refused", "the desktop granted no keyboard")
        if self.persists:
            if results.get("restore_token"):
                save_token(self.token_path, str(results["restore_token"]))
            else:  # single use: the one we sent is spent
                self.token_path.unlink(missing_ok=True)
        return handle

    def _check(self, code: int, step: str) -> None:
        if code == CANCELLED:
            raise PortalError("cancelled", f"{step}: the user declined")
        if code != SUCCESS:
            raise PortalError("refused", f"{step} answered {code}")

    def _forget(self, bus: PortalBus | None) -> None:
        """The session ended (closed by the desktop, portal gone): the next use starts anew."""
        with self._lock:
            if bus is None or bus is not self._bus:
                return
            self._bus, self._start = None, None
        bus.close()

    def _sentence(self, exc: PortalError) -> tuple[str, str]:
        """(what happened, the fix) for a session that did not start."""
        if exc.kind == "cancelled":
            return ("you declined Dictate's request to control the keyboard in the desktop's dialog",
                    "restart Dictate to be asked again")
        if exc.kind == "absent":
            return absent_sentence(exc, NO_REMOTE), PORTAL_FIX
        if exc.kind == "gone":
            return f"the desktop portal went away ({exc})", "dictate again, or restart Dictate"
        return f"the desktop's RemoteDesktop portal did not start a keyboard session ({exc})", "restart Dictate"
