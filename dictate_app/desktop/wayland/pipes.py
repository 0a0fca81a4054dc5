"""The pipes of clipboard transfers: writing to a reader without hanging, and who the reader is.

A selection's owner writes each read into a pipe the reader made (:func:`write_all`: non-blocking,
so a reader that stops reading costs a thread for a few seconds, not forever).

Wayland never says who reads a selection: the compositor hands the selection's owner a pipe's
write end and nothing else. But the reader created that pipe and keeps its read end open until
it has read everything, and both ends are one inode. So while we have not finished writing,
the reader is among the processes whose ``/proc/PID/fd`` holds that inode: the application
itself (Qt, GTK, browsers read in the process that has the window), a child it handed the pipe
to (``wl-paste`` copies through a ``cat``), or Xwayland for an X11 window. That tells the target's
read from a clipboard manager's, whatever their timing.
"""

from __future__ import annotations

import logging
import os
import select
from pathlib import Path

log = logging.getLogger(__name__)
PROC = Path("/proc")
# Xwayland reads on behalf of every X11 window, whose pid (_NET_WM_PID) is the X client's own.
ON_BEHALF = frozenset({"Xwayland"})


def _holds(pid: int | str, inode: tuple[int, int], proc: Path) -> bool:
    """Whether ``pid`` has a file descriptor on ``inode``; raises OSError when it cannot be read."""
    fd_dir = proc / str(pid) / "fd"
    for name in os.listdir(fd_dir):
        try:
            st = os.stat(fd_dir / name)
        except OSError:  # closed since the listing
            continue
        if (st.st_dev, st.st_ino) == inode:
            return True
    return False


def holders(fd: int, proc: Path = PROC) -> set[int]:
    """Every other process holding an end of the pipe ``fd`` (those /proc lets us see)."""
    st = os.fstat(fd)
    inode = (st.st_dev, st.st_ino)
    found = set()
    me = os.getpid()
    for entry in os.listdir(proc):
        if entry.isdigit() and int(entry) != me:
            try:
                if _holds(entry, inode, proc):
                    found.add(int(entry))
            except OSError:
                continue
    return found


def _parent(pid: int, proc: Path) -> int:
    try:
        stat = (proc / str(pid) / "stat").read_text()
    except OSError:
        return 0
    return int(stat[stat.rindex(")") + 2:].split()[1])  # after "pid (comm) state"


def _descends(pid: int, ancestor: int, proc: Path) -> bool:
    for _ in range(64):  # a bounded walk: /proc can change under us
        if pid == ancestor:
            return True
        if pid <= 1:
            return False
        pid = _parent(pid, proc)
    return False


def _name(pid: int, proc: Path) -> str:
    try:
        return (proc / str(pid) / "comm").read_text().strip()
    except OSError:
        return ""


def read_by(fd: int, pid: int, proc: Path = PROC) -> bool | None:
    """Whether the reader at the other end of the pipe ``fd`` is process ``pid``, one of its
    descendants, or Xwayland (True); another process (False); or None when /proc cannot tell
    (not Linux, or no other holder visible: a sandbox or another user's process)."""
    try:
        st = os.fstat(fd)
        if _holds(pid, (st.st_dev, st.st_ino), proc):
            return True
        others = holders(fd, proc)
    except OSError:
        return None
    if not others:
        return None
    return any(_descends(other, pid, proc) or _name(other, proc) in ON_BEHALF for other in others)


def write_all(fd: int, data: bytes, stall_s: float) -> bool:
    """Write ``data`` to a reader's pipe and close it (any selection owner's job: the tests' fake
    owners use it too); False when the reader went away or read nothing for ``stall_s``."""
    view = memoryview(data)
    try:
        os.set_blocking(fd, False)
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        while view:
            if not poller.poll(stall_s * 1000):
                log.warning("a clipboard reader stopped reading: gave up after %g s", stall_s)
                return False
            try:
                view = view[os.write(fd, view[: 1 << 16]):]
            except BlockingIOError:
                continue
        return True
    except OSError as exc:  # BrokenPipeError: the reader closed its end
        log.debug("clipboard reader went away: %s", exc)
        return False
    finally:
        os.close(fd)
