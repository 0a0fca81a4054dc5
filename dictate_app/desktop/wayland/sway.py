"""sway's parts of the desktop interface: the hotkey, the focused window, the popup's rules.

Everything goes through sway's IPC (:mod:`.sway_ipc`); the user configures nothing.

- :class:`SwayHotkey` binds the key itself at start (``bindsym --no-repeat F9 nop <marker>
  press`` and ``bindsym --release F9 nop <marker> release``) and reads sway's ``binding`` events
  on a connection of its own. sway runs a bound key's binding instead of sending the key to the
  focused window, so no app ever sees it. ``stop()`` removes exactly what it added. A ``swaymsg
  reload`` drops runtime bindings and rules (measured), so both are added again on sway's
  ``workspace`` event with change ``reload``.
- :class:`SwayWindows`: the focused window from GET_TREE.
- :class:`SwayPopup`: runtime criteria rules that make Dictate's popup (a Qt xdg_toplevel, which
  sway would otherwise tile and focus) float, stay on every workspace and never take focus.

Facts measured on the bench (sway 1.7): a held binding repeats every ~40 ms after ~600 ms (24
press events in a 1.5 s hold) and once with ``--no-repeat``; a release binding is dropped when any
other key goes down during the hold (see :mod:`.hold`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from dictate_app.desktop import keys
from dictate_app.desktop.base import MISSING, OK, Check, HotkeyError, PressCallback, Window
from dictate_app.desktop.wayland.hold import BindingHotkey, Hold
from dictate_app.desktop.wayland.sway_config import (
    bindings_of_key,
    config_bindings,
    quote_regex,
)
from dictate_app.desktop.wayland.sway_ipc import (
    GET_CONFIG,
    GET_WORKSPACES,
    GET_TREE,
    GET_VERSION,
    Connection,
    EventListener,
    SwayCommandError,
    SwayGone,
    SwayIPC,
    reachable,
)

log = logging.getLogger(__name__)

# The modifier a modifier-only hotkey holds down, by sway's name: while Right Ctrl is held, Esc
# arrives as Ctrl+Escape, which a plain `bindsym Escape` does not match.
_SWAY_MODIFIER = {"ctrl": "Ctrl", "shift": "Shift", "alt": "Mod1", "super": "Mod4"}
# Where the popup's centre goes: this far above the bottom edge of the focused output (clear of a
# bottom bar), horizontally centred.
POPUP_CENTRE_ABOVE_BOTTOM_PX = 150


def fallback_lines(key: str) -> str:
    """The sway config lines that give hold-to-talk without IPC (``dictate-app start|stop``)."""
    sym = keys.xkb_name(key)
    return f"`bindsym {sym} exec dictate-app start` and `bindsym --release {sym} exec dictate-app stop`"


def hotkey_commands(key: str, marker: str, no_repeat: bool = True) -> list[str]:
    """The bindings for ``key`` (one of our key names): press, then release."""
    sym = keys.xkb_name(key)
    repeat = "--no-repeat " if no_repeat else ""
    return [f"bindsym {repeat}{sym} nop {marker} press", f"bindsym --release {sym} nop {marker} release"]


def escape_combos(key: str) -> list[str]:
    """The Esc combinations to bind while a recording runs: ``Escape``, plus the hotkey's own
    modifier with Escape when the hotkey is a modifier key (held during a hold)."""
    name = keys.normalize_key(key)
    combos = ["Escape"]
    if name in keys.MODIFIER_KEYS and name != "alt_gr":
        combos.append(f"{_SWAY_MODIFIER[name.split('_')[0]]}+Escape")
    return combos


def unbind_command(bind: str) -> str:
    """``bindsym [flags] KEYS nop ...`` -> ``unbindsym [flags] KEYS``."""
    words = bind.split()
    end = next(i for i, word in enumerate(words[1:], 1) if not word.startswith("--"))
    return " ".join(["unbindsym", *words[1:end + 1]])


def criteria(app_id: str, title: str) -> str:
    """Criteria for Dictate's popup: its app_id, and its title or ``title: text`` (popup.py mirrors
    the shown text in the title)."""
    return f'[app_id="^{quote_regex(app_id)}$" title="^{quote_regex(title)}($|: )"]'


def popup_commands(app_id: str, title: str, area_height: int) -> list[str]:
    """The runtime rules for the popup. ``for_window``'s command list is quoted: at run time sway
    splits a command on unquoted commas before ``for_window`` sees it (sway/commands.c).
    ``area_height``: the focused workspace's height, which is the output's less its bars (``move
    position center`` centres in it), so the popup sits above a bottom bar, not on it."""
    down = max(0, area_height // 2 - POPUP_CENTRE_ABOVE_BOTTOM_PX)
    rule = criteria(app_id, title)
    return [f"no_focus {rule}",
            f'for_window {rule} "floating enable, sticky enable, border none, '
            f'move position center, move down {down} px"']


def window_of(node: dict) -> Window:
    """A sway tree node -> :class:`Window` (XWayland windows have no app_id, but X11 properties)."""
    app = node.get("app_id") or ""
    if not app:
        props = node.get("window_properties") or {}
        app = " ".join(dict.fromkeys(p for p in (props.get("instance"), props.get("class")) if p))
    return Window(id=str(node["id"]), app=app, title=node.get("name") or "", pid=node.get("pid"))


def focused_node(tree: dict) -> dict | None:
    """The focused window of a GET_TREE answer, or None (an empty workspace has the focus)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if node.get("focused"):
            return node if node.get("type") in ("con", "floating_con") and node.get("pid") else None
        stack.extend(node.get("nodes", ()))
        stack.extend(node.get("floating_nodes", ()))
    return None


