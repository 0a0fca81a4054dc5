"""A target application for the desktop tests: one QLineEdit in its own process.

It writes its text to ``OUT`` (atomically) on every change, so a test can see exactly what
arrived, and prints ``ready <window id>`` once its window is shown and active. Lines on stdin
control it: ``clear`` empties the field, ``activate`` raises and focuses the window,
``readonly`` and ``editable`` switch the field (a read-only field ignores Ctrl+V without ever
reading the clipboard, like any app that does not take a paste).

    python tests/desktop/app_target.py OUT [TITLE]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QSocketNotifier, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit


def main() -> int:
    out = Path(sys.argv[1])
    title = sys.argv[2] if len(sys.argv) > 2 else "dictate-target"
    app = QApplication(sys.argv[:1])
    edit = QLineEdit()
    edit.setWindowTitle(title)
    edit.resize(700, 60)
    edit.move(100, 100)

    def save(text: str) -> None:
        tmp = out.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out)

    save("")
    edit.textChanged.connect(save)
    edit.show()
    edit.activateWindow()
    edit.setFocus()

    def announce() -> None:
        if edit.isActiveWindow():
            print(f"ready {int(edit.winId())}", flush=True)
        else:
            edit.activateWindow()
            QTimer.singleShot(50, announce)

    def command() -> None:
        line = sys.stdin.readline().strip()
        if not line:  # the test closed our stdin: it is done with us
            app.quit()
        elif line == "clear":
            edit.clear()
        elif line in ("readonly", "editable"):
            edit.setReadOnly(line == "readonly")
        elif line == "activate":
            edit.activateWindow()
            edit.raise_()

    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(command)
    QTimer.singleShot(50, announce)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
