"""A fake Hyprland for the fast tests: both sockets, speaking Hyprland's documented format.

Where the format comes from: hyprland-wiki ``content/IPC/_index.md`` (the two sockets under
``$XDG_RUNTIME_DIR/hypr/$HYPRLAND_INSTANCE_SIGNATURE/``; ``.socket.sock`` takes
``[flag(s)]/command args``; ``.socket2.sock`` writes ``EVENT>>DATA\\n``) and Hyprland's
``src/debug/HyprCtl.cpp`` (v0.54, v0.56): the request is read in 1023-byte reads up to the first
short one, answered once, and the connection closed; ``keyword`` answers ``ok`` or an error, and
under a Lua config "keyword can't work with non-legacy parsers. Use eval."; ``eval`` answers
"eval is only supported with the lua config manager" under hyprlang; ``j/activewindow`` is ``{}``
when no window has the focus.
"""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

KEYWORD_UNDER_LUA = "keyword can't work with non-legacy parsers. Use eval."
EVAL_UNDER_HYPRLANG = "eval is only supported with the lua config manager"


class FakeHyprland:
    def __init__(self, runtime_dir: Path, signature: str = "abc123_1700000000_42") -> None:
        self.folder = runtime_dir / "hypr" / signature
        self.folder.mkdir(parents=True)
        self.env = {"XDG_RUNTIME_DIR": str(runtime_dir), "HYPRLAND_INSTANCE_SIGNATURE": signature}
        self.requests: list[str] = []
        self.version = {"version": "0.54.2", "tag": "v0.54.2"}
        self.binds: list[dict] = []
        self.active: dict = {}
        self.monitors: list[dict] = [{"name": "DP-1", "width": 2560, "height": 1440, "scale": 1.25, "focused": True}]
        self.lua = False
        self.refuse: dict[str, str] = {}  # substring of a request -> Hyprland's error answer
        self._event_clients: list[socket.socket] = []
        self._lock = threading.Lock()
        self._servers = [self._listen(".socket.sock", self._serve_request),
                         self._listen(".socket2.sock", self._serve_events)]

    def _listen(self, name: str, serve) -> socket.socket:
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(self.folder / name))
        server.listen(8)

        def accept() -> None:
            while True:
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                serve(conn)

        threading.Thread(target=accept, daemon=True).start()
        return server

    def _serve_request(self, conn: socket.socket) -> None:
        request = b""
        while True:
            chunk = conn.recv(1023)
            request += chunk
            if len(chunk) < 1023:
                break
        text = request.decode()
        with self._lock:
            self.requests.append(text)
        conn.sendall(self._answer(text).encode())
        conn.close()

    def _answer(self, request: str) -> str:
        flags, _, command = request.partition("/")
        for part, error in self.refuse.items():
            if part in command:
                return error
        if flags == "j":
            found = {"version": self.version, "binds": self.binds, "activewindow": self.active,
                     "monitors": self.monitors}.get(command)
            return json.dumps(found) if found is not None else "unknown request"
        if command.startswith("keyword "):
            return KEYWORD_UNDER_LUA if self.lua else "ok"
        if command.startswith("eval "):
            return "ok" if self.lua else EVAL_UNDER_HYPRLANG
        return "unknown request"

    def _serve_events(self, conn: socket.socket) -> None:
        with self._lock:
            self._event_clients.append(conn)

    def emit(self, event: str, data: str = "") -> None:
        with self._lock:
            clients = list(self._event_clients)
        for conn in clients:
            try:
                conn.sendall(f"{event}>>{data}\n".encode())
            except OSError:
                pass

    def event_clients(self) -> int:
        with self._lock:
            return len(self._event_clients)

    def config_requests(self) -> list[str]:
        """The requests that change Hyprland's state (not the j/ queries)."""
        with self._lock:
            return [r for r in self.requests if not r.startswith("j/")]

    def close_events(self) -> None:
        with self._lock:
            clients, self._event_clients = self._event_clients, []
        for conn in clients:
            conn.close()

    def close(self) -> None:
        self.close_events()
        for server in self._servers:
            server.close()
