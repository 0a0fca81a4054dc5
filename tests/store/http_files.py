"""A local HTTP server for download tests (model store, first-run setup): static files with
``Range`` support, a byte count, an optional slow pace, and a port where nothing listens."""

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
    """

    sent_bytes = 0
    requests: list[tuple[str, int]] = []  # (path, first byte asked for), in order
    pace_s = 0.0
    piece = 16 * 1024

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
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        step = self.piece if self.pace_s else len(body) or 1
        try:
            for at in range(0, len(body), step):
                # Counted before the write: once the last byte is written the client can finish and
                # the test read the count before this thread runs another line (a CI failure).
                type(self).sent_bytes += len(body[at:at + step])
                self.wfile.write(body[at:at + step])
                self.wfile.flush()
                if self.pace_s:
                    time.sleep(self.pace_s)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading (a cancelled download)


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


def closed_port() -> int:
    """A local port nothing listens on (bound, then released): "offline" without a network."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