class SwayHotkey(BindingHotkey):
    """The push-to-talk key as sway bindings (see the module docstring). ``connect`` makes an IPC
    connection (tests pass fakes)."""

    _failures = (SwayGone, SwayCommandError)

    def __init__(self, connect: Callable[[], SwayIPC] = SwayIPC, read_file: Callable[[str], str] | None = None) -> None:
        super().__init__()
        self._new_conn = connect
        self._read_file = read_file
        self._conn = Connection(connect)
        self._listener: EventListener | None = None
        self._bound: list[str] = []  # the bind commands in force, in the order they were made

    # ---- HotkeySource --------------------------------------------------------------------

    def start(self, key: str, press: PressCallback, release: PressCallback,
              escape: Callable[[], None]) -> str | None:
        self._begin(key, press, release, escape)
        listener = EventListener(["binding", "workspace"], self._on_event, self._on_gone, self._new_conn)
        try:
            listener.start()  # before binding: no event is missed
            warning = self._bind()
        except (SwayGone, SwayCommandError, HotkeyError) as exc:
            name = self.key
            self._listener = listener
            self.stop()  # whatever was bound before the failure goes again
            if isinstance(exc, HotkeyError):
                raise
            if isinstance(exc, SwayCommandError):
                raise HotkeyError(f"sway refused to bind {keys.key_label(name)} ({exc}): "
                                  "choose another hotkey.") from None
            raise HotkeyError(f"sway's IPC is not reachable ({exc}), so Dictate cannot bind "
                              f"{keys.key_label(name)}: run Dictate inside the sway session, or add "
                              f"{fallback_lines(name)} to your sway config.") from None
        self._listener = listener
        log.info("sway binds %s for Dictate (%s)", keys.key_label(self.key), self.marker)
        return warning

    def stop(self) -> None:
        with self._lock:
            try:
                self._unbind(self._bound)
            except SwayGone as exc:
                log.info("sway is gone; its bindings went with it (%s)", exc)
            self._bound = []
            self._escape_wanted = False
            self.key = ""  # a set_escape() after stop() binds nothing
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
        self._conn.close()

    def _escape_commands(self) -> list[str]:
        return [f"bindsym {combo} nop {self.marker} escape" for combo in escape_combos(self.key)]

    def _bind_escape(self) -> None:
        self._add(self._escape_commands())

    def _unbind_escape(self) -> None:
        self._unbind([c for c in self._bound if c in self._escape_commands()])

    def checks(self) -> list[Check]:
        problem = reachable(self._new_conn)
        if problem:
            fix = (f"run Dictate inside the sway session (SWAYSOCK names sway's socket), or add "
                   f"{fallback_lines(self.key or keys.DEFAULT_HOTKEY)} to your sway config")
            return [Check("hotkey", MISSING, f"sway's IPC is not reachable ({problem}).", fix),
                    Check("key kept from the app", MISSING, "without sway's IPC Dictate binds no key.", fix)]
        return [Check("hotkey", OK, "Dictate binds the hotkey through sway's IPC and reads its binding events."),
                Check("key kept from the app", OK, "sway runs the binding instead of sending the key to the app.")]

    # ---- bindings ------------------------------------------------------------------------

    def _config_bindings(self):
        text = (self._conn.request(GET_CONFIG) or {}).get("config", "")
        path = (self._conn.request(GET_VERSION) or {}).get("loaded_config_file_name") or "config"
        return config_bindings(text, path, self._read_file)

    def _bind(self) -> str | None:
        """Check the user's config, then add the bindings; the warning start() returns."""
        sym = keys.xkb_name(self.key)
        found = self._config_bindings()
        theirs = bindings_of_key(found, sym)
        warning = None
        if theirs and all("dictate-app" in b.command for b in theirs):
            warning = (f"{keys.key_label(self.key)} runs `{theirs[0].command}` in your sway config "
                       f"({theirs[0].source}); Dictate binds it itself while it runs, so that line can go.")
        elif theirs:
            raise HotkeyError(
                f"{keys.key_label(self.key)} is already bound in your sway config ({theirs[0].source}: "
                f"`{theirs[0].line}`) and Dictate will not replace it: choose another hotkey, or remove "
                "that binding and run `swaymsg reload`.")
        self._escape_free = not any(bindings_of_key(found, "Escape", frozenset(c.split("+")[:-1]))
                                    for c in escape_combos(self.key))
        if not self._escape_free:
            log.warning("Esc is bound in your sway config: Esc will not cancel a recording")
        with self._lock:
            try:
                self._add(hotkey_commands(self.key, self.marker))
                self._events.hold = Hold(repeats=False)
            except SwayCommandError as exc:
                if "--no-repeat" not in str(exc):
                    raise
                # sway before 1.5 takes --no-repeat for the key ("Unknown key or button
                # '--no-repeat'"): bind without it and debounce the held key's repeats instead.
                self._add(hotkey_commands(self.key, self.marker, no_repeat=False))
                self._events.hold = Hold(repeats=True)
            if self._escape_wanted and self._escape_free:
                self._bind_escape()
        return warning

    def _add(self, commands: list[str]) -> None:
        for command in commands:
            self._conn.run(command)
            self._bound.append(command)

    def _unbind(self, commands: list[str]) -> None:
        for command in list(commands):  # commands may be self._bound, which shrinks here
            try:
                self._conn.run(unbind_command(command))
            except SwayCommandError as exc:  # already gone (a reload in between): nothing to undo
                log.info("sway: %s", exc)
            if command in self._bound:
                self._bound.remove(command)

    # ---- events (the listener's thread) ------------------------------------------------

    def _on_event(self, name: str, payload: Any) -> None:
        if name == "workspace" and (payload or {}).get("change") == "reload":
            self._rebind()
            return
        if name != "binding":
            return
        words = ((payload or {}).get("binding") or {}).get("command", "").split()
        if len(words) == 3 and words[:2] == ["nop", self.marker]:  # not another's binding
            self._events.action(words[2])

    def _rebind(self) -> None:
        """sway reloaded its config: runtime bindings are gone; add ours again."""
        with self._lock:
            self._bound = []
            try:
                self._bind()
                log.info("sway reloaded its config: %s bound again", keys.key_label(self.key))
            except (HotkeyError, SwayGone, SwayCommandError) as exc:
                log.error("sway reloaded its config and the hotkey could not be bound again: %s", exc)

    def _on_gone(self, reason: str) -> None:
        log.warning("sway's IPC went away (%s): the hotkey stops until Dictate is restarted", reason)


