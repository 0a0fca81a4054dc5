"""The guard against PySide6's emit reference leak: installed with the app package, signals still
deliver, and a fresh process survives far more emits than ``True`` has references."""

from __future__ import annotations

import subprocess
import sys
import threading

from PySide6.QtCore import QObject, Signal

from dictate_app.app import qt_signals
from tests.conftest import REPO


class Emitter(QObject):
    level = Signal(float)


def test_emit_no_longer_loses_references_and_still_delivers(qtbot):
    assert qt_signals.install() is True or not qt_signals.emit_loses_a_reference()
    assert not qt_signals.emit_loses_a_reference()
    emitter, got = Emitter(), []
    emitter.level.connect(got.append)
    before = sys.getrefcount(True)
    for _ in range(5000):
        assert emitter.level.emit(0.25) is True
    worker = threading.Thread(target=lambda: [emitter.level.emit(0.5) for _ in range(1000)])
    worker.start()
    worker.join()
    assert abs(sys.getrefcount(True) - before) < 100  # not 6,000 fewer
    qtbot.waitUntil(lambda: len(got) == 6000, timeout=5000)
    assert got[0] == 0.25 and got[-1] == 0.5


def test_a_fresh_process_with_the_app_package_survives_many_emits():
    """Without the guard this process aborted after about 2,600 emits (PySide6 6.12.0)."""
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
