"""The bench itself: a tray host, a window manager with focus, and the virtual microphone."""

from __future__ import annotations

import subprocess

from testkit.desktop.bench import SOURCE


def test_display_tray_and_default_source(desktop):
    assert desktop._tray_ready() and desktop._wm_ready()
    default_source = subprocess.run(["pactl", "get-default-source"], env=desktop.env,
                                    capture_output=True, text=True, check=True).stdout.strip()
    assert default_source == SOURCE
    shot = desktop.screenshot("bench-desktop.png")
    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")) == (1280, 800)
    assert desktop.timings["start_s"] < 2.0, desktop.timings  # usually 0.13-0.25 s


def test_focus_follows_a_window_activated_with_xdotool(desktop):
    term = subprocess.Popen(["xterm", "-title", "bench-focus-test"], env=desktop.env)
    try:
        window = desktop.xdotool("search", "--sync", "--name", "bench-focus-test").split()[0]
        desktop.xdotool("windowactivate", "--sync", window)
        assert desktop.focused_window() == int(window)
    finally:
        term.terminate()
        term.wait(5)
