"""PySide6-Essentials 6.12.0's ``SignalInstance.emit`` returns ``True`` without owning a reference
to it: every emit takes one reference away, and when ``True``'s count reaches zero CPython aborts
the process ("Fatal Python error: bool_dealloc"). The recorder alone emits the level about 25
times a second, so the tray app died after about 100 s of dictation. The lock pins 6.11.3 (and
pyproject excludes 6.12.0); these tests fail if a pin bump brings the bug back."""

from __future__ import annotations

import subprocess
import sys
import threading

from PySide6.QtCore import QObject, Signal

from tests.conftest import REPO


class Emitter(QObject):
    level = Signal(float)


def test_emit_keeps_the_reference_count_of_true_and_delivers(qtbot):
    emitter, got = Emitter(), []
    emitter.level.connect(got.append)
    before = sys.getrefcount(True)
    for _ in range(5000):
        emitter.level.emit(0.25)
    worker = threading.Thread(target=lambda: [emitter.level.emit(0.5) for _ in range(1000)])
    worker.start()
    worker.join()
    assert abs(sys.getrefcount(True) - before) < 100  # with the bug: about 6,000 fewer
    qtbot.waitUntil(lambda: len(got) == 6000, timeout=5000)
    assert got[0] == 0.25 and got[-1] == 0.5


def test_a_fresh_process_with_the_app_package_survives_many_emits():
    """With PySide6 6.12.0 this process aborted after about 2,600 emits."""
    code = (
        "import sys, dictate_app.app\n"
        "from PySide6.QtCore import QObject, Signal\n"
        "class E(QObject):\n    s = Signal(float)\n"
        "e = E()\n"
        "for _ in range(20000):\n    e.s.emit(0.1)\n"
        "print('survived', sys.getrefcount(True) > 100)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60,
                          env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "survived True"
