"""One Dictate per user, and remote control of it, over a QLocalServer (a Unix socket or a named
pipe on Windows).

The first ``dictate-app`` listens; a second one finds it, asks it to ``show`` itself and exits.
``dictate-app toggle|start|stop|cancel|status`` (``commands/control.py``) send one command each, so
Wayland users and window managers can bind their own keys.

Protocol: the client writes one JSON line ``{"command": "toggle"}``; the server answers one JSON
line (``{"ok": true, ...}`` or ``{"ok": false, "error": "..."}``) and closes the connection.

The socket name includes a hash of the user and the config directory: two users, or a test with
its own ``DICTATE_CONFIG_DIR``, never meet. A socket left behind by a crashed instance is detected
(nobody accepts the connection) and replaced.

Other users must not be able to answer for us or command us. A socket in the shared ``/tmp`` (as
before) could be created first by anyone, making ``dictate-app`` exit as "already running" and
``dictate-app status`` print what that user chose. So on Unix the socket lives in the user's own
runtime directory (:func:`dictate_app.paths.runtime_dir`: ``$XDG_RUNTIME_DIR``, checked, or
our own verified 0700 directory; on macOS inside the per-user ``$TMPDIR``), and on Linux both ends
check the other's uid with ``SO_PEERCRED``: the server drops a client of another user, a client
does not trust (or talk to) a server of another user, and both log it. Elsewhere the check is not
available from Python's socket module: macOS relies on the private directory alone.

Windows (written against the documentation, never run there): QLocalServer is a named pipe,
``dictate-app-<hash>`` with the user name in the hash, and UserAccessOption gives it an ACL for this
user only. Pipe names are machine-wide, so both ends also check the peer's session and, where its
process token can be read, its user SID (:mod:`dictate_app.desktop.windows.pipe_peer`).
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
import socket
import struct
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from dictate_app.errors import DictateError
from dictate_app.paths import config_dir, runtime_dir

log = logging.getLogger(__name__)

COMMANDS = ("show", "toggle", "start", "start-hands-free", "stop", "cancel", "status")
CONNECT_TIMEOUT_MS = 1000
REPLY_TIMEOUT_MS = 5000
MAX_REQUEST = 4096

Handler = Callable[[str], dict]


class InstanceError(DictateError):
    """The control socket could not be opened."""


def server_name() -> str:
    """This user's (and this config directory's) socket: a path in the user's runtime directory on
    Unix, a pipe name on Windows. Raises :class:`~dictate_app.paths.RuntimeDirError` when no
    private directory can be had."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name in this environment: the config dir is still per user
        user = ""
    digest = hashlib.sha256(f"{user}\0{config_dir()}".encode()).hexdigest()[:12]
    if sys.platform.startswith("win"):
        return f"dictate-app-{digest}"
    return str(runtime_dir() / f"dictate-app-{digest}")


def peer_uid(fd: int) -> int | None:
    """The user id of the process at the other end of the Unix socket ``fd`` (its credentials when
    it connected or listened), or None where the platform cannot say (not Linux, not a socket)."""
    if not hasattr(socket, "SO_PEERCRED") or fd < 0:
        return None
    try:
        with socket.fromfd(fd, socket.AF_UNIX, socket.SOCK_STREAM) as dup:  # a dup: fd stays open
            _pid, uid, _gid = struct.unpack("3i", dup.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                                 struct.calcsize("3i")))
    except OSError:
        return None
    return uid


def foreign_peer(sock: QLocalSocket, peer_is_client: bool = True) -> int | str | None:
    """``sock``'s peer if it is another user (its uid; on Windows its session or SID), else None
    (ours, or unknown). ``peer_is_client``: we are the server end."""
    if sys.platform.startswith("win"):
        from dictate_app.desktop.windows.pipe_peer import foreign_pipe_peer

        return foreign_pipe_peer(int(sock.socketDescriptor()), peer_is_client)
    uid = peer_uid(int(sock.socketDescriptor()))
    return uid if uid is not None and uid != os.getuid() else None


def _who(peer: int | str) -> str:
    """A foreign peer as messages name it: "uid 1001", "session 2", "S-1-5-21-..."."""
    return f"uid {peer}" if isinstance(peer, int) else peer


