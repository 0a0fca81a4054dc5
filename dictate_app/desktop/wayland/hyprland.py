"""Hyprland's parts of the desktop interface, through its sockets (:mod:`.hyprland_ipc`).

**Hotkey.** Dictate adds its own binds at run time, so the user configures nothing: ``bind`` for
the press and ``bindr`` for the release, each running Hyprland's ``event`` dispatcher (0.42+,
``src/managers/KeybindManager.cpp``: it writes ``custom>>ARG`` to the event socket). That is the
cheapest way to reach us: no process per key event (``exec`` would fork a shell for each press and
release) and no D-Bus portal session (the ``global`` dispatcher needs xdg-desktop-portal-hyprland
and a GlobalShortcuts session). A bind consumes its key unless it has the ``n`` flag, so the
focused app never sees it; a plain ``bind`` does not repeat (``binde`` would). A modifier-only
key is released with its own modifier down, so its release bind carries that modifier (wiki,
Binds, "Binding modkeys only": ``bindr = ALT, ALT_L, ...``). Hyprland runs every bind of a key,
so a key the user bound already is refused rather than shared. A config reload (event
``configreloaded``) drops runtime binds and rules: they are added again.

**Rules** for the popup (float, pinned to every workspace, never focused, bottom centre) are
spelled three ways: ``windowrulev2`` before 0.53, the ``match:`` syntax of 0.53-0.54 (and of
hyprlang configs since), and Lua (``hl.window_rule``) under a Lua config (0.55+).

Nothing here has run against a real Hyprland (none on the bench): the tests drive a fake
Hyprland socket server with the request format above and assert the exact requests.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable

from dictate_app.desktop import keys
from dictate_app.desktop.base import MISSING, OK, Check, HotkeyError, PressCallback, Window
from dictate_app.desktop.wayland.hold import BindingHotkey
from dictate_app.desktop.wayland.hyprland_ipc import (
    LUA_ONLY,
    HyprlandGone,
    HyprlandSocket,
    lua_string,
    regex_literal,
    version_of,
)

log = logging.getLogger(__name__)

LEGACY, LUA = "legacy", "lua"
EVENT_DISPATCHER_SINCE = (0, 42)
MATCH_RULES_SINCE = (0, 53)
# Hyprland's modifier names and masks (src/managers/KeybindManager.cpp, stringToModMask).
_HYPR_MODIFIER = {"ctrl": ("CTRL", 4), "shift": ("SHIFT", 1), "alt": ("ALT", 8), "super": ("SUPER", 64)}
# The popup's bottom edge this far above the monitor's bottom; before 0.53 a rule cannot centre
# and move at once, so x is computed from the monitor and the popup's fixed width (popup.py).
POPUP_BOTTOM_GAP_PX = 110
POPUP_WIDTH_PX = 420


def fallback_lines(key: str) -> str:
    sym = keys.xkb_name(key)
    return f"`bind = , {sym}, exec, dictate-app start` and `bindr = , {sym}, exec, dictate-app stop`"


def release_modifier(key: str) -> tuple[str, int]:
    """The modifier (name, mask) held while a modifier-only ``key`` is released, else ("", 0)."""
    name = keys.normalize_key(key)
    if name in keys.MODIFIER_KEYS and name != "alt_gr":
        return _HYPR_MODIFIER[name.split("_")[0]]
    return ("", 0)


def _lua_keys(mods: str, sym: str) -> str:
    return lua_string(f"{mods} + {sym}" if mods else sym)


def bind_command(dialect: str, mods: str, sym: str, event: str, release: bool = False) -> str:
    """One bind that sends ``event`` to the event socket."""
    if dialect == LUA:
        flags = ", { release = true }" if release else ""
        return f"eval hl.bind({_lua_keys(mods, sym)}, hl.dsp.event({lua_string(event)}){flags})"
    return f"keyword {'bindr' if release else 'bind'} {mods},{sym},event,{event}"


def unbind_command(dialect: str, mods: str, sym: str) -> str:
    """Removes every bind of ``mods`` + ``sym`` (press and release alike: removeKeybind)."""
    if dialect == LUA:
        return f"eval hl.unbind({_lua_keys(mods, sym)})"
    return f"keyword unbind {mods},{sym}"


def hotkey_binds(key: str) -> list[tuple[str, str, str]]:
    """(modifiers, keysym, action) of the hotkey's binds: press, then release."""
    sym = keys.xkb_name(key)
    return [("", sym, "press"), (release_modifier(key)[0], sym, "release")]


