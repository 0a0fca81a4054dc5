"""Clipboard pipes: writing to readers that read, stall or leave; who holds a pipe's read end, from
/proc (real child processes, and a made-up /proc for Xwayland)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from dictate_app.desktop.wayland import pipes

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux's /proc")

SLEEPER = [sys.executable, "-c", "import sys, time; print('up', flush=True); time.sleep(60)"]


@pytest.fixture
def pipe():
    r, w = os.pipe()
    yield r, w
    for fd in (r, w):
        try:
            os.close(fd)
        except OSError:
            pass


def start(cmd, pass_fds=()) -> tuple[subprocess.Popen, str]:
    """A child process, once it has printed its first line (returned)."""
    proc = subprocess.Popen(cmd, pass_fds=pass_fds, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    proc.stdout.close()
    return proc, line


def test_the_holder_of_the_read_end_is_the_reader(pipe):
    r, w = pipe
    reader, _ = start(SLEEPER, pass_fds=[r])
    bystander, _ = start(SLEEPER)
    try:
        os.close(r)  # only the reader holds it now
        assert pipes.holders(w) == {reader.pid}
        assert pipes.read_by(w, reader.pid) is True
        assert pipes.read_by(w, bystander.pid) is False
    finally:
        for proc in (reader, bystander):
            proc.kill()
            proc.wait()


def test_a_child_the_window_handed_the_pipe_to_counts_as_the_window(pipe):
    r, w = pipe
    # The parent starts a grandchild with the fd (as wl-paste copies through cat) and closes its own.
    parent, grandchild = start([sys.executable, "-c",
                    "import os, subprocess, sys, time\n"
                    "fd = int(sys.argv[1])\n"
                    "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], pass_fds=[fd])\n"
                    "os.close(fd)\n"
                    "print(child.pid, flush=True)\n"
                    "time.sleep(60)\n", str(r)], pass_fds=[r])
    try:
        os.close(r)
        assert pipes.holders(w) == {int(grandchild)}
        assert pipes.read_by(w, parent.pid) is True
    finally:
        os.kill(int(grandchild), 9)
        parent.kill()
        parent.wait()


def test_nothing_to_go_on_is_none(pipe):
    r, w = pipe
    os.close(r)
    bystander, _ = start(SLEEPER)
    try:
        assert pipes.read_by(w, 2 ** 22 + 12345) is None  # no such process
        assert pipes.read_by(w, bystander.pid) is None  # no other holder in sight: cannot tell
    finally:
        bystander.kill()
        bystander.wait()


def fake_proc(tmp_path: Path, r: int, holder_name: str) -> Path:
    proc = tmp_path / "proc"
    holder = proc / "4242"
    (holder / "fd").mkdir(parents=True)
    (holder / "fd" / "5").symlink_to(f"/proc/{os.getpid()}/fd/{r}")
    (holder / "comm").write_text(f"{holder_name}\n")
    (holder / "stat").write_text(f"4242 ({holder_name}) S 1 4242 4242 0 -1\n")
    (proc / "5000" / "fd").mkdir(parents=True)
    (proc / "5000" / "stat").write_text("5000 (x11-app) S 1 5000 5000 0 -1\n")
    return proc


@pytest.mark.parametrize(("holder_name", "verdict"), [("Xwayland", True), ("cliphist", False)])
def test_xwayland_reads_for_x11_windows(pipe, tmp_path, holder_name, verdict):
    r, w = pipe
    assert pipes.read_by(w, 5000, proc=fake_proc(tmp_path, r, holder_name)) is verdict


def test_write_all_delivers_a_large_payload_through_a_slow_reader(pipe):
    r, w = pipe
    payload = os.urandom(3 << 20)  # far over a pipe's 64 KiB buffer
    got = bytearray()

    def read() -> None:
        while chunk := os.read(r, 1 << 15):
            got.extend(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    assert pipes.write_all(w, payload, stall_s=5) is True
    reader.join(10)
    assert bytes(got) == payload
    with pytest.raises(OSError):
        os.fstat(w)  # closed by write_all


def test_write_all_gives_up_on_a_reader_that_stops_or_leaves(pipe):
    r, w = pipe
    t0 = time.monotonic()
    assert pipes.write_all(w, b"x" * (1 << 20), stall_s=0.2) is False  # nobody reads: the pipe fills
    assert time.monotonic() - t0 < 5
    r2, w2 = os.pipe()
    os.close(r2)
    assert pipes.write_all(w2, b"data", stall_s=1) is False  # the reader closed its end
