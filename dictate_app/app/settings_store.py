"""The settings as the running app sees them: :mod:`dictate_app.store.settings` over QSettings.

One :class:`SettingsStore` is the running app's one live settings object: created in
``commands/app.py``, given to each part at construction (never created inside workers). Each part
either reads the key when it uses it (``settings.language`` at each take, ``settings.popup_seconds``
at each show) or, for a key that needs an action, subscribes: ``settings.watch(("model_dir",
"device", "server_url"), reload)``. Adding a setting touches the schema (store/settings.py) and its
one consumer.

Two layers: the saved settings (:attr:`saved`, what the dialog edits) and this run's command-line
options on top (:meth:`override`, never saved). :attr:`settings`, :meth:`get` and attribute reads
(``store.mode``) give the effective value. A user change (dialog, tray) of an overridden key is
saved and wins for the rest of the run (its override is dropped), as when the command line made
the first value; a key the user leaves alone keeps its override.

Reading validates every value once at start-up; a corrupt value falls back to its default, is
reported in ``problems`` and is rewritten, so the report does not repeat at each start. Writing goes
through :meth:`set`/:meth:`update`, which validate, save and emit ``changed(key)``.

Threads: changes happen on the GUI thread. :attr:`settings` is a frozen dataclass replaced whole
(one reference assignment), so another thread (the ASR worker reads ``itn`` per take) may read
it or a key of it at any time and sees the old or the new settings, never a mix.

The file is an INI file (``settings.ini`` in the config directory) on every platform, so users can
read it and tests can corrupt it.

Qt writes it atomically: QSettings saves through QSaveFile. Traced on Qt 6.11.3 (``strace`` of a
``setValue`` + ``sync``): ``openat(dir, O_TMPFILE, 0600)``, ``fchmod`` to the existing file's mode,
``write``, ``fdatasync``, ``linkat`` to ``settings.ini.XXXXXX``, ``rename`` over ``settings.ini``
(under a ``settings.ini.lock`` against concurrent writers); ``isAtomicSyncRequired()`` is true by
default, so Qt fails rather than write in place. It does not fsync the directory: after a power
cut the file is the old or the new one, never a mix. A *new* file gets 0644, so the file is created
0600 before QSettings writes it (the rename keeps an existing file's mode), and an old 0644 file and
its folder are tightened at start.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, Signal

from dictate_app.paths import config_dir
from dictate_app.store.private import private_dir, touch_private
from dictate_app.store.settings import KEYS, Settings, changed_keys, coerce, from_stored, to_stored

log = logging.getLogger(__name__)
FILE_NAME = "settings.ini"
GROUP = "dictate"


def _unlist(value: Any) -> Any:
    """QSettings reads an unquoted INI value containing commas as a list: join it back."""
    return ", ".join(map(str, value)) if isinstance(value, list) else value


def _read_raw(qs: QSettings) -> dict[str, Any]:
    qs.beginGroup(GROUP)
    raw = {key: _unlist(qs.value(key)) for key in KEYS if qs.contains(key)}
    qs.endGroup()
    return raw


def saved_settings(path: str | Path | None = None) -> Settings:
    """The saved settings, read only: for commands (``transcribe``, ``model path``...) that follow
    what the tray app uses without creating, repairing or rewriting the file. A missing file gives
    the defaults; a bad value its default (the tray app reports and repairs it)."""
    path = Path(path) if path is not None else config_dir() / FILE_NAME
    if not path.is_file():
        return Settings()
    settings, problems = from_stored(_read_raw(QSettings(str(path), QSettings.Format.IniFormat)))
    for message in problems:
        log.info("%s", message)
    return settings


def _known(keys: Iterable[str]) -> frozenset[str]:
    """``keys`` as a set; a KeyError naming any that is not a setting."""
    keys = frozenset(keys)
    unknown = keys - set(KEYS)
    if unknown:
        raise KeyError(f"unknown setting(s) {', '.join(sorted(unknown))}")
    return keys


class SettingsStore(QObject):
    """Typed, validated settings persisted in QSettings, with this run's overrides on top;
    ``changed(key)`` after each real change."""

    changed = Signal(str)

    def __init__(self, path: str | Path | None = None, overrides: dict[str, Any] | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.path = Path(path) if path is not None else config_dir() / FILE_NAME
        private_dir(self.path.parent)
        touch_private(self.path)
        self._qs = QSettings(str(self.path), QSettings.Format.IniFormat)
        self.problems: list[str] = []
        if self._qs.status() != QSettings.Status.NoError:
            # Unreadable as INI at all: every value takes its default (and the file is rewritten).
            self.problems.append(f"The settings file {self.path} could not be read; all settings "
                                 "were reset to their defaults.")
        self.saved, problems = from_stored(_read_raw(self._qs))
        self.settings: Settings = self.saved  # the effective settings: saved + overrides
        self._overrides: dict[str, Any] = {}
        if overrides:
            self.override(overrides)  # before anyone watches: no signal reaches a part
        self.problems += problems
        for message in self.problems:
            log.warning("%s", message)
        if self.problems:
            self._save(self.saved)

    def get(self, key: str) -> Any:
        """The effective value of ``key`` (this run's override, else the saved value)."""
        return getattr(self.settings, key)

    def __getattr__(self, name: str) -> Any:
        # Only reached when normal lookup fails: the settings keys read as attributes.
        if name in KEYS:
            return getattr(self.settings, name)
        raise AttributeError(name)

    def watch(self, keys: Iterable[str], fn: Callable[[str], None]) -> None:
        """Call ``fn(key)`` on the GUI thread after the effective value of one of ``keys`` may
        have changed (a key saved anew, an override set)."""
        keys = _known(keys)
        self.changed.connect(lambda key: fn(key) if key in keys else None)

    def override(self, values: dict[str, Any]) -> list[str]:
        """This run's values for ``values``' keys (command-line options), never saved; emits
        ``changed`` for the keys whose effective value changed and gives them. Values are taken as
        given (the command line has checked them)."""
        _known(values)
        self._overrides.update(values)
        return self._refresh()

    @property
    def overridden(self) -> frozenset[str]:
        """The keys this run's command line sets."""
        return frozenset(self._overrides)

    def _effective(self) -> Settings:
        """The saved settings with this run's overrides on top."""
        return replace(self.saved, **self._overrides)

    def _refresh(self) -> list[str]:
        new = self._effective()
        keys = changed_keys(self.settings, new)
        self.settings = new  # one assignment: readers on other threads see old or new, whole
        for key in keys:
            self.changed.emit(key)
        return keys

    def set(self, key: str, value: Any) -> None:
        """Validate and store one value the user chose (a tray choice); raises ``ValueError``
        (with a reason) for a bad value. The choice wins over this run's override of ``key`` even
        when the saved value was already ``value``."""
        if key not in self.update({key: value}) and key in self._overrides:
            del self._overrides[key]
            self._refresh()

    def update(self, values: dict[str, Any]) -> list[str]:
        """Validate all of ``values`` first (nothing is stored if one is bad), store them, emit
        ``changed`` for each key whose saved value really changed (its override, if any, is
        dropped: the user's choice wins); gives those keys."""
        _known(values)
        typed = {}
        for key, value in values.items():
            try:
                typed[key] = coerce(key, value)
            except Exception as exc:
                raise ValueError(f"{key}: {exc}") from exc
        new = replace(self.saved, **typed)
        keys = changed_keys(self.saved, new)
        if keys:
            self.saved = new
            self._save(new, keys)
            for key in keys:
                self._overrides.pop(key, None)
            self.settings = self._effective()
            for key in keys:
                self.changed.emit(key)
        return keys

    def reset(self) -> list[str]:
        """Every setting back to its default; gives the keys that changed."""
        return self.update({key: getattr(Settings(), key) for key in KEYS})

    def _save(self, settings: Settings, keys: list[str] | None = None) -> None:
        self._qs.beginGroup(GROUP)
        for key in keys or KEYS:
            self._qs.setValue(key, to_stored(key, getattr(settings, key)))
        self._qs.endGroup()
        self._qs.sync()
        if self._qs.status() != QSettings.Status.NoError:
            log.warning("settings could not be written to %s", self.path)
