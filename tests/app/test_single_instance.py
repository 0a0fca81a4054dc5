"""One instance per user and remote control, with real processes: a server process (the stand-in
in instance_server.py, a real QLocalServer), the real ``dictate-app toggle|status`` command line,
a second instance that must defer to the first, and recovery from a socket left by SIGKILL.

Another user: as root, foreign_user.py becomes uid 65534 and serves or connects, so the tests can
stage what another account could do: make the socket first (the old ``/tmp`` name, or a directory
of ours), or talk to ours. Each staging needs root and is skipped otherwise."""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from dictate_app.app.single_instance import InstanceServer, peer_uid

HERE = Path(__file__).parent
REPO = HERE.parent.parent
NOBODY = 65534
as_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                             reason="staging another user needs root (setuid to 65534)")


def _start(env: dict) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, str(HERE / "instance_server.py")], stdout=subprocess.PIPE,
                            text=True, env={**os.environ, **env}, cwd=REPO)
    return proc


def _line(proc: subprocess.Popen) -> str:
    return proc.stdout.readline().strip()


def _private(path: Path) -> Path:
    path.mkdir(mode=0o700)
    return path


@pytest.fixture
def env(tmp_path):
    return {"DICTATE_CONFIG_DIR": str(tmp_path), "XDG_RUNTIME_DIR": str(_private(tmp_path / "r"))}


def _socket_name(config_dir: Path) -> str:
    """The socket's file name (hash of user and config directory), as the app computes it."""
    return "dictate-app-" + hashlib.sha256(f"{getpass.getuser()}\0{config_dir}".encode()).hexdigest()[:12]


def _foreign(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(HERE / "foreign_user.py"), *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, cwd=REPO)


@pytest.fixture
def foreign():
    """Starts foreign_user.py processes; kills them afterwards."""
    procs = []

    def start(*args: str) -> subprocess.Popen:
        procs.append(_foreign(*args))
        return procs[-1]

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


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
    out = cli("start", "--hands-free", env=env)
    assert out.returncode == 0 and out.stdout.strip() == "recording, model ready, hold mode"
    assert _line(first) == "handled start-hands-free"


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


def test_server_in_process_answers_and_survives_errors(qtbot, env, monkeypatch, cli):
    """The same server in this test's process, asked by a client process: a failing handler and
    an unknown command get an error reply, never an exception in the app. (The client must be
    another process: PySide6's blocking socket waits hold the GIL, so a client thread here would
    starve the server's slots.)"""
    for key, value in env.items():
        monkeypatch.setenv(key, value)

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
                             text=True, cwd=REPO, timeout=60, env={**os.environ, **env})
        replies.update(zip(("status", "cancel", "bogus"), json.loads(out.stdout)))

    thread = threading.Thread(target=client)
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=10000)
    server.close()
    assert replies["status"] == {"phase": "idle", "ok": True}
    assert replies["cancel"]["ok"] is False and "boom" in replies["cancel"]["error"]
    assert replies["bogus"]["ok"] is False and "Unknown command" in replies["bogus"]["error"]


# ---- where the socket lives, and other users ----

def test_the_socket_is_in_the_users_runtime_dir(first, env, tmp_path):
    sock = Path(env["XDG_RUNTIME_DIR"]) / _socket_name(tmp_path)
    assert stat.S_ISSOCK(sock.stat().st_mode) and stat.S_IMODE(sock.stat().st_mode) == 0o700


@as_root
def test_a_socket_made_first_in_tmp_by_another_user_is_not_trusted(tmp_path, env, foreign, cli):
    """The old hijack: another user creates /tmp/dictate-app-<hash> before us (here $TMPDIR, which
    Qt used for the name). Today's main printed the stranger's answer to `status` and the app
    exited as "already running"; now the socket is elsewhere and the stranger is never asked."""
    shared_tmp = tmp_path / "t"
    shared_tmp.mkdir()
    shared_tmp.chmod(0o1777)
    env = {**env, "TMPDIR": str(shared_tmp)}
    hijacker = foreign("serve", str(shared_tmp / _socket_name(tmp_path)))
    assert hijacker.stdout.readline().strip() == "ready"
    out = cli("status", env=env)
    assert "hijacked" not in out.stdout
    assert out.returncode == 1 and out.stderr.strip() == "error: Dictate is not running: start it with `dictate-app` first."
    ours = _start(env)
    try:
        assert _line(ours) == "listening"
        out = cli("status", "--json", env=env)
        assert json.loads(out.stdout)["phase"] == "idle" and _line(ours) == "handled status"
    finally:
        ours.kill()
        ours.wait(timeout=10)


@as_root
def test_a_server_of_another_user_at_our_path_is_refused_and_replaced(tmp_path, env, foreign, cli):
    """A socket of another user where ours belongs (only root could put it in a 0700 directory of
    ours, but the client checks anyway): `status` refuses to believe it, the app replaces it."""
    path = Path(env["XDG_RUNTIME_DIR"]) / _socket_name(tmp_path)
    hijacker = foreign("serve", str(path))
    assert hijacker.stdout.readline().strip() == "ready"
    out = cli("status", env=env)
    assert out.returncode == 1 and "hijacked" not in out.stdout
    assert out.stderr.strip() == (f"error: The control socket {path} belongs to another user (uid {NOBODY}), "
                                  "not to your Dictate: remove it and start dictate-app again.")
    ours = _start(env)
    try:
        assert _line(ours) == "listening" and path.stat().st_uid == os.getuid()
        out = cli("status", "--json", env=env)
        assert json.loads(out.stdout)["phase"] == "idle"
    finally:
        ours.kill()
        ours.wait(timeout=10)


