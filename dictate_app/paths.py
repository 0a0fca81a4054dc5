"""Where Dictate keeps the user's files: data (history, models) and configuration (rules, settings).

Both follow the platform's conventions through platformdirs (``~/.local/share/dictate-app`` and
``~/.config/dictate-app`` on Linux) and can be moved with an environment variable, which tests and
portable installs use. Both are private (0700, see :mod:`dictate_app.store.private`); whoever
creates a file in them makes the directory so.

:func:`runtime_dir` is where the running app's control socket lives: a directory only this user can
enter, so no other user can create the socket first or connect to it.
"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from pathlib import Path

from dictate_app.errors import DictateError

log = logging.getLogger(__name__)

APP_NAME = "dictate-app"
ENV_DATA_DIR = "DICTATE_DATA_DIR"
ENV_CONFIG_DIR = "DICTATE_CONFIG_DIR"
ENV_RUNTIME_DIR = "XDG_RUNTIME_DIR"


class RuntimeDirError(DictateError):
    """No directory private to this user could be found for the control socket."""


def data_dir() -> Path:
    """``$DICTATE_DATA_DIR`` if set, else the user data directory (``~/.local/share/dictate-app``)."""
    override = os.environ.get(ENV_DATA_DIR)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """``$DICTATE_CONFIG_DIR`` if set, else the user config directory (``~/.config/dictate-app``)."""
    override = os.environ.get(ENV_CONFIG_DIR)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def private_dir_problem(path: Path) -> str | None:
    """Why ``path`` is not a directory private to this user (owned by us, no group or other
    permissions, not a symlink), or None if it is."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        return f"it cannot be used ({exc.strerror or exc})"
    if not stat.S_ISDIR(st.st_mode):
        return "it is not a directory"
    if st.st_uid != os.getuid():
        return f"it belongs to another user (uid {st.st_uid})"
    if st.st_mode & 0o077:
        return f"other users may use it (mode {stat.S_IMODE(st.st_mode):o})"
    return None


def runtime_dir() -> Path:
    """A directory only this user can enter, for the control socket (Unix: Linux, BSD, macOS).

    ``$XDG_RUNTIME_DIR`` (``/run/user/<uid>``, made 0700 by the login manager) when it is what the
    XDG spec promises; checked, since an environment variable can point anywhere. Otherwise our own
    ``<temp dir>/dictate-app-<uid>``: created 0700, and used only if it is a directory owned by us
    (tightened if it is ours but open). On macOS the temp dir (``$TMPDIR``,
    ``/var/folders/.../T``) is itself per user. Raises :class:`RuntimeDirError` when that
    directory belongs to someone else: another user made it first, and we must not use it.
    """
    xdg = os.environ.get(ENV_RUNTIME_DIR)
    if xdg:
        problem = private_dir_problem(Path(xdg))
        if problem is None:
            return Path(xdg)
        log.warning("not using %s=%s for the control socket: %s", ENV_RUNTIME_DIR, xdg, problem)
    own = Path(tempfile.gettempdir()) / f"{APP_NAME}-{os.getuid()}"
    try:
        own.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise RuntimeDirError(f"Dictate could not create {own} for its control socket ({exc.strerror or exc}): "
                              f"set {ENV_RUNTIME_DIR} to a directory only you can use.") from exc
    st = os.lstat(own)
    if stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and st.st_mode & 0o077:
        os.chmod(own, 0o700)  # ours, made with a loose umask or by hand: close it
    problem = private_dir_problem(own)
    if problem:
        raise RuntimeDirError(f"Dictate will not put its control socket in {own} because {problem}: "
                              f"remove it, or set {ENV_RUNTIME_DIR} to a directory only you can use.")
    return own