class InstanceServer(QObject):
    """Listens for commands from other ``dictate-app`` processes and answers them with ``handler``.

    ``handler(command) -> dict`` runs on the GUI thread; its dict is sent back with ``ok: true``
    unless it sets ``ok`` itself. ``show`` also emits :attr:`show_requested`.
    """

    show_requested = Signal()

    def __init__(self, handler: Handler, name: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.handler = handler
        self.name = name or server_name()
        self._server = QLocalServer(self)
        # Only this user may connect (the socket file gets mode 0700 on Unix).
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        self._buffers: dict[QLocalSocket, bytes] = {}

    def listen(self) -> bool:
        """Become the instance. False if another live instance already has the name."""
        # Ask first: with UserAccessOption, Qt binds in a private directory and renames the socket
        # into place, which would silently take the name from a running instance.
        if is_running(self.name):
            return False
        # Whatever is left is a socket file of a crashed instance (nobody accepts on it), or one of
        # another user that we do not trust: in our own runtime directory it is ours to replace.
        QLocalServer.removeServer(self.name)
        if not self._server.listen(self.name):
            raise InstanceError(f"Dictate could not open its control socket {self.name} "
                                f"({self._server.errorString()}): check that its folder is yours and writable, then "
                                "start Dictate again.")
        return True

    def close(self) -> None:
        self._server.close()

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            sock = self._server.nextPendingConnection()
            uid = foreign_peer(sock)
            if uid is not None:
                log.warning("refused a control connection from another user (%s)", _who(uid))
                sock.abort()
                sock.deleteLater()
                continue
            self._buffers[sock] = b""
            sock.readyRead.connect(lambda s=sock: self._read(s))
            sock.disconnected.connect(lambda s=sock: self._forget(s))
            if sock.bytesAvailable():  # the request arrived before readyRead was connected
                self._read(sock)

    def _forget(self, sock: QLocalSocket) -> None:
        self._buffers.pop(sock, None)
        sock.deleteLater()

    def _read(self, sock: QLocalSocket) -> None:
        if sock not in self._buffers:
            return
        data = self._buffers[sock] + bytes(sock.readAll().data())
        if b"\n" not in data and len(data) < MAX_REQUEST:
            self._buffers[sock] = data
            return
        del self._buffers[sock]
        reply = self._answer(data.split(b"\n", 1)[0])
        sock.write(json.dumps(reply, ensure_ascii=False).encode() + b"\n")
        sock.flush()
        sock.disconnectFromServer()

    def _answer(self, line: bytes) -> dict:
        try:
            command = json.loads(line)["command"]
        except (ValueError, KeyError, TypeError):
            return {"ok": False, "error": "Bad request: send one JSON line like {\"command\": \"status\"}."}
        if command not in COMMANDS:
            return {"ok": False, "error": f"Unknown command {command!r}: use one of {', '.join(COMMANDS)}."}
        if command == "show":
            self.show_requested.emit()
        try:
            reply = dict(self.handler(command))
        except Exception as exc:  # the running app must survive a bad remote command
            log.exception("remote command %s failed", command)
            return {"ok": False, "error": f"The running Dictate could not {command}: {exc}"}
        reply.setdefault("ok", True)
        return reply


def send(command: str, name: str | None = None, timeout_ms: int = REPLY_TIMEOUT_MS) -> dict | None:
    """Send one command to the running instance and give its reply; None if none is running.

    Uses Qt's blocking socket calls, so no event loop is needed (a QCoreApplication is created if
    there is none, which Qt's networking wants).
    """
    name = name or server_name()
    connected = _connect(name)
    if connected is None:
        return None
    sock, uid = connected
    if uid is not None:
        sock.abort()
        return {"ok": False, "error": f"The control socket {name} belongs to another user ({_who(uid)}), not to "
                                      "your Dictate: remove it and start dictate-app again."}
    sock.write(json.dumps({"command": command}).encode() + b"\n")
    sock.waitForBytesWritten(timeout_ms)
    data = b""
    while b"\n" not in data:
        if not sock.waitForReadyRead(timeout_ms):
            # Closed after replying, or no reply in time.
            data += bytes(sock.readAll().data())
            break
        data += bytes(sock.readAll().data())
    sock.abort()
    if b"\n" not in data:
        return {"ok": False, "error": "The running Dictate did not answer in time; it may be busy or stuck."}
    try:
        reply: Any = json.loads(data.split(b"\n", 1)[0])
    except ValueError:
        return {"ok": False, "error": "The running Dictate sent an unreadable answer."}
    return reply if isinstance(reply, dict) else {"ok": False, "error": "Unexpected answer."}


def is_running(name: str | None = None) -> bool:
    """True if an instance of this user accepts connections on ``name`` (it may still be starting
    up). A server of another user does not count: it is logged and will be replaced."""
    connected = _connect(name or server_name())
    if connected is None:
        return False
    sock, uid = connected
    sock.abort()
    if uid is not None:
        log.warning("the control socket %s is held by another user (%s): not trusted, replacing it",
                    name or server_name(), _who(uid))
    return uid is None


def answers_without_qt(name: str | None = None, timeout_s: float = 0.2) -> bool:
    """Whether something accepts connections on this user's control socket, asked with a plain Unix
    socket before Qt exists. ``commands/app.py`` asks it before starting the early model load: a
    second ``dictate-app`` would otherwise load a whole model (0.8-1.0 s of both cores, about 450 MB)
    beside the running one only to exit. False on Windows (a named pipe) and whenever unsure: the Qt
    check (:func:`is_running`) still decides whether this process runs."""
    if sys.platform.startswith("win"):
        return False
    try:
        path = name or server_name()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout_s)
            sock.connect(path)
            return True
    except (OSError, DictateError):
        return False


def _connect(name: str) -> tuple[QLocalSocket, int | None] | None:
    """A socket connected to ``name`` and the peer's uid if it is another user (the caller must not
    trust it), or None if nobody accepts there."""
    _ensure_app()
    sock = QLocalSocket()
    sock.connectToServer(name)
    if not sock.waitForConnected(CONNECT_TIMEOUT_MS):
        return None
    return sock, foreign_peer(sock, peer_is_client=False)


_keep_app: list = []  # the QCoreApplication made for a command-line client lives as long as we do


def _ensure_app() -> None:
    """Qt's sockets want an application object; a command-line client has none yet."""
    from PySide6.QtCore import QCoreApplication

    if QCoreApplication.instance() is None:
        _keep_app.append(QCoreApplication([]))
