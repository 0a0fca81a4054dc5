"""First run on the real desktop: `dictate-app` with an empty model folder opens the model setup
window (found by its title with xdotool, screenshotted into test-artifacts/), and its Quit button
(pressed with its Alt+Q mnemonic, as a keyboard user would) ends the app with exit code 0."""

from __future__ import annotations

import select
import subprocess
import sys
import time

import pytest

from testkit.desktop.app_harness import REPO, wait_for

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


def _window_named(desktop, regex: str) -> int | None:
    found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", regex],
                           env=desktop.env, capture_output=True, text=True).stdout.split()
    return int(found[0]) if found else None


def test_offline_first_start_then_a_folder_and_the_ready_line_names_the_key(desktop, tmp_path):
    """The newcomer's flow, by keyboard: Download fails offline (a proxy on a closed port stands
    for no network, on any machine), Enter then opens the folder picker (Choose a folder is the
    default, never Quit), the fixture model's folder is typed in, it loads, and the ready line
    names the key. Screenshots: setup-offline-failed.png, setup-ready.png."""
    from tests.conftest import FIXTURE_MODEL
    from tests.store.http_files import closed_port

    empty = tmp_path / "no-model-yet"
    data = tmp_path / "data"
    proxy = f"http://127.0.0.1:{closed_port()}"
    env = dict(desktop.env, DICTATE_DATA_DIR=str(data), DICTATE_CONFIG_DIR=str(data),
               https_proxy=proxy, HTTPS_PROXY=proxy, http_proxy=proxy, HTTP_PROXY=proxy)
    err_path = tmp_path / "app.stderr"
    with open(err_path, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dictate_app", "--debug", "--model", str(empty), "--device", "cpu",
             "--hotkey", "f9"], env=env, cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=err, text=True)
    try:
        wid = wait_for(lambda: _setup_window(desktop), 60, "the setup window")
        desktop.xdotool("windowactivate", "--sync", str(wid))
        wait_for(lambda: desktop.focused_window() == wid, 5, "the setup window to have the focus")
        desktop.xdotool("key", "--clearmodifiers", "Return")  # Download is the default button
        wait_for(lambda: "model download failed" in err_path.read_text(errors="replace"), 30,
                 "the download to fail")
        time.sleep(0.5)  # the failure reaches the window through a queued signal
        desktop.screenshot("setup-offline-failed.png")
        desktop.xdotool("key", "--clearmodifiers", "Return")  # now Choose a folder, not Quit
        picker = wait_for(lambda: _window_named(desktop, "speech model folder"), 20, "the folder picker")
        assert proc.poll() is None  # Enter did not quit
        desktop.xdotool("windowactivate", "--sync", str(picker))
        desktop.xdotool("type", "--delay", "5", str(FIXTURE_MODEL))
        desktop.xdotool("key", "--clearmodifiers", "Return")
        lines = []
        deadline = time.monotonic() + 240  # funasr's import and the load on two busy cores
        while time.monotonic() < deadline and not any(line.startswith("Dictate is ready") for line in lines):
            readable, _, _ = select.select([proc.stdout], [], [], 1)
            if readable:
                lines.append(proc.stdout.readline().strip())
        ready = next((line for line in lines if line.startswith("Dictate is ready")), None)
        assert ready == ("Dictate is ready (funasr on cpu): hold F9 anywhere, speak, release. "
                         "Settings and history are in the menu of Dictate's tray icon."), \
            f"{lines}\n{err_path.read_text(errors='replace')[-3000:]}"
        desktop.screenshot("setup-ready.png")  # the window shows the same line for 7 s
        proc.terminate()
        assert proc.wait(20) == 0
        stderr = err_path.read_text(errors="replace")
        # --debug logs the expected download failure with its traceback; nothing else may have one.
        assert stderr.count("Traceback") == stderr.count("DEBUG dictate_app.app.model_setup: model download failed") == 1
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
