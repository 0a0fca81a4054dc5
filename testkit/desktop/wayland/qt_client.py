"""Qt Wayland clients for the sway tests, each in its own process.

``target OUT [APP_ID]``: a QLineEdit that writes its text to ``OUT`` and every key event it
receives to ``OUT.keys`` (one line each: ``press|release <Qt key> <native keysym hex> <text>``), so
a test sees both what was typed and that a bound key never arrived. It prints ``ready`` once its
window is active.

``popup APP_ID TITLE``: a window with the flags and attributes of Dictate's popup
(dictate_app/app/popup.py: ``Qt.Tool | FramelessWindowHint | WindowStaysOnTopHint |
WindowDoesNotAcceptFocus``, ``WA_ShowWithoutActivating``) and ``app_id`` set the way the app
sets it (``QGuiApplication.setDesktopFileName``). It prints ``shown`` after each show.

Both read commands on stdin: ``clear``, ``show``, ``hide``; they quit when stdin closes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSocketNotifier, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit

POPUP_FLAGS = (Qt.WindowType.Tool | Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
               | Qt.WindowType.WindowDoesNotAcceptFocus)


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class KeyLog(QObject):
    """Appends each key event the field receives to a file."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        _write(path, "")

    def eventFilter(self, obj, event):  # noqa: N802 (Qt's name)
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            kind = "press" if event.type() == QEvent.Type.KeyPress else "release"
            with self.path.open("a", encoding="utf-8") as log:
                log.write(f"{kind} {event.key()} {event.nativeVirtualKey():x} {event.text()!r}\n")
        return False


def main() -> int:
    mode = sys.argv[1]
    app = QApplication(sys.argv[:1])
    if mode == "target":
        out = Path(sys.argv[2])
        if len(sys.argv) > 3:
            QGuiApplication.setDesktopFileName(sys.argv[3])
        widget = QLineEdit()
        widget.setWindowTitle("dictate-target")
        widget.resize(700, 60)
        _write(out, "")
        widget.textChanged.connect(lambda text: _write(out, text))
        keylog = KeyLog(out.with_name(out.name + ".keys"))
        widget.installEventFilter(keylog)
    else:
        QGuiApplication.setDesktopFileName(sys.argv[2])
        widget = QLabel("Dictate popup (test)")
        widget.setWindowFlags(POPUP_FLAGS)
        widget.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        widget.setWindowTitle(sys.argv[3])
        widget.setStyleSheet("background: #202124; color: #f1f1f1; font-size: 20px; padding: 12px")
        widget.setFixedSize(420, 80)

    def show() -> None:
        widget.show()
        if mode == "target":
            widget.activateWindow()
            announce()
        else:
            print("shown", flush=True)

    def announce() -> None:
        if widget.isActiveWindow():
            print("ready", flush=True)
        else:
            QTimer.singleShot(50, announce)

    def command() -> None:
        line = sys.stdin.readline().strip()
        if not line:
            app.quit()
        elif line == "clear" and mode == "target":
            widget.clear()
        elif line == "show":
            show()
        elif line == "hide":
            widget.hide()
            print("hidden", flush=True)

    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(command)
    show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