def escape_binds(key: str) -> list[tuple[str, str, str]]:
    """Esc, and Esc with the hotkey's modifier when the hotkey is one (held during the hold)."""
    mods = release_modifier(key)[0]
    return [("", "Escape", "escape")] + ([(mods, "Escape", "escape")] if mods else [])


def popup_rules(dialect: str, version: tuple[int, int], app_id: str, title: str, monitor_width: int = 0) -> list[str]:
    """The requests that make the popup float, stay on every workspace and never take focus."""
    app = f"^({regex_literal(app_id)})$"
    name = f"^({regex_literal(title)})($|: )"
    if dialect == LUA:
        return [f"eval hl.window_rule({{ match = {{ class = {lua_string(app)}, title = {lua_string(name)} }}, "
                "float = true, pin = true, no_initial_focus = true, no_focus = true, "
                f'move = {{ "(monitor_w-window_w)*0.5", "monitor_h-window_h-{POPUP_BOTTOM_GAP_PX}" }} }})']
    if version >= MATCH_RULES_SINCE:
        return [f"keyword windowrule match:class {app}, match:title {name}, float on, pin on, "
                f"no_initial_focus on, no_focus on, "
                f"move ((monitor_w-window_w)*0.5) (monitor_h-window_h-{POPUP_BOTTOM_GAP_PX})"]
    x = max(0, (monitor_width - POPUP_WIDTH_PX) // 2)
    effects = ("float", "pin", "nofocus", "noinitialfocus", f"move {x} 100%-w-{POPUP_BOTTOM_GAP_PX}")
    return [f"keyword windowrulev2 {effect}, class:{app}, title:{name}" for effect in effects]


class _Events:
    """A daemon thread reading the event socket's lines for ``handler(event, data)``."""

    def __init__(self, hypr: HyprlandSocket, handler: Callable[[str, str], None]) -> None:
        self._sock = hypr.events()  # raises HyprlandGone
        self._handler = handler
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="hyprland-events", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = self._sock.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                if not self._closed:
                    log.warning("Hyprland's event socket closed: Dictate's binds stop working")
                return
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                event, _, data = line.decode("utf-8", errors="replace").partition(">>")
                try:
                    self._handler(event, data)
                except Exception:  # a bug in a handler must not end the thread
                    log.exception("handling Hyprland's %s event failed", event)

    def close(self) -> None:
        self._closed = True
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        if self._thread is not threading.current_thread():
            self._thread.join(2.0)


class _Speaker:
    """Sends config requests in the dialect Hyprland accepts (found at the first refusal)."""

    def __init__(self, hypr: HyprlandSocket) -> None:
        self.hypr = hypr
        self.dialect = LEGACY

    def send(self, build: Callable[[str], str]) -> None:
        """``build(dialect)`` -> request; raises RuntimeError with Hyprland's answer if refused."""
        answer = self.hypr.request(build(self.dialect)).strip()
        if self.dialect == LEGACY and LUA_ONLY in answer:
            self.dialect = LUA
            answer = self.hypr.request(build(self.dialect)).strip()
        if answer != "ok":
            raise RuntimeError(answer or "no answer")


class HyprlandHotkey(BindingHotkey):
    """The push-to-talk key as Hyprland binds (see the module docstring)."""

    _failures = (HyprlandGone, RuntimeError)

    def __init__(self, hypr: HyprlandSocket | None = None) -> None:
        super().__init__()
        self.hypr = hypr or HyprlandSocket()
        self._speaker = _Speaker(self.hypr)
        self._socket_events: _Events | None = None
        self._bound: list[tuple[str, str]] = []  # (mods, sym) bound by us, to unbind

    def start(self, key: str, press: PressCallback, release: PressCallback,
              escape: Callable[[], None]) -> str | None:
        self._begin(key, press, release, escape)
        label, fallback = keys.key_label(self.key), fallback_lines(self.key)  # stop() forgets the key
        try:
            version = version_of(self.hypr.json("version") or {})
            if version < EVENT_DISPATCHER_SINCE:
                raise HotkeyError(f"Hyprland {version[0]}.{version[1]} cannot send key events to Dictate "
                                  f"(that needs 0.42 or later): update Hyprland, or add {fallback} to hyprland.conf.")
            self._socket_events = _Events(self.hypr, self._on_event)
            warning = self._bind()
        except HyprlandGone as exc:
            self.stop()
            raise HotkeyError(f"Hyprland's socket is not reachable ({exc}), so Dictate cannot bind {label}: "
                              f"add {fallback} to hyprland.conf.") from None
        except RuntimeError as exc:
            self.stop()
            raise HotkeyError(f"Hyprland refused to bind {label} ({exc}): choose another hotkey.") from None
        except HotkeyError:
            self.stop()
            raise
        return warning

    def _bind(self) -> str | None:
        sym = keys.xkb_name(self.key)
        mods, mask = release_modifier(self.key)
        theirs = [b for b in self.hypr.json("binds") or []
                  if str(b.get("key", "")).lower() == sym.lower() and b.get("modmask") in (0, mask)
                  and not b.get("submap") and not str(b.get("arg", "")).startswith("dictate-hotkey-")]
        warning = None
        label = keys.key_label(self.key)
        if theirs and all("dictate-app" in str(b.get("arg", "")) for b in theirs):
            warning = (f"{label} runs `{theirs[0].get('dispatcher')} {theirs[0].get('arg')}` in your Hyprland "
                       "config; Dictate binds it itself while it runs, so that line can go.")
        elif theirs:
            raise HotkeyError(f"{label} is already bound in Hyprland (`{theirs[0].get('dispatcher')} "
                              f"{theirs[0].get('arg')}`) and Dictate will not share it: choose another hotkey, "
                              "or remove that bind.")
        self._escape_free = not any(str(b.get("key", "")).lower() == "escape" and not b.get("submap")
                                    for b in self.hypr.json("binds") or [])
        with self._lock:
            if warning:  # the user's own Dictate bind would run too: it goes (until a reload)
                for combo in dict.fromkeys((m, s) for m, s, _ in hotkey_binds(self.key)):
                    self._speaker.send(lambda d, c=combo: unbind_command(d, *c))
            self._add(hotkey_binds(self.key))
            if self._escape_wanted and self._escape_free:
                self._bind_escape()
        return warning

    def _add(self, binds: list[tuple[str, str, str]]) -> None:
        for mods, sym, action in binds:
            event = f"{self.marker}:{action}"
            self._speaker.send(lambda d: bind_command(d, mods, sym, event, release=action == "release"))
            if (mods, sym) not in self._bound:
                self._bound.append((mods, sym))

    def _remove(self, combos: list[tuple[str, str]]) -> None:
        for combo in list(combos):
            try:
                self._speaker.send(lambda d: unbind_command(d, *combo))
            except RuntimeError as exc:
                log.info("Hyprland: %s", exc)
            if combo in self._bound:
                self._bound.remove(combo)

    def stop(self) -> None:
        with self._lock:
            try:
                self._remove(self._bound)
            except HyprlandGone as exc:
                log.info("Hyprland is gone; its binds went with it (%s)", exc)
            self._bound = []
            self._escape_wanted = False
            self.key = ""  # a set_escape() after stop() binds nothing
        if self._socket_events is not None:
            self._socket_events.close()
            self._socket_events = None

    def _bind_escape(self) -> None:
        self._add(escape_binds(self.key))

    def _unbind_escape(self) -> None:
        self._remove([(m, s) for m, s, _ in escape_binds(self.key)])

    def checks(self) -> list[Check]:
        try:
            version = version_of(self.hypr.json("version") or {})
        except HyprlandGone as exc:
            fix = f"run Dictate inside the Hyprland session, or add {fallback_lines(self.key or 'f9')} to hyprland.conf"
            return [Check("hotkey", MISSING, f"Hyprland's socket is not reachable ({exc}).", fix),
                    Check("key kept from the app", MISSING, "without Hyprland's socket Dictate binds no key.", fix)]
        if version < EVENT_DISPATCHER_SINCE:
            fix = f"update Hyprland to 0.42 or later, or add {fallback_lines(self.key or 'f9')} to hyprland.conf"
            return [Check("hotkey", MISSING, f"Hyprland {version[0]}.{version[1]} has no event dispatcher.", fix),
                    Check("key kept from the app", MISSING, "Dictate binds no key on this Hyprland.", fix)]
        return [Check("hotkey", OK, "Dictate binds the hotkey in Hyprland and reads its events."),
                Check("key kept from the app", OK, "Hyprland consumes a bound key: the app never sees it.")]

    def _on_event(self, event: str, data: str) -> None:
        if event == "configreloaded":
            with self._lock:
                self._bound = []
                try:
                    self._bind()
                except (HotkeyError, HyprlandGone, RuntimeError) as exc:
                    log.error("Hyprland reloaded its config and the hotkey could not be bound again: %s", exc)
            return
        marker, _, action = data.rpartition(":")
        if event == "custom" and marker == self.marker:  # not another program's event
            self._events.action(action)


class HyprlandWindows:
    """The focused window from ``j/activewindow``."""

    def __init__(self, hypr: HyprlandSocket | None = None) -> None:
        self.hypr = hypr or HyprlandSocket()

    def focused(self) -> Window | None:
        try:
            window = self.hypr.json("activewindow") or {}
        except HyprlandGone as exc:
            log.debug("no focused window from Hyprland: %s", exc)
            return None
        if not window.get("address"):
            return None  # "{}": no window has the focus
        return Window(id=str(window["address"]), app=str(window.get("class") or ""),
                      title=str(window.get("title") or ""), pid=window.get("pid"))

    def checks(self) -> list[Check]:
        try:
            self.hypr.json("version")
        except HyprlandGone as exc:
            return [Check("focus identity", MISSING, f"Hyprland's socket is not reachable ({exc}).",
                          "run Dictate inside the Hyprland session")]
        return [Check("focus identity", OK, "the focused window's class, title and pid come from Hyprland.")]


class HyprlandPopup:
    """Rules that keep Dictate's popup floating, pinned and unfocused; again after a reload."""

    def __init__(self, hypr: HyprlandSocket | None = None) -> None:
        self.hypr = hypr or HyprlandSocket()
        self._speaker = _Speaker(self.hypr)
        self._wanted: tuple[str, str] | None = None
        self._events: _Events | None = None

    def prepare(self, app_id: str, title: str) -> None:
        self._wanted = (app_id, title)
        self._apply()
        if self._events is None:
            try:
                self._events = _Events(self.hypr, lambda event, data: event == "configreloaded" and self._apply())
            except HyprlandGone as exc:
                log.warning("the popup's rules will not survive a Hyprland reload: %s", exc)

    def _apply(self) -> None:
        if self._wanted is None:
            return
        try:
            version = version_of(self.hypr.json("version") or {})
            width = 0
            if version < MATCH_RULES_SINCE:
                monitors = self.hypr.json("monitors") or []
                monitor = next((m for m in monitors if m.get("focused")), monitors[0] if monitors else {})
                width = int(monitor.get("width", 0) / (monitor.get("scale") or 1))
            rules = popup_rules(self._speaker.dialect, version, *self._wanted, width)
            for index in range(len(rules)):
                self._speaker.send(lambda d, i=index: popup_rules(d, version, *self._wanted, width)[i])
        except (HyprlandGone, RuntimeError) as exc:
            log.warning("Hyprland did not take the popup's rules (%s): it may be tiled and take focus", exc)

    def close(self) -> None:
        if self._events is not None:
            self._events.close()
            self._events = None