class SwayWindows:
    """The focused window from sway's tree (GET_TREE on one kept connection)."""

    def __init__(self, connect: Callable[[], SwayIPC] = SwayIPC) -> None:
        self._new_conn = connect
        self._conn = Connection(connect)

    def focused(self) -> Window | None:
        try:
            node = focused_node(self._conn.request(GET_TREE) or {})
        except SwayGone as exc:
            log.debug("no focused window from sway: %s", exc)
            return None
        return window_of(node) if node else None

    def checks(self) -> list[Check]:
        problem = reachable(self._new_conn)
        if problem:
            return [Check("focus identity", MISSING, f"sway's IPC is not reachable ({problem}).",
                          "run Dictate inside the sway session (SWAYSOCK names sway's socket)")]
        return [Check("focus identity", OK, "the focused window's app_id, title and pid come from sway's tree.")]

    def close(self) -> None:
        self._conn.close()


class SwayPopup:
    """Keeps Dictate's popup floating, on every workspace, unfocused, at the bottom centre.

    ``prepare(app_id, title)`` adds sway rules for windows with that app_id (Qt sends
    ``QGuiApplication.desktopFileName()``) and title; a sway reload drops runtime rules, so they
    are added again then. sway offers no command that removes a rule: they stay until sway
    reloads, matching nothing once Dictate has quit. Limits (sway's, not ours): on an empty
    workspace sway focuses the popup anyway (the only window of the focused workspace always gets
    the focus: sway/tree/view.c, ``should_focus``), a fullscreen window covers floating ones, and
    with ``focus_follows_mouse yes`` moving the pointer onto the popup focuses it.
    """

    def __init__(self, connect: Callable[[], SwayIPC] = SwayIPC) -> None:
        self._new_conn = connect
        self._conn = Connection(connect)
        self._listener: EventListener | None = None
        self._wanted: tuple[str, str] | None = None

    def prepare(self, app_id: str, title: str) -> None:
        self._wanted = (app_id, title)
        self._apply()
        if self._listener is None:
            listener = EventListener(["workspace"], self._on_event, self._on_gone, self._new_conn)
            try:
                listener.start()
                self._listener = listener
            except SwayGone as exc:
                log.warning("the popup's rules will not survive a sway reload: %s", exc)

    def _apply(self) -> None:
        if self._wanted is None:
            return
        try:
            workspaces = self._conn.request(GET_WORKSPACES) or []
            workspace = next((w for w in workspaces if w.get("focused")), workspaces[0] if workspaces else {})
            height = int((workspace.get("rect") or {}).get("height") or 0)
            for command in popup_commands(*self._wanted, height):
                self._conn.run(command)
        except (SwayGone, SwayCommandError) as exc:
            log.warning("sway did not take the popup's rules (%s): it may be tiled and take focus", exc)

    def _on_event(self, name: str, payload: Any) -> None:
        if name == "workspace" and (payload or {}).get("change") == "reload":
            self._apply()

    def _on_gone(self, reason: str) -> None:
        log.info("sway's IPC went away (%s)", reason)

    def close(self) -> None:
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
        self._conn.close()
