"""The Qt clipboard on a real X server notices when another program reads the transcript, which
is what lets the paste restore the user's clipboard as soon as the target has the text."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.desktop

SCRIPT = r"""
import subprocess
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from dictate_app.output.qt_clipboard import QtClipboard

app = QApplication([])
clip = QtClipboard()
clip.set_text("watched 你好")
print("before", clip.fetched(), flush=True)
reader = subprocess.Popen(["xsel", "--clipboard", "--output"], stdout=subprocess.PIPE, text=True)

def check():
    if reader.poll() is None:
        QTimer.singleShot(10, check)  # our event loop must run to answer the reader
        return
    print("read", reader.stdout.read(), flush=True)
    print("after", clip.fetched(), flush=True)
    app.quit()

QTimer.singleShot(10, check)
app.exec()
"""


def test_a_read_by_another_program_is_seen(desktop):
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=desktop.env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["before False", "read watched 你好", "after True"]
