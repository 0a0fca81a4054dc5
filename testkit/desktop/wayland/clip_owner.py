"""Another program's clipboard for the Wayland tests: owns the selection with several types.

Built on :mod:`dictate_app.desktop.wayland.wire` (not on the clipboard class under test):
it offers each ``TYPE=FILE`` with that file's bytes, and each ``TYPE=`` (no file) as an owner that
never writes (it keeps the reader's pipe open and silent). Prints ``ready`` once the compositor
has made it the owner; exits when another program takes the clipboard or stdin closes.

    python testkit/desktop/wayland/clip_owner.py text/html=page.html text/plain=page.txt image/png=
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from dictate_app.desktop.wayland.pipes import write_all
from dictate_app.desktop.wayland.wire import Connection, Registry


def main(argv: list[str]) -> int:
    offers: dict[str, bytes | None] = {}
    for spec in argv:
        mime, _, path = spec.rpartition("=")  # a MIME type may hold "=" (charset=utf-8); a path here does not
        offers[mime] = Path(path).read_bytes() if path else None
    connection = Connection.connect()
    registry = Registry(connection)
    connection.roundtrip()
    seat = registry.bind("wl_seat", 1)
    manager = registry.bind("zwlr_data_control_manager_v1", 1)
    device = manager.request("get_data_device", None, seat)
    done = threading.Event()
    silent: list[int] = []

    def send(mime: str, fd: int) -> None:
        data = offers.get(mime)
        if data is None:
            silent.append(fd)  # hold it open, write nothing
            return
        threading.Thread(target=write_all, args=(fd, data, 5.0), daemon=True).start()

    source = manager.request("create_data_source", None, handlers={"send": send, "cancelled": done.set})
    for mime in offers:
        source.request("offer", mime)
    device.request("set_selection", source)
    connection.roundtrip()
    connection.start()
    print("ready", flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    done.wait()
    connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
