"""Private, atomic files: 0700 directories, 0600 files, old installs tightened, and writes that a
concurrent reader (another process) never sees half done."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from dictate_app.store.private import atomic_write, make_private, private_dir, touch_private
from tests.store.rewrites import read_while_rewritten


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_private_dir_is_created_0700_and_an_old_one_tightened(tmp_path):
    assert mode(private_dir(tmp_path / "a" / "b")) == 0o700
    old = tmp_path / "old"
    old.mkdir()
    old.chmod(0o755)
    (old / "keep.txt").write_text("x")
    private_dir(old)
    assert mode(old) == 0o700 and (old / "keep.txt").read_text() == "x"


def test_touch_private_creates_0600_and_tightens_without_touching_content(tmp_path):
    new = touch_private(tmp_path / "new.db")
    assert mode(new) == 0o600 and new.read_bytes() == b""
    old = tmp_path / "old.db"
    old.write_bytes(b"content")
    old.chmod(0o644)
    touch_private(old)
    assert mode(old) == 0o600 and old.read_bytes() == b"content"
    readonly = tmp_path / "ro.ini"
    readonly.write_text("kept")
    readonly.chmod(0o444)
    touch_private(readonly)  # never opened for writing: a read-only file stays read-only
    assert mode(readonly) == 0o400


def test_make_private_only_removes_group_and_other_bits(tmp_path):
    path = tmp_path / "f"
    path.write_text("x")
    path.chmod(0o600)
    assert make_private(path) is False  # already private: no chmod
    path.chmod(0o664)
    assert make_private(path) is True and mode(path) == 0o600
    assert make_private(tmp_path / "missing") is False


def test_atomic_write_replaces_the_file_0600_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "rules.txt"
    path.write_text("old")
    path.chmod(0o644)
    atomic_write(path, "new ünïcode")
    assert path.read_text(encoding="utf-8") == "new ünïcode" and mode(path) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rules.txt"]
    atomic_write(path, b"\x00bytes", mode=0o640)
    assert path.read_bytes() == b"\x00bytes" and mode(path) == 0o640


def test_atomic_write_follows_a_symlink_and_keeps_it(tmp_path):
    """Dotfile managers link config files: the link stays, its target gets the new text."""
    target = tmp_path / "dotfiles" / "rules.txt"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "rules.txt"
    link.symlink_to(target)
    atomic_write(link, "new")
    assert link.is_symlink() and target.read_text() == "new" and mode(target) == 0o600


def test_atomic_write_into_a_fifo_writes_in_place(tmp_path):
    """Not a regular file (a FIFO, /dev/stdout): nothing to rename over, so written into."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()), daemon=True)
    reader.start()
    atomic_write(fifo, "through the pipe")
    reader.join(timeout=10)
    assert got == ["through the pipe"] and stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_failed_write_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "settings.ini"
    path.write_text("old")
    with pytest.raises(OSError):
        atomic_write(tmp_path / "no-such-dir" / "f", "x")

    def disk_gone(*args):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", disk_gone)  # fails after the temporary file was written
    with pytest.raises(OSError, match="Input/output error"):
        atomic_write(path, "new")
    assert path.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["settings.ini"]


WRITER = """
import sys
from dictate_app.store.private import atomic_write
path, n = sys.argv[1], int(sys.argv[2])
versions = ["A" * n + "\\nend A\\n", "B" * (n // 3) + "\\nend B\\n"]
atomic_write(path, versions[0])
print("ready", flush=True)
i = 1
while True:
    atomic_write(path, versions[i % 2])
    i += 1
"""


def test_a_concurrent_reader_never_sees_a_partial_file(tmp_path):
    """1 MB and 0.3 MB versions written alternately by another process for 1.5 s: every read is
    one whole version. (The same loop with ``Path.write_text`` gave 37,154 partial reads of
    53,761.)"""
    n = 1_000_000
    whole = {"A" * n + "\nend A\n", "B" * (n // 3) + "\nend B\n"}
    reads, bad = read_while_rewritten(tmp_path / "rules.txt", WRITER, [str(tmp_path / "rules.txt"), str(n)],
                                      whole, 1.5)
    print(f"{reads} reads, {len(bad)} partial")
    assert reads > 50 and bad == []
