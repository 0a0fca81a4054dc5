"""The push-to-talk key on GNOME (48+) and KDE Plasma (5.27+) through the XDG GlobalShortcuts portal
(Qt-free). The keyboard part (typing, the paste chord) is :mod:`.portal_keyboard`.

``org.freedesktop.portal.GlobalShortcuts``: ``CreateSession`` (a session of our own),
``BindShortcuts`` with one shortcut, id ``push-to-talk``, whose ``preferred_trigger`` is our key in
the XDG shortcuts format (modifiers ``CTRL``/``ALT``/``SHIFT``/``NUM``/``LOGO`` and an xkb keysym
name joined by ``+``; our hotkey is one key, so just the keysym name: ``F9``, ``Control_R``), then
``ListShortcuts`` for what the desktop really bound (the user may pick another key, and KDE answers
``BindShortcuts`` with no list). ``Activated`` / ``Deactivated`` are press and release.

Facts that shape it:

- The user confirms the binding in a desktop dialog, which can take minutes, so :meth:`start`
  returns within ``settle_s``: None when the desktop already answered (a returning shortcut binds
  without a dialog on KDE), else a warning sentence; the outcome arrives later and is reported
  through :meth:`checks` and the ``on_change`` callback (see :class:`PortalHotkey`).
- The compositor consumes a bound shortcut: the focused app never sees the key
  (``keeps_key_from_app``).
- No Esc cancel: binding Esc only while recording would take a desktop dialog per recording, and
  binding it for good would take Esc from every app. :meth:`set_escape` does nothing; the tray's
  Cancel and ``dictate-app cancel`` remain.
- Timestamps have "millisecond granularity, with an undefined base" (the portal documentation), so
  a press is stamped with our monotonic clock when it arrives and the release with the press plus
  the hold the desktop measured; a hold the desktop reports longer than we saw (plus a second) is
  taken as a clock we do not understand, and our own clock is used instead.
- 1.16 broadcasts the signals to every client (1.17 sends them to the session's owner only):
  they are filtered by session handle. KDE may repeat ``Activated`` while the key is held; only
  the first counts.
- xdg-desktop-portal 1.21+ refuses GlobalShortcuts sessions from applications without an id: the
  connection registers ``app_id`` first (``org.freedesktop.host.portal.Registry``, 1.19.1+); the
  id must be the basename of an installed ``.desktop`` file (GNOME 50 also wants a valid
  GApplication id, reverse-DNS).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from jeepney import HeaderFields, MatchRule, Message

from dictate_app.desktop.base import MISSING, OK, UNSUPPORTED, Check, HotkeyError, PressCallback
from dictate_app.desktop.keys import KeyNameError, key_label, xkb_name
from dictate_app.desktop.wayland.portal_dbus import (
    CANCELLED, PORTAL_PATH, SESSION_IFACE, SUCCESS, PortalBus, PortalError, plain, session_object,
)

SHORTCUTS_IFACE = "org.freedesktop.portal.GlobalShortcuts"
SHORTCUT_ID = "push-to-talk"
DESCRIPTION = "Dictate: hold to talk"
APP_ID = "dictate-app"  # packaging/linux/dictate-app.desktop

NO_PORTAL_FIX = "bind `dictate-app toggle` to a key in the desktop's keyboard settings instead"
NO_SHORTCUTS = ("the desktop's portal has no GlobalShortcuts (GNOME 48+ or KDE Plasma 5.27+ needed)",
                f"{NO_PORTAL_FIX[0].upper()}{NO_PORTAL_FIX[1:]}")
# A hold the desktop reports this much longer than we observed means a clock we misread.
_HOLD_SLACK_MS = 1000.0


def preferred_trigger(key: str) -> str:
    """Our key name in the XDG shortcuts format: ``f9`` -> ``F9``, ``ctrl_r`` -> ``Control_R``."""
    return xkb_name(key)


def session_options(bus: PortalBus) -> dict:
    """CreateSession's options: a session token (1.16 refuses a session without one)."""
    return {"session_handle_token": ("s", bus.token("dictate"))}


