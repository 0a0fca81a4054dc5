"""A stand-in for the tray app behind the instance server, run as a separate process by the
single-instance tests: a real QLocalServer and event loop with a two-state recorder model.

Prints ``listening`` or ``already running`` (then exits 3) and one line per command it handles.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication  # noqa: E402

from dictate_app.app.single_instance import InstanceServer, send  # noqa: E402


def main() -> int:
    app = QCoreApplication(sys.argv[:1])
    state = {"phase": "idle"}

    def handle(command: str) -> dict:
        if command == "toggle":
            state["phase"] = "recording" if state["phase"] == "idle" else "idle"
        elif command in ("start", "start-hands-free"):
            state["phase"] = "recording"
        elif command in ("stop", "cancel"):
            state["phase"] = "idle"
        print(f"handled {command}", flush=True)
        return {"phase": state["phase"], "model": "ready", "mode": "hold"}

    server = InstanceServer(handle)
    if not server.listen():
        print("already running", flush=True)
        print(f"show -> {send('show')}", flush=True)
        return 3
    server.show_requested.connect(lambda: print("show requested", flush=True))
    print("listening", flush=True)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