def test_without_xdg_runtime_dir_our_own_private_dir_is_used(tmp_path, env, cli):
    env = {**env, "XDG_RUNTIME_DIR": "", "TMPDIR": str(_private(tmp_path / "t"))}
    proc = _start(env)
    try:
        assert _line(proc) == "listening"
        own = tmp_path / "t" / f"dictate-app-{os.getuid()}"
        assert stat.S_IMODE(own.stat().st_mode) == 0o700 and own.stat().st_uid == os.getuid()
        assert (own / _socket_name(tmp_path)).exists()
        assert json.loads(cli("status", "--json", env=env).stdout)["phase"] == "idle"
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_an_open_xdg_runtime_dir_is_not_used(tmp_path, env):
    """$XDG_RUNTIME_DIR must be 0700 (the spec's promise): a directory others can enter is passed
    over for our own private one."""
    loose = tmp_path / "loose"
    loose.mkdir()
    loose.chmod(0o755)
    env = {**env, "XDG_RUNTIME_DIR": str(loose), "TMPDIR": str(_private(tmp_path / "t"))}
    proc = _start(env)
    try:
        assert _line(proc) == "listening"
        assert list(loose.iterdir()) == []
        assert (tmp_path / "t" / f"dictate-app-{os.getuid()}" / _socket_name(tmp_path)).exists()
    finally:
        proc.kill()
        proc.wait(timeout=10)


@as_root
def test_our_fallback_dir_made_first_by_another_user_is_refused(tmp_path, env, cli):
    """Without $XDG_RUNTIME_DIR another user can create <tmp>/dictate-app-<our uid> first: we must not
    put the socket in a directory they own. The tray app and `status` stop with the fix instead."""
    shared_tmp = tmp_path / "t"
    shared_tmp.mkdir()
    shared_tmp.chmod(0o1777)
    squat = shared_tmp / f"dictate-app-{os.getuid()}"
    squat.mkdir(mode=0o700)
    os.chown(squat, NOBODY, NOBODY)
    env = {**env, "XDG_RUNTIME_DIR": "", "TMPDIR": str(shared_tmp), "QT_QPA_PLATFORM": "offscreen"}
    expected = (f"error: Dictate will not put its control socket in {squat} because it belongs to another "
                f"user (uid {NOBODY}): remove it, or set XDG_RUNTIME_DIR to a directory only you can use.")
    for args in (("status",), ()):  # the tray app itself: refused before anything starts
        out = cli(*args, env=env, timeout=60)
        assert out.returncode == 1 and out.stderr.strip() == expected, args
    assert list(squat.iterdir()) == []


@as_root
def test_server_refuses_a_client_of_another_user(qtbot, tmp_path, foreign, caplog):
    """The server drops a connection from another uid without running the command. To reach the
    socket at all, the other user needs a socket file and directory it may use (UserAccessOption
    makes ours 0700, and some systems ignore socket file permissions): opened here on purpose."""
    shared = Path(tempfile.mkdtemp(prefix="dictate-peer-", dir="/tmp"))  # pytest's tmp is root-only
    try:
        shared.chmod(0o755)
        handled = []
        server = InstanceServer(lambda command: handled.append(command) or {"phase": "idle"},
                                name=str(shared / "control"))
        assert server.listen()
        (shared / "control").chmod(0o777)
        with caplog.at_level(logging.WARNING, logger="dictate_app.app.single_instance"):
            stranger = foreign("connect", str(shared / "control"))
            reply = []
            reader = threading.Thread(target=lambda: reply.append(stranger.stdout.readline().strip()))
            reader.start()
            qtbot.waitUntil(lambda: not reader.is_alive(), timeout=10000)
        server.close()
        assert reply == ["closed"] and handled == []
        assert f"refused a control connection from another user (uid {NOBODY})" in caplog.text
    finally:
        import shutil

        shutil.rmtree(shared, ignore_errors=True)


def test_peer_uid_of_a_socket_pair_is_ours():
    left, right = socket.socketpair(socket.AF_UNIX)
    with left, right:
        assert peer_uid(left.fileno()) == os.getuid()
        assert peer_uid(left.fileno()) == os.getuid()  # the fd is still open: peer_uid used a dup
    with open(__file__) as not_a_socket:
        assert peer_uid(not_a_socket.fileno()) is None


@as_root
def test_peer_uid_is_the_uid_the_peer_connected_with(foreign):
    """A child that drops to uid 65534 and then connects: SO_PEERCRED on our end names 65534."""
    name = f"@dictate-test-peer-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind("\0" + name[1:])
        listener.listen(1)
        listener.settimeout(10)
        child = foreign("connect", name)
        conn, _ = listener.accept()
        with conn:
            assert peer_uid(conn.fileno()) == NOBODY
    assert child.stdout.readline().strip() == "closed"


def test_answers_without_qt_sees_a_listener_and_not_a_stale_socket(tmp_path):
    import socket

    from dictate_app.app.single_instance import answers_without_qt

    path = str(tmp_path / "sock")
    assert answers_without_qt(path) is False  # nothing there
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(path)
        listener.listen(1)
        assert answers_without_qt(path) is True
    assert answers_without_qt(path) is False  # the file a crashed instance leaves: nobody accepts
