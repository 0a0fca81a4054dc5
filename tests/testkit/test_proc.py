"""testkit/proc.py against this very process: CPU ticks grow while it computes, a child shows
among its descendants, every thread has its line, a reaped process reads as 0."""

from __future__ import annotations

import os
import subprocess
import threading
import time

from testkit.proc import TICK, cpu_ticks, descendants, thread_ticks


def test_cpu_ticks_count_the_time_spent_computing():
    before = cpu_ticks(os.getpid())
    started = time.process_time()
    while time.process_time() - started < 0.3:
        pass
    # 0.3 s of CPU is 30 ticks at the usual 100 Hz; allow for the tick boundaries.
    assert cpu_ticks(os.getpid()) - before >= 0.2 * TICK


def test_descendants_and_threads_of_a_process():
    child = subprocess.Popen(["sleep", "30"])
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    try:
        assert child.pid in descendants(os.getpid())
        threads = thread_ticks(os.getpid())
        assert any(key.startswith(f"{thread.native_id} ") for key in threads)
        assert len(threads) >= threading.active_count()
    finally:
        stop.set()
        child.kill()
        child.wait()
    assert cpu_ticks(child.pid) == 0
