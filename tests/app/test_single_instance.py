"""One instance per user and remote control, with real processes: a server process (the stand-in
in instance_server.py, a real QLocalServer), the real ``dictate-app toggle|status`` command line,
a second instance that must defer to the first, and recovery from a socket left by SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dictate_app.app.single_instance import InstanceServer

HERE = Path(__file__).parent
REPO = HERE.parent.parent


def _start(env: dict) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, str(HERE / "instance_server.py")], stdout=subprocess.PIPE,
                            text=True, env={**os.environ, **env}, cwd=REPO)
    return proc


def _line(proc: subprocess.Popen) -> str:
    return proc.stdout.readline().strip()


@pytest.fixture
def env(tmp_path):
    return {"DICTATE_CONFIG_DIR": str(tmp_path)}


@pytest.fixture
def first(env):
    proc = _start(env)
    assert _line(proc) == "listening"
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=10)


def test_remote_control_commands(first, env, cli):
    out = cli("toggle", env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "recording, model ready, hold mode"
    assert _line(first) == "handled toggle"
    out = cli("status", "--json", env=env)
    assert json.loads(out.stdout) == {"phase": "recording", "model": "ready", "mode": "hold", "ok": True}
    for command, phase in (("stop", "idle"), ("start", "recording"), ("cancel", "idle")):
        out = cli(command, "--json", env=env)
        assert json.loads(out.stdout)["phase"] == phase
    assert [_line(first) for _ in range(4)] == ["handled status", "handled stop", "handled start", "handled cancel"]


def test_second_instance_defers_to_the_first(first, env):
    second = _start(env)
    assert _line(second) == "already running"
    assert _line(second).startswith("show -> {") and second.wait(timeout=30) == 3
    assert _line(first) == "show requested"
    assert _line(first) == "handled show"


def test_a_crashed_instance_is_replaced(first, env):
    first.send_signal(signal.SIGKILL)  # leaves its socket file behind on Unix
    first.wait(timeout=10)
    replacement = _start(env)
    try:
        assert _line(replacement) == "listening"
    finally:
        replacement.kill()
        replacement.wait(timeout=10)


def test_not_running_is_one_clear_error(cli, env):
    out = cli("status", env=env)
    assert out.returncode == 1
    assert out.stderr.strip() == "error: Dictate is not running: start it with `dictate-app` first."


def test_server_in_process_answers_and_survives_errors(qtbot, tmp_path, monkeypatch, cli):
    """The same server in this test's process, asked by a client process: a failing handler and
    an unknown command get an error reply, never an exception in the app. (The client must be
    another process: PySide6's blocking socket waits hold the GIL, so a client thread here would
    starve the server's slots.)"""
    monkeypatch.setenv("DICTATE_CONFIG_DIR", str(tmp_path))

    def handler(command):
        if command == "cancel":
            raise RuntimeError("boom")
        return {"phase": "idle"}

    server = InstanceServer(handler)
    assert server.listen()
    replies = {}

    # The client blocks, so it runs in a thread while this thread's event loop serves.
    import threading

    code = ("import json, sys; from dictate_app.app.single_instance import send; "
            "print(json.dumps([send(c) for c in sys.argv[1:]]))")

    def client():
        out = subprocess.run([sys.executable, "-c", code, "status", "cancel", "bogus"], capture_output=True,
                             text=True, cwd=REPO, timeout=60, env={**os.environ, "DICTATE_CONFIG_DIR": str(tmp_path)})
        replies.update(zip(("status", "cancel", "bogus"), json.loads(out.stdout)))

    thread = threading.Thread(target=client)
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=10000)
    server.close()
    assert replies["status"] == {"phase": "idle", "ok": True}
    assert replies["cancel"]["ok"] is False and "boom" in replies["cancel"]["error"]
    assert replies["bogus"]["ok"] is False and "Unknown command" in replies["bogus"]["error"]
