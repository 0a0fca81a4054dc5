"""A target application for the desktop tests: one QLineEdit in its own process.

It writes its text to ``OUT`` (atomically) on every change, so a test can see exactly what
arrived, and prints ``ready <window id>`` once its window is shown and active. Lines on stdin
control it: ``clear`` empties the field, ``activate`` raises and focuses the window,
``readonly`` and ``editable`` switch the field (a read-only field ignores Ctrl+V without ever
reading the clipboard, like any app that does not take a paste).

``--states FILE`` appends ``active`` / ``inactive`` on each change of the application's
activation (what launchers and dropdown terminals react to by closing). ``--paste-delay MS`` makes
the field read the clipboard MS milliseconds after Ctrl+V, as slow apps (Electron, a browser, a
loaded machine) do.

    python testkit/desktop/app_target.py OUT [TITLE] [--states FILE] [--paste-delay MS]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from PySide6.QtCore import QSocketNotifier, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QLineEdit


class SlowPasteEdit(QLineEdit):
    """A QLineEdit that reads the clipboard ``delay_ms`` after the paste keys (None: at once)."""

    def __init__(self, delay_ms: int | None):
        super().__init__()
        self.delay_ms = delay_ms

    def keyPressEvent(self, event):  # noqa: N802 (Qt's name)
        if self.delay_ms is not None and event.matches(QKeySequence.StandardKey.Paste):
            QTimer.singleShot(self.delay_ms, lambda: self.insert(QApplication.clipboard().text()))
            return
        super().keyPressEvent(event)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("title", nargs="?", default="dictate-target")
    parser.add_argument("--states", type=Path)
    parser.add_argument("--paste-delay", type=int)
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    edit = SlowPasteEdit(args.paste_delay)
    edit.setWindowTitle(args.title)
    edit.resize(700, 60)
    edit.move(100, 100)

    def save(text: str) -> None:
        tmp = args.out.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, args.out)

    if args.states is not None:
        def log_state(state) -> None:
            word = "active" if state == Qt.ApplicationState.ApplicationActive else "inactive"
            with open(args.states, "a", encoding="utf-8") as log:
                log.write(word + "\n")

        app.applicationStateChanged.connect(log_state)

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