def open_bus(address: str | None, app_id: str, call_timeout: float, on_lost=None) -> PortalBus:
    """A connection registered under ``app_id`` where the frontend has the registry."""
    bus = PortalBus(address, call_timeout=call_timeout, on_lost=on_lost)
    try:
        bus.register_app(app_id)
    except PortalError:
        bus.close()
        raise
    return bus


def probe(address: str | None, interface: str, names: tuple[str, ...], call_timeout: float) -> dict:
    """The named properties of a portal interface (``version``...), for checks before start;
    raises :class:`PortalError` (``absent`` when there is no portal or no such interface)."""
    bus = PortalBus(address, call_timeout=call_timeout)
    try:
        return {name: bus.get_property(interface, name) for name in names}
    finally:
        bus.close()


def absent_sentence(exc: PortalError, interface_missing: str) -> str:
    """One clause for an ``absent`` PortalError: no portal at all, or no such interface."""
    if exc.dbus_name in ("org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner"):
        return "no XDG desktop portal (xdg-desktop-portal) runs on the session bus"
    if "session bus" in str(exc):
        return str(exc)
    return interface_missing


class PortalHotkey:
    """:class:`~dictate_app.desktop.base.HotkeySource` over the GlobalShortcuts portal.

    ``on_change()`` is called from any thread whenever what :meth:`checks` reports changes after
    :meth:`start` returned: the binding confirmed or refused in the dialog, the shortcut changed in
    the desktop's settings, the portal gone. ``error`` then holds the sentence of a failure.
    ``bus_address``: the session bus (tests use a private one); ``settle_s``: how long start()
    waits for the desktop's first answer.
    """

    keeps_key_from_app = True

    def __init__(self, *, bus_address: str | None = None, app_id: str = APP_ID,
                 on_change: Callable[[], None] | None = None, call_timeout: float = 5.0, settle_s: float = 0.5):
        self.bus_address = bus_address
        self.app_id = app_id
        self.on_change = on_change
        self.call_timeout = call_timeout
        self.settle_s = settle_s
        self.state = "idle"  # idle, binding, bound, failed, stopped
        self.error: str | None = None
        self.trigger = ""  # what the desktop says triggers it ("F9", "Ctrl+Alt+D")
        self.version: int | None = None
        self._key = ""
        self._bus: PortalBus | None = None
        self._session = ""
        self._press: PressCallback = lambda ms: None
        self._release: PressCallback = lambda ms: None
        self._down: tuple[float, int] | None = None  # (our ms, the desktop's ms) of the press
        self._settled = threading.Event()
        self._lock = threading.Lock()

    # ---- HotkeySource ----

    def start(self, key: str, press: PressCallback, release: PressCallback,
              escape: Callable[[], None]) -> str | None:
        """Create the session and ask the desktop to bind ``key``; raises :class:`HotkeyError`
        when the portal cannot. Returns a warning while the desktop's dialog waits for the user."""
        try:
            trigger = preferred_trigger(key)
        except KeyNameError as exc:
            raise HotkeyError(str(exc)) from None
        self.stop()
        self._key, self._press, self._release = key, press, release
        self.state, self.error, self.trigger, self._down = "binding", None, "", None
        self._settled.clear()
        try:
            self._bus = open_bus(self.bus_address, self.app_id, self.call_timeout, self._lost)
            self.version = int(self._bus.get_property(SHORTCUTS_IFACE, "version"))
            code, results = self._bus.request(SHORTCUTS_IFACE, "CreateSession", "a{sv}", (),
                                              session_options(self._bus), self.call_timeout * 2)
            if code != SUCCESS:
                raise PortalError("refused", f"the desktop refused a GlobalShortcuts session (response {code})")
            self._session = str(results["session_handle"])  # a string in 1.16, an object path later
            self._listen(self._bus, self._session)
            future, _handle = self._bus.request_async(
                SHORTCUTS_IFACE, "BindShortcuts", "oa(sa{sv})sa{sv}",
                (self._session, [(SHORTCUT_ID, {"description": ("s", DESCRIPTION),
                                                "preferred_trigger": ("s", trigger)})], ""), {})
        except PortalError as exc:
            self.stop()
            self.state, self.error = "failed", self._start_sentence(exc)
            raise HotkeyError(self.error) from None
        future.add_done_callback(self._bound)
        if self._settled.wait(self.settle_s):
            if self.state == "failed":
                error = self.error
                self.stop()
                self.state, self.error = "failed", error
                raise HotkeyError(error)
            return None
        return (f"Confirm Dictate's push-to-talk shortcut ({key_label(key)}) in the desktop's dialog: "
                "the key works once you accept it.")

    def stop(self) -> None:
        """Close the session (the desktop drops the binding's activation) and the connection."""
        bus, session = self._bus, self._session
        self._bus, self._session = None, ""
        if self.state != "idle":
            self.state = "stopped"  # before closing: the failing wait must not count as a failure
        if bus is not None:
            if session and not bus.lost:
                try:
                    bus.call(session_object(session), "Close", timeout=1.0)
                except PortalError:
                    pass
            bus.close()

    def set_escape(self, wanted: bool) -> None:
        """Nothing: Esc is not bound on portals (each binding takes a desktop dialog)."""

    def checks(self) -> list[Check]:
        """Rows for "hotkey", "key kept from the app" and "esc cancel"."""
        esc = Check("esc cancel", UNSUPPORTED,
                    "Esc cannot be bound only while recording: every binding goes through the desktop's dialog",
                    "cancel from the tray menu or with `dictate-app cancel`")
        if self.state == "idle":
            try:
                self.version = int(probe(self.bus_address, SHORTCUTS_IFACE, ("version",), self.call_timeout)["version"])
            except PortalError as exc:
                detail = absent_sentence(exc, NO_SHORTCUTS[0]) if exc.kind == "absent" else str(exc)
                return [Check("hotkey", UNSUPPORTED, detail, NO_SHORTCUTS[1]),
                        Check("key kept from the app", UNSUPPORTED, "no portal shortcut to keep the key", NO_SHORTCUTS[1]),
                        esc]
        kept = Check("key kept from the app", OK, "the desktop consumes its shortcuts: the focused app never sees the key")
        label = key_label(self._key) if self._key else "the hotkey"
        if self.state == "idle":
            row = Check("hotkey", OK, f"the desktop's GlobalShortcuts portal (version {self.version}); the desktop "
                                      "asks once to confirm the shortcut")
        elif self.state == "binding":
            row = Check("hotkey", MISSING, f"waiting for you to confirm the push-to-talk shortcut ({label}) in the "
                                           "desktop's dialog", "accept the shortcut in the desktop's dialog")
        elif self.state == "bound" and self.trigger:
            row = Check("hotkey", OK, f"bound through the GlobalShortcuts portal; the desktop triggers it with {self.trigger}")
        elif self.state == "bound":
            row = Check("hotkey", MISSING, "the push-to-talk shortcut is bound but has no key",
                        "give Dictate's \"hold to talk\" shortcut a key in the desktop's keyboard shortcut settings")
        elif self.state == "failed":
            row = Check("hotkey", MISSING, self.error or "the shortcut failed", NO_PORTAL_FIX)
        else:
            row = Check("hotkey", MISSING, "the push-to-talk shortcut is not active (stopped)", "restart Dictate")
        return [row, kept, esc]

    # ---- the desktop's answers (receiver thread) ----

    def _listen(self, bus: PortalBus, session: str) -> None:
        for member in ("Activated", "Deactivated", "ShortcutsChanged"):
            bus.subscribe(MatchRule(type="signal", interface=SHORTCUTS_IFACE, member=member, path=PORTAL_PATH),
                          self._signal)
        bus.subscribe(MatchRule(type="signal", interface=SESSION_IFACE, member="Closed", path=session),
                      lambda msg: self._fail("The desktop closed Dictate's shortcut session: restart Dictate "
                                             "to bind the push-to-talk key again."))

    def _signal(self, msg: Message) -> None:
        body = msg.body
        if str(body[0]) != self._session:
            return  # another client's session (1.16 broadcasts)
        member = msg.header.fields[HeaderFields.member]
        if member == "ShortcutsChanged":
            self._take_shortcuts(plain("a(sa{sv})", body[1]))
            self._changed()
        elif body[1] == SHORTCUT_ID and member == "Activated":
            self._activated(int(body[2]))
        elif body[1] == SHORTCUT_ID and member == "Deactivated":
            self._deactivated(int(body[2]))

    def _activated(self, stamp: int) -> None:
        with self._lock:
            if self._down is not None:
                return  # a repeat while held
            now = time.monotonic() * 1000
            self._down = (now, stamp)
        self._press(now)

    def _deactivated(self, stamp: int) -> None:
        with self._lock:
            if self._down is None:
                return
            (ours, theirs), self._down = self._down, None
        seen = time.monotonic() * 1000 - ours
        held = stamp - theirs
        self._release(ours + (held if 0 <= held <= seen + _HOLD_SLACK_MS else seen))

    def _bound(self, future) -> None:
        try:
            code, results = future.result()
        except PortalError as exc:
            return self._fail(self._bind_sentence(exc.kind, str(exc)))
        if code != SUCCESS:
            return self._fail(self._bind_sentence("cancelled" if code == CANCELLED else "refused", f"response {code}"))
        if "shortcuts" in results:
            self._take_shortcuts(results["shortcuts"])
        self.state = "bound"
        # KDE answers BindShortcuts without the list: ask what the desktop bound. Not on this
        # (receiver) thread: its reply would never be read here.
        threading.Thread(target=self._list, name="portal-list-shortcuts", daemon=True).start()

    def _list(self) -> None:
        bus = self._bus
        try:
            if bus is not None:
                code, results = bus.request(SHORTCUTS_IFACE, "ListShortcuts", "oa{sv}", (self._session,), {},
                                            self.call_timeout * 2)
                if code == SUCCESS and "shortcuts" in results:
                    self._take_shortcuts(results["shortcuts"])
        except PortalError:
            pass  # the binding stands; the row shows the key we asked for
        self._settled.set()
        self._changed()

    def _take_shortcuts(self, shortcuts) -> None:
        for shortcut_id, props in shortcuts:
            if shortcut_id == SHORTCUT_ID:
                self.trigger = str(props.get("trigger_description", "")) or self.trigger

    def _lost(self, reason: str) -> None:
        self._fail(f"The desktop portal went away ({reason}): restart Dictate to use the push-to-talk key.")

    def _fail(self, sentence: str) -> None:
        if self.state in ("stopped", "idle"):
            return
        self.state, self.error = "failed", sentence
        with self._lock:
            down, self._down = self._down, None
        if down is not None:  # never leave a recording running on a key we no longer see
            self._release(time.monotonic() * 1000)
        self._settled.set()
        self._changed()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def _start_sentence(self, exc: PortalError) -> str:
        if exc.kind == "absent":
            clause = absent_sentence(exc, NO_SHORTCUTS[0])
            return f"{clause[0].upper()}{clause[1:]}: {NO_PORTAL_FIX}."
        return f"The desktop's GlobalShortcuts portal failed ({exc}): {NO_PORTAL_FIX}."

    def _bind_sentence(self, kind: str, detail: str) -> str:
        key = key_label(self._key)
        if kind == "cancelled":
            return (f"You declined Dictate's push-to-talk shortcut ({key}) in the desktop's dialog: restart "
                    f"Dictate to be asked again, or {NO_PORTAL_FIX}.")
        if kind == "gone":
            return f"The desktop portal went away ({detail}): restart Dictate to use the push-to-talk key."
        return f"The desktop refused Dictate's push-to-talk shortcut ({key}; {detail}): {NO_PORTAL_FIX}."

