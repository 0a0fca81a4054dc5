"""What Dictate needs from a desktop, as one interface every backend implements (Qt-free).

A :class:`Desktop` is assembled from parts, so backends share them (the XDG portal parts serve GNOME
and KDE, the data-control clipboard every wlroots compositor and KDE):

- a :class:`HotkeySource`: press and release of the push-to-talk key, kept from the focused app
  where the platform allows;
- a :class:`WindowSource`: the focused window and its application (the focus check, per-app rules);
- a :class:`Keyboard`: key chords (the paste) and typing;
- a :class:`Clipboard`, made on the GUI thread: save every format, set, restore, and whether the
  target (not a clipboard manager) read what was set.

Every part reports what works here as :class:`Check` rows (``dictate-app doctor``, the tray's
status line). Key names and chords are those of :mod:`dictate_app.desktop.keys`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from dictate_app.errors import DictateError


class InsertError(DictateError):
    """Text or keys could not be sent to the focused application."""


class HotkeyError(DictateError):
    """The push-to-talk key cannot be used here; the message says what to do instead."""


@dataclass(frozen=True)
class Window:
    """A top-level window. ``id`` is the backend's identity of it (an X11 window id, a sway
    container id) and is only compared for equality; ``app`` is the application's id where the
    desktop tells it (X11 ``WM_CLASS`` instance and class, Wayland ``app_id``)."""

    id: str
    app: str = ""
    title: str = ""
    pid: int | None = None

    def describe(self) -> str:
        """What per-app rules match against: the application and the title."""
        return " ".join(part for part in (self.app, self.title) if part)


# The capabilities `dictate-app doctor` reports, in its order.
CAPABILITIES = (
    "hotkey", "key kept from the app", "focus identity", "typing", "paste",
    "clipboard read detection", "clipboard-manager hint",
)
OK, MISSING, UNSUPPORTED = "ok", "missing", "unsupported"

# Desktop.fetch_grace_ms: where every read of a transcript is seen (X11, Wayland data-control),
# and where only the first is (Windows, macOS: Handy's value).
FETCH_GRACE_MS = 50
ONLY_FIRST_READ_GRACE_MS = 200

# KDE's convention, honoured by Klipper and CopyQ: content that carries this format with the value
# "secret" is not recorded in the clipboard history. A transcript may be dictated private text.
# Shared by the clipboards of every backend.
MANAGER_HINT = ("x-kde-passwordManagerHint", b"secret")

# X11 selection targets that are protocol, not content (ICCCM 2.6.2), which no clipboard saves.
# Qt lists them among the formats of a foreign clipboard (a Wayland compositor's X11 bridge could
# pass them on). Asking for DELETE or INSERT_* makes the owner *act* (xsel empties its selection
# on DELETE: the user's clipboard was destroyed by our save); the rest are metadata a restore
# must not replay.
X11_PROTOCOL_TARGETS = frozenset({
    "TARGETS", "MULTIPLE", "TIMESTAMP", "DELETE", "INCR", "SAVE_TARGETS",
    "INSERT_SELECTION", "INSERT_PROPERTY",
})


@dataclass(frozen=True)
class Check:
    """One capability on this desktop: ``status`` is ``ok``, ``missing`` (it would work once
    ``fix`` is done) or ``unsupported`` (this desktop cannot do it; ``fix`` says the way around).
    ``detail`` is one sentence on what was found."""

    capability: str
    status: str
    detail: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"capability": self.capability, "status": self.status, "detail": self.detail, "fix": self.fix}


PressCallback = Callable[[float], None]  # monotonic milliseconds of the key event


class HotkeySource(Protocol):
    """Press and release of one key, from any thread (the Qt bridge queues them).

    ``start`` raises :class:`HotkeyError` (one sentence with the fix) when the key cannot be
    used; it returns a warning sentence when it works with a limitation (another program also
    receives the key), else None. ``set_escape(True)`` while a recording runs: sources that must
    take Esc from the focused app to see it (compositor bindings) take it only then.
    """

    keeps_key_from_app: bool

    def start(self, key: str, press: PressCallback, release: PressCallback,
              escape: Callable[[], None]) -> str | None: ...

    def stop(self) -> None: ...

    def set_escape(self, wanted: bool) -> None: ...

    def checks(self) -> list[Check]: ...


class WindowSource(Protocol):
    """The focused top-level window, or None where the desktop does not tell."""

    def focused(self) -> Window | None: ...

    def checks(self) -> list[Check]: ...


class Keyboard(Protocol):
    """Synthetic keys into the focused window. Both raise :class:`InsertError` with the fix."""

    def key(self, chord: str, clear_modifiers: bool = False) -> None:
        """Press and release ``chord`` (``ctrl+v``; see :mod:`dictate_app.desktop.keys`)."""
        ...

    def type(self, text: str, clear_modifiers: bool = False) -> None:
        """Type ``text`` exactly, any script (the first character too)."""
        ...

    def held_modifiers(self) -> bool:
        """True while the user physically holds Shift, Ctrl, Alt or Super (False: cannot tell)."""
        ...

    def checks(self) -> list[Check]: ...


class Clipboard(Protocol):
    """The system clipboard, saved whole and restored.

    ``save`` returns an opaque snapshot of every format (text, HTML, images, files...), so that
    pasting a transcript does not destroy what the user copied. ``set_text`` marks the text so
    clipboard managers skip it where the desktop has a convention (KDE's
    ``x-kde-passwordManagerHint``). ``expect_reader(window)`` is called right before the paste
    chord; from then on ``fetched()`` tells how often *that* window's application has read the
    text (0: not yet; the inserter restores once the count stops growing), or None where that
    cannot be told (the inserter then restores after a delay).
    A clipboard manager reading every new clipboard must not count as the target's read.
    """

    def save(self) -> Any: ...

    def restore(self, snapshot: Any) -> None: ...

    def set_text(self, text: str) -> None: ...

    def text(self) -> str: ...

    def expect_reader(self, window: Window | None) -> None: ...

    def fetched(self) -> int | None: ...


@runtime_checkable
class HasChecks(Protocol):
    def checks(self) -> list[Check]: ...


@dataclass
class Desktop:
    """One desktop's parts. ``name``: ``x11``, ``sway``, ``hyprland``, ``wlroots``, ``gnome``,
    ``kde``, ``windows``, ``macos``; ``reason``: one sentence on why it was chosen.

    ``make_clipboard`` is called once, on the GUI thread, after the QApplication exists;
    ``can_paste`` is False where Dictate cannot set the clipboard for another app (GNOME on Wayland:
    no data-control protocol), so text is typed. ``prepare_popup(app_id, title)`` lets a compositor
    keep Dictate's popup on top and unfocused (sway rules); ``extra_checks`` are facts of the session
    itself (a missing tool...). ``fetch_grace_ms``: how long after the target's last *seen* read the
    old clipboard comes back; where only the first read can be seen (Windows' delayed rendering and
    macOS's promise hand the data to the system once, later reads are served from its copy) it is
    longer, as Handy's reliable paste waits 200 ms. ``start_parts`` run when the app starts (a
    portal's permission dialog then, not at the first paste). Parts whose facts change later (a
    portal's dialog answered) call :meth:`changed`, which calls every function given to
    :meth:`listen`, from any thread."""

    name: str
    reason: str
    hotkey: HotkeySource
    windows: WindowSource
    keyboard: Keyboard
    make_clipboard: Callable[[], Clipboard]
    prepare_popup: Callable[[str, str], None] = lambda app_id, title: None
    extra_checks: Callable[[], Sequence[Check]] = lambda: ()
    close_parts: list[Callable[[], None]] = field(default_factory=list)
    start_parts: list[Callable[[], None]] = field(default_factory=list)
    can_paste: bool = True
    fetch_grace_ms: int = FETCH_GRACE_MS
    _listeners: list[Callable[[], None]] = field(default_factory=list)

    def listen(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    def start(self) -> None:
        for start in self.start_parts:
            start()

    def checks(self) -> list[Check]:
        """Every capability's row, in :data:`CAPABILITIES` order (parts may add several)."""
        rows: list[Check] = list(self.extra_checks())
        for part in (self.hotkey, self.windows, self.keyboard):
            rows.extend(part.checks())
        order = {name: i for i, name in enumerate(CAPABILITIES)}
        return sorted(rows, key=lambda row: order.get(row.capability, len(order)))

    def close(self) -> None:
        for close in self.close_parts:
            close()
