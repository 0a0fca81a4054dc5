"""First run on the real desktop: `dictate-app` with an empty model folder opens the model setup
window (found by its title with xdotool, screenshotted into test-artifacts/), and its Quit button
(pressed with its Alt+Q mnemonic, as a keyboard user would) ends the app with exit code 0."""

from __future__ import annotations

import select
import subprocess
import sys

import pytest

from tests.desktop.app_harness import REPO, wait_for

pytestmark = pytest.mark.desktop
SETUP_TITLE = "speech model setup$"  # "Dictate – speech model setup" (xdotool takes a regex)


def _setup_window(desktop) -> int | None:
    found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", SETUP_TITLE],
                           env=desktop.env, capture_output=True, text=True).stdout.split()
    return int(found[0]) if found else None


def test_first_run_shows_the_setup_window_and_quit_exits_cleanly(desktop, tmp_path):
    check_first_run_setup(desktop, tmp_path, (sys.executable, "-m", "dictate_app"))


def check_first_run_setup(desktop, tmp_path, command: tuple[str, ...],
                          screenshot_name: str = "first-run-setup.png") -> None:
    """Start ``command`` (the app; tests/packaging passes the frozen executable) with an empty
    model folder: the setup window opens, and Alt+Q ends the app with code 0."""
    empty = tmp_path / "no-model-yet"
    empty.mkdir()
    data = tmp_path / "data"
    with open(tmp_path / "app.stderr", "wb") as err:
        proc = subprocess.Popen(
            [*command, "--debug", "--model", str(empty), "--device", "cpu", "--hotkey", "f9"],
            env=dict(desktop.env, DICTATE_DATA_DIR=str(data), DICTATE_CONFIG_DIR=str(data)), cwd=REPO,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, text=True,
        )
    try:
        readable, _, _ = select.select([proc.stdout], [], [], 60)
        line = proc.stdout.readline().strip() if readable else ""
        stderr = (tmp_path / "app.stderr").read_text(errors="replace")
        assert line == f"Dictate needs its speech model: there is no speech model in {empty} yet", \
            f"{line!r}\n{stderr[-3000:]}"
        wid = wait_for(lambda: _setup_window(desktop), 20, "the setup window")
        assert desktop.xdotool("getwindowname", str(wid)) == "Dictate – speech model setup"
        shot = desktop.screenshot(screenshot_name)
        assert shot.stat().st_size > 10_000
        desktop.xdotool("windowactivate", "--sync", str(wid))
        wait_for(lambda: desktop.focused_window() == wid, 5, "the setup window to have the focus")
        desktop.xdotool("key", "--clearmodifiers", "alt+q")  # "&Quit Dictate"
        assert proc.wait(20) == 0
        stderr = (tmp_path / "app.stderr").read_text(errors="replace")
        assert "Traceback" not in stderr, stderr[-3000:]
        assert _setup_window(desktop) is None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
