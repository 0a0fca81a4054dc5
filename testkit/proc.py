"""CPU time of a process, its descendants and its threads, read from ``/proc`` (Linux).

Shared by benchmarks/idle_cpu.py (the tray app at rest) and testkit/desktop/long_take.py (the app
during a long take, for the long-take test and benchmark).
"""

from __future__ import annotations

import os
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat_fields(path: Path) -> list[str] | None:
    """The fields of a ``stat`` file after the command name (which may hold spaces), or None."""
    try:
        text = path.read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return text[text.rindex(")") + 2:].split()


def cpu_ticks(pid: int) -> int:
    """utime + stime of ``pid`` (fields 14 and 15 of its stat line), 0 once it is gone."""
    fields = _stat_fields(Path(f"/proc/{pid}/stat"))
    return int(fields[11]) + int(fields[12]) if fields else 0


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (children, grandchildren...)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(entry / "stat")
            if fields:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def thread_ticks(pid: int) -> dict[str, int]:
    """CPU ticks per thread of ``pid``, keyed ``"<tid> <name>"``."""
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        fields = _stat_fields(task / "stat")
        name = (task / "comm").read_text().strip() if (task / "comm").exists() else "?"
        if fields:
            out[f"{task.name} {name}"] = int(fields[11]) + int(fields[12])
    return out
