"""A fake sway IPC server for the fast tests: the real i3-ipc framing over socketpairs.

``FakeSway.connect`` is what the parts under test take as their ``connect``: each call makes a
socketpair, serves the far end in a thread (requests answered from the fake's state, commands
recorded in ``commands``), and returns a real :class:`SwayIPC` on the near end. ``emit`` sends
an event to every connection that subscribed to it; ``drop`` closes every connection, as sway
does when it exits.
"""

from __future__ import annotations

import json
import socket
import threading
import time

from dictate_app.desktop.wayland import sway_ipc
from dictate_app.desktop.wayland.sway_ipc import EVENT_BIT, EVENT_TYPES, SwayGone, SwayIPC, encode


class FakeSway:
    def __init__(self, config: str = "", config_path: str = "/home/u/.config/sway/config") -> None:
        self.config = config
        self.config_path = config_path
        self.commands: list[str] = []
        self.refuse: dict[str, str] = {}  # substring of a command -> sway's error for it
        self.tree: dict = {"type": "root", "nodes": [], "floating_nodes": []}
        self.workspaces: list[dict] = [{"name": "HEADLESS-1", "focused": True,
                                     "rect": {"x": 0, "y": 0, "width": 1280, "height": 800}}]
        self.reachable = True
        self._subscribers: list[tuple[socket.socket, set[str]]] = []
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def connect(self) -> SwayIPC:
        if not self.reachable:
            raise SwayGone("cannot connect to /run/user/1000/sway-ipc.sock: Connection refused")
        near, far = socket.socketpair()
        with self._lock:
            self._sockets.append(far)
        threading.Thread(target=self._serve, args=(far,), daemon=True).start()
        return SwayIPC(sock=near)

    def _serve(self, sock: socket.socket) -> None:
        reader = SwayIPC(sock=sock, timeout=None)
        while True:
            try:
                kind, raw = reader.read_raw()
            except SwayGone:
                return
            payload = raw.decode()
            sock.sendall(encode(kind, json.dumps(self._answer(kind, payload, sock))))

    def _answer(self, kind: int, payload: str, sock: socket.socket):
        if kind == sway_ipc.RUN_COMMAND:
            self.commands.append(payload)
            for part, error in self.refuse.items():
                if part in payload:
                    return [{"success": False, "parse_error": False, "error": error}]
            return [{"success": True}]
        if kind == sway_ipc.SUBSCRIBE:
            with self._lock:
                self._subscribers.append((sock, set(json.loads(payload))))
            return {"success": True}
        if kind == sway_ipc.GET_CONFIG:
            return {"config": self.config}
        if kind == sway_ipc.GET_VERSION:
            return {"human_readable": "1.7", "major": 1, "minor": 7, "loaded_config_file_name": self.config_path}
        if kind == sway_ipc.GET_TREE:
            return self.tree
        if kind == sway_ipc.GET_WORKSPACES:
            return self.workspaces
        return {"success": False}

    def emit(self, name: str, payload: dict) -> None:
        with self._lock:
            targets = [sock for sock, events in self._subscribers if name in events]
        for sock in targets:
            try:
                sock.sendall(encode(EVENT_BIT | EVENT_TYPES[name], json.dumps(payload)))
            except OSError:
                pass

    def binding(self, command: str) -> None:
        self.emit("binding", {"change": "run", "binding": {"command": command, "symbol": "F9"}})

    def subscribers(self) -> int:
        with self._lock:
            return len(self._subscribers)

    def drop(self) -> None:
        with self._lock:
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self._sockets.clear()
            self._subscribers.clear()


def until(check, timeout: float = 2.0):
    """Poll ``check`` (events cross threads) until truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.005)
    raise AssertionError("timed out")
