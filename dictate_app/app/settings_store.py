"""The settings as the running app sees them: :mod:`dictate_app.store.settings` over QSettings.

One :class:`SettingsStore` is created by the shell and passed to whoever needs it (never created
inside workers). Reading validates every value once at start-up; a corrupt value falls back to its
default, is reported in ``problems`` and is rewritten, so the report does not repeat at each start.
Writing goes through :meth:`set`, which validates, saves and emits ``changed(key)`` so that every
part of the app applies the new value at once (no restart).

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


class SettingsStore(QObject):
    """Typed, validated settings persisted in QSettings; ``changed(key)`` after each real change."""

    changed = Signal(str)

    def __init__(self, path: str | Path | None = None, parent: QObject | None = None):
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
        self.settings, problems = from_stored(_read_raw(self._qs))
        self.problems += problems
        for message in self.problems:
            log.warning("%s", message)
        if self.problems:
            self._save(self.settings)

    def get(self, key: str) -> Any:
        return getattr(self.settings, key)

    def set(self, key: str, value: Any) -> None:
        """Validate and store one value; raises ``ValueError`` (with a reason) for a bad value."""
        self.update({key: value})

    def update(self, values: dict[str, Any]) -> list[str]:
        """Validate all of ``values`` first (nothing is stored if one is bad), store them, emit
        ``changed`` for each key whose value really changed; gives those keys."""
        typed = {}
        for key, value in values.items():
            if key not in KEYS:
                raise KeyError(f"unknown setting {key!r}")
            try:
                typed[key] = coerce(key, value)
            except Exception as exc:
                raise ValueError(f"{key}: {exc}") from exc
        new = replace(self.settings, **typed)
        keys = changed_keys(self.settings, new)
        if keys:
            self.settings = new
            self._save(new, keys)
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
