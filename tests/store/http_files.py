"""A local HTTP server for download tests (model store, first-run setup): static files with
``Range`` support, a byte count, an optional slow pace, a server that sends more than the file
(bytes after it, announced or not: an endless body), and a port where nothing listens."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from dictate_app.store.model_store import FileSpec


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """A static server that honours `Range: bytes=N-` (the stdlib one ignores it) and counts bytes.

    ``pace_s`` > 0 sends the body in ``piece`` -byte pieces with that pause between them, so a
    client can be stopped in the middle of a file (the stand-in for a slow connection).
    ``trailing_bytes`` > 0 sends that many more bytes after the file (a wrong file, an appended
    error page); with ``announce_length`` False there is no Content-Length and the body only ends
    when the client hangs up or the trailing bytes run out: an endless body, bounded so that a
    client that reads everything still finishes.
    """

    sent_bytes = 0
    requests: list[tuple[str, int]] = []  # (path, first byte asked for), in order
    pace_s = 0.0
    piece = 16 * 1024
    trailing_bytes = 0
    announce_length = True

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        start = 0
        if self.headers.get("Range", "").startswith("bytes="):
            start = int(self.headers["Range"][6:].split("-")[0])
            self.send_response(206)
        else:
            self.send_response(200)
        type(self).requests.append((self.path, start))
        body = data[start:]
        size = len(body) + self.trailing_bytes
        if self.announce_length:
            self.send_header("Content-Length", str(size))
        else:
            self.send_header("Connection", "close")  # the body ends when the connection does
        self.end_headers()
        try:
            for piece in self._pieces(body):
                # Counted before the write: once the last byte is written the client can finish and
                # the test read the count before this thread runs another line (a CI failure).
                type(self).sent_bytes += len(piece)
                self.wfile.write(piece)
                self.wfile.flush()
                if self.pace_s:
                    time.sleep(self.pace_s)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading (a cancelled download)

    def _pieces(self, body: bytes) -> Iterator[bytes]:
        """The body (in ``piece`` -byte pieces when paced or followed by more), then the trailing bytes."""
        step = self.piece if self.pace_s or self.trailing_bytes else len(body) or 1
        for at in range(0, len(body), step):
            yield body[at:at + step]
        for at in range(0, self.trailing_bytes, self.piece):
            yield b"\x00" * min(self.piece, self.trailing_bytes - at)


def manifest_of(files: dict[str, bytes]) -> tuple[FileSpec, ...]:
    """The pinned size and sha256 of each file, in order, as the model store's manifests."""
    return tuple(FileSpec(name, len(data), hashlib.sha256(data).hexdigest()) for name, data in files.items())


@contextlib.contextmanager
def serve_files(root: Path, files: dict[str, bytes], pace_s: float = 0.0) -> Iterator[tuple[str, tuple]]:
    """Write ``files`` under ``root`` and serve them; yields (base URL, manifest)."""
    root.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (root / name).write_bytes(data)
    RangeHandler.sent_bytes = 0
    RangeHandler.requests = []
    RangeHandler.pace_s = pace_s
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(RangeHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", manifest_of(files)
    finally:
        server.shutdown()
        server.server_close()
        RangeHandler.pace_s = 0.0
        RangeHandler.trailing_bytes = 0
        RangeHandler.announce_length = True


def closed_port() -> int:
    """A local port nothing listens on (bound, then released): "offline" without a network."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
