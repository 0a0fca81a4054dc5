"""Private, atomically written files: how Dictate writes the user's data and configuration.

Transcripts (and kept audio) are as private as what the user said, so the data and config
directories are 0700 and the files in them 0600: other users of the machine can neither read them
nor list them. Installs made before this rule are tightened when Dictate opens each file (one
``stat`` per file, a ``chmod`` only when group or other bits are set).

Files Dictate rewrites (rules, settings it writes itself, the start-at-login entry, exports) go
through :func:`atomic_write`: a reader (the app re-reading the rules, an editor, another process)
sees the old file or the new one, never half of one, and a crash or power cut leaves one of the
two on disk.

Windows: ``os.chmod`` only sets the read-only flag there, and the per-user profile folders Dictate
uses (``%LOCALAPPDATA%``) are already closed to other users by their ACLs, so the permission
functions do nothing on Windows. macOS is POSIX: the same modes apply.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
_POSIX = os.name == "posix"


def make_private(path: str | Path) -> bool:
    """Take the group and other permissions away from ``path`` if it exists (a 0755 directory
    becomes 0700, a 0644 file 0600); gives True if it changed anything.

    Best effort: a file this user cannot chmod (owned by someone else) is logged, not raised, so
    an odd install never stops dictation.
    """
    if not _POSIX:
        return False
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        if not mode & 0o077:
            return False
        os.chmod(path, mode & 0o700)
    except FileNotFoundError:
        return False
    except OSError as exc:
        log.warning("could not make %s private (%s)", path, exc)
        return False
    return True


def private_dir(path: str | Path) -> Path:
    """Create the directory ``path`` as 0700 (missing parents get the usual mode) or tighten it if
    it exists; gives it as a Path."""
    path = Path(path)
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    make_private(path)
    return path


def touch_private(path: str | Path) -> Path:
    """Make sure the file ``path`` exists and is 0600 without changing its contents.

    Creating it ourselves matters where another library writes the file next: SQLite creates a
    new database 0644 (and gives its -wal/-shm the database's mode), Qt's QSettings a new INI file
    0644; both keep the mode of a file that already exists.
    """
    path = Path(path)
    try:  # O_EXCL: an existing file is never opened for writing (it may be read-only on purpose)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    except FileExistsError:
        make_private(path)
    return path


def atomic_write(path: str | Path, data: bytes | str, *, encoding: str = "utf-8",
                 mode: int = PRIVATE_FILE_MODE) -> None:
    """Replace the file ``path`` with ``data`` atomically, with permissions ``mode``.

    The data goes to a temporary file in the same directory (so the rename cannot cross file
    systems), is fsynced, renamed over ``path``, and the directory is fsynced, so after a crash
    the file is the old one or the new one. A symlink is followed: its target is replaced and the
    link stays (dotfile managers link configuration files). A target that exists but is not a
    regular file (a FIFO, ``/dev/stdout``) is written in place: there is nothing to rename over,
    and renaming over a device node would replace it. Raises ``OSError`` like ``open``.
    """
    if isinstance(data, str):
        data = data.encode(encoding)
    target = Path(os.path.realpath(path))
    if target.exists() and not target.is_file():
        with open(target, "wb") as out:
            out.write(data)
        return
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")  # 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            if _POSIX and mode != PRIVATE_FILE_MODE:
                os.fchmod(out.fileno(), mode)
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_dir(target.parent)


def _fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable (POSIX; Windows cannot open a directory)."""
    if not _POSIX:
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
