"""Read a file over and over while another process rewrites it: the test of an atomic write."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def read_while_rewritten(path: Path, writer_code: str, args: list[str], whole: set[str],
                         seconds: float) -> tuple[int, list[str]]:
    """Run ``writer_code`` (``python -c``, with ``args``; it prints ``ready`` once it has written
    once, then rewrites ``path`` in a loop) and read ``path`` for ``seconds``; gives (reads, what
    was read that is not one of the ``whole`` contents)."""
    writer = subprocess.Popen([sys.executable, "-c", writer_code, *args], stdout=subprocess.PIPE,
                              text=True, cwd=REPO)
    try:
        assert writer.stdout.readline().strip() == "ready"
        reads, bad = 0, []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                text = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                bad.append("<missing>")
                continue
            reads += 1
            if text not in whole:
                bad.append(f"{len(text)} bytes")
        return reads, bad
    finally:
        writer.kill()
        writer.wait(timeout=10)
