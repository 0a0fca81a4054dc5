"""The sway bench itself: a Qt Wayland window is a real client, wtype types into it exactly when
it waits for the keymap, and a held key reaches sway bindings (the facts the backends rely on)."""

from __future__ import annotations

import subprocess
import sys
import time

from testkit.desktop.app_harness import REPO, wait_for


def test_qt_window_gets_focus_and_exact_text(sway, tmp_path):
    out = tmp_path / "target.txt"
    proc = subprocess.Popen([sys.executable, str(REPO / "testkit" / "desktop" / "app_target.py"), str(out)],
                            env=sway.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().startswith("ready")
        window = wait_for(lambda: sway.window_of_pid(proc.pid), 5, "the target in sway's tree")
        assert window["focused"] and window["app_id"]
        text = "hello 你好 wörld 🙂"
        # -s: wtype's new virtual keyboard races its keymap; without the wait the first key is lost.
        sway.wtype("-s", "150", text)
        wait_for(lambda: out.read_text(encoding="utf-8") == text, 10, f"{text!r} in the target")
        shot = sway.screenshot("sway-bench-target.png")
        assert shot.stat().st_size > 0
    finally:
        proc.stdin.close()
        proc.wait(5)


def test_held_key_fires_press_then_release_bindings(sway):
    sway.swaymsg("bindsym F9 nop bench-press")
    sway.swaymsg("bindsym --release F9 nop bench-release")
    log = subprocess.Popen(["swaymsg", "-t", "subscribe", "-m", '["binding"]'], env=sway.env,
                           stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(0.3)  # the subscription is live once swaymsg has connected
        sway.wtype("-P", "F9", "-s", "300", "-p", "F9")
        time.sleep(0.3)
    finally:
        log.terminate()
        sway.swaymsg("unbindsym F9")
        sway.swaymsg("unbindsym --release F9")
    commands = [line for line in log.stdout.read().splitlines() if '"command"' in line]
    assert any("bench-press" in c for c in commands) and "bench-release" in commands[-1]


TRAY_SCRIPT = r"""
from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
app = QApplication([])
print("available", QSystemTrayIcon.isSystemTrayAvailable(), flush=True)
pixmap = QPixmap(32, 32)
pixmap.fill(QColor("red"))
icon = QSystemTrayIcon(QIcon(pixmap))
icon.show()
QTimer.singleShot(int(__import__("sys").argv[1]), app.quit)
app.exec()
"""


def test_a_qt_tray_icon_shows_in_swaybar(sway):
    proc = subprocess.Popen([sys.executable, "-c", TRAY_SCRIPT, "4000"], env=sway.env, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "available True"
        shot = sway.artifact("sway-bench-tray.png")

        def red_in_the_bar() -> bool:
            import numpy as np
            from PySide6.QtGui import QImage

            sway.screenshot(shot)
            image = QImage(str(shot)).convertToFormat(QImage.Format.Format_RGB888)
            width, height = image.width(), image.height()
            pixels = np.frombuffer(image.constBits(), np.uint8).reshape(height, image.bytesPerLine())
            bar = pixels[height - 30:, : width * 3].reshape(30, width, 3)
            return bool(((bar[..., 0] > 200) & (bar[..., 1] < 50) & (bar[..., 2] < 50)).sum() > 50)

        wait_for(red_in_the_bar, 10, "the red tray icon in swaybar", poll=0.3)
    finally:
        proc.wait(10)
