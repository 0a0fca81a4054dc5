"""Hyprland's two sockets in pure Python, and the version-dependent spelling of what we ask.

From Hyprland's wiki (hyprland-wiki ``content/IPC/_index.md``) and source (``hyprctl/src/main.cpp``,
``src/debug/HyprCtl.cpp``, tags v0.39-v0.56):

- requests go to ``$XDG_RUNTIME_DIR/hypr/$HYPRLAND_INSTANCE_SIGNATURE/.socket.sock``
  (``/tmp/hypr/$SIG/`` before 0.40): one connection per request, written at once as
  ``[flags]/command args`` (flag ``j``: JSON), answered with text and closed by Hyprland. Hyprland
  serves it synchronously ("any unclosed connections will cause Hyprland to freeze"), so every
  connection is closed right after its answer, and has a timeout;
- events come from ``.socket2.sock`` as lines ``EVENT>>DATA``;
- ``keyword`` (config lines at run time) answers ``ok`` or an error. Since 0.55 a Lua config is
  possible; then ``keyword`` answers "keyword can't work with non-legacy parsers. Use eval." and
  the same things are said in Lua through ``eval``.
"""

from __future__ import annotations

import json
import os
import re
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dictate_app.desktop.wayland.sway_config import quote_regex

REQUEST_TIMEOUT_S = 2.0
_CHUNK = 1023  # Hyprland reads a request in 1023-byte reads and stops at the first short one
LUA_ONLY = "non-legacy"  # in keyword's answer under a Lua config


class HyprlandGone(ConnectionError):
    """Hyprland's sockets are unreachable (not running, or the signature is stale)."""


def socket_dir(env: Mapping[str, str] | None = None) -> Path:
    """The folder of this Hyprland instance's sockets; raises :class:`HyprlandGone`."""
    env = os.environ if env is None else env
    signature = env.get("HYPRLAND_INSTANCE_SIGNATURE", "")
    if not signature:
        raise HyprlandGone("HYPRLAND_INSTANCE_SIGNATURE is not set")
    runtime = env.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    for folder in (Path(runtime) / "hypr" / signature, Path("/tmp/hypr") / signature):
        if (folder / ".socket.sock").exists():
            return folder
    raise HyprlandGone(f"no Hyprland socket in {Path(runtime) / 'hypr' / signature}")


def version_of(answer: Mapping[str, Any]) -> tuple[int, int]:
    """(major, minor) from ``j/version`` ("version": "0.54.0", or only "tag": "v0.41.2-b")."""
    for field in ("version", "tag"):
        match = re.search(r"(\d+)\.(\d+)", str(answer.get(field) or ""))
        if match:
            return int(match.group(1)), int(match.group(2))
    return (0, 0)


class HyprlandSocket:
    """Requests to one Hyprland instance (a connection each)."""

    def __init__(self, folder: Path | None = None, timeout: float = REQUEST_TIMEOUT_S) -> None:
        self.folder = folder
        self.timeout = timeout

    def _folder(self) -> Path:
        if self.folder is None:
            self.folder = socket_dir()
        return self.folder

    def request(self, command: str, flags: str = "") -> str:
        """Hyprland's text answer to ``command`` (``activewindow``, ``keyword bind ...``)."""
        path = self._folder() / ".socket.sock"
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(str(path))
            sock.sendall(f"{flags}/{command}".encode())
            chunks = []
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except socket.timeout:
            raise HyprlandGone(f"Hyprland did not answer {command.split()[0]!r} within {self.timeout} s") from None
        except OSError as exc:
            raise HyprlandGone(f"cannot talk to {path}: {exc.strerror or exc}") from None
        finally:
            sock.close()
        return b"".join(chunks).decode("utf-8", errors="replace")

    def json(self, command: str) -> Any:
        answer = self.request(command, flags="j")
        try:
            return json.loads(answer) if answer.strip() else None
        except ValueError:
            raise HyprlandGone(f"Hyprland's answer to {command!r} is not JSON: {answer[:80]!r}") from None

    def events(self) -> socket.socket:
        """A connection to the event socket (blocking reads)."""
        path = self._folder() / ".socket2.sock"
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(str(path))
        except OSError as exc:
            sock.close()
            raise HyprlandGone(f"cannot connect to {path}: {exc.strerror or exc}") from None
        return sock


def regex_literal(text: str) -> str:
    """``text`` as a literal inside a Hyprland rule regex (RE2): metacharacters escaped as for
    sway, and ``,`` (rule fields are comma-separated) and ``#`` (hyprlang comments) as hex
    escapes, which RE2 reads as the same characters."""
    return quote_regex(text).replace(",", r"\x2c").replace("#", r"\x23")


def lua_string(text: str) -> str:
    """``text`` as a Lua string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
