"""Another user of the machine, for the single-instance tests: run as root, this process becomes
uid/gid 65534 ("nobody") and then plays the other side of a control socket.

``serve PATH``: bind PATH while still root (so it can sit anywhere, like a socket another user made
first in a shared directory), give the file to nobody, become nobody, then listen, so SO_PEERCRED
reports nobody to whoever connects. Prints ``ready``, then answers every request line with
``{"ok": true, "phase": "hijacked"}`` until killed.

``connect PATH``: become nobody, connect to PATH (``@NAME`` is a Linux abstract socket), send
``{"command": "status"}`` and print the reply line, ``closed`` if the server hung up without one,
or ``refused <errno name>`` if the connection failed. Then waits for a line on stdin, so the test
can look at the connection while it is open.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import sys

NOBODY = 65534


def _address(path: str) -> str:
    return "\0" + path[1:] if path.startswith("@") else path


def _become_nobody() -> None:
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def _read_line(sock: socket.socket) -> bytes:
    """Bytes up to the first newline, or what came before the peer hung up."""
    data = b""
    while b"\n" not in data:
        block = sock.recv(4096)
        if not block:
            break
        data += block
    return data


def serve(path: str) -> None:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(_address(path))
    if not path.startswith("@"):
        os.chown(path, NOBODY, NOBODY)
    _become_nobody()
    server.listen(8)
    print("ready", flush=True)
    while True:
        conn, _ = server.accept()
        with conn:
            try:
                _read_line(conn)
                conn.sendall(json.dumps({"ok": True, "phase": "hijacked"}).encode() + b"\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # a client that did not wait for the answer (it did not trust us)


def connect(path: str) -> None:
    _become_nobody()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    try:
        sock.connect(_address(path))
    except OSError as exc:
        print(f"refused {errno.errorcode.get(exc.errno, exc.errno)}", flush=True)
        return
    try:
        sock.sendall(json.dumps({"command": "status"}).encode() + b"\n")
        data = _read_line(sock)
    except (BrokenPipeError, ConnectionResetError):  # the server hung up first
        data = b""
    print(data.split(b"\n")[0].decode() if b"\n" in data else "closed", flush=True)
    sys.stdin.readline()


if __name__ == "__main__":
    {"serve": serve, "connect": connect}[sys.argv[1]](sys.argv[2])
