"""On a real X server, the clipboard tells the target's read from anybody else's: a reader in
another process (xsel, as a clipboard manager) does not count; the target app's own paste does,
although Qt asks for the selection through a hidden window of its own, not the target window."""

from __future__ import annotations

import subprocess
import sys

from testkit.desktop.app_harness import Target, wait_for

SCRIPT = r"""
import subprocess, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from dictate_app.desktop.base import Window
from dictate_app.desktop.qt_clipboard import QtClipboard
from dictate_app.desktop.x11.selection import SelectionWatch

app = QApplication([])
watch = SelectionWatch()
app.installNativeEventFilter(watch)
clip = QtClipboard(watch=watch)
clip.set_text("watched 你好")
clip.expect_reader(Window(sys.argv[1]))
steps = [["xsel", "--clipboard", "--output"], ["xdotool", "key", "ctrl+v"]]
proc = None

def step():
    global proc
    if proc is not None and proc.poll() is None:
        QTimer.singleShot(10, step)  # our event loop must run to answer the reader
        return
    if proc is not None:
        print(f"{proc.args[0]} read={clip.fetched()} others={watch.others}", flush=True)
    if not steps:
        QTimer.singleShot(500, finish)  # the target reads after its key event, asynchronously
        return
    proc = subprocess.Popen(steps.pop(0), stdout=subprocess.DEVNULL)
    QTimer.singleShot(10, step)

def finish():
    print(f"end read={clip.fetched()} others={watch.others}", flush=True)
    app.quit()

QTimer.singleShot(10, step)
app.exec()
"""


def test_only_the_targets_reads_count(desktop, tmp_path):
    target = Target(desktop, tmp_path / "target.txt")
    try:
        target.reset()
        done = subprocess.run([sys.executable, "-c", SCRIPT, str(target.wid)], env=desktop.env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        assert lines[0] == "xsel read=0 others=1"  # another client's read: not the target's
        assert lines[-1].startswith("end read=") and int(lines[-1].split()[1][5:]) >= 1
        wait_for(lambda: target.text() == "watched 你好", 5, "the paste in the target")
    finally:
        target.close()
