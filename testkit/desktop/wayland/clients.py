"""Other programs on the sway bench, driven from a test or a benchmark: the Qt clients of
qt_client.py, and a clipboard owner (clip_owner.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from testkit.desktop.app_harness import wait_for

HERE = Path(__file__).resolve().parent
CLIENT = HERE / "qt_client.py"


class _Client:
    def __init__(self, bench, args: list[str], first_line: str) -> None:
        self.bench = bench
        self.proc = subprocess.Popen([sys.executable, str(CLIENT), *args], env=bench.env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        assert line == first_line, f"{args[0]} client did not start: {line!r}"

    def command(self, line: str) -> None:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def node(self) -> dict:
        """This client's window in sway's tree."""
        return wait_for(lambda: self.bench.window_of_pid(self.proc.pid), 5, f"pid {self.proc.pid} in sway's tree")

    def close(self) -> None:
        self.proc.stdin.close()  # the client quits when its stdin closes
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Target(_Client):
    """A QLineEdit; its text in ``out``, the key events it received in ``out.keys``."""

    def __init__(self, bench, out: Path, app_id: str = "") -> None:
        self.out = out
        super().__init__(bench, ["target", str(out), *([app_id] if app_id else [])], "ready")

    def text(self) -> str:
        return self.out.read_text(encoding="utf-8")

    def keys(self) -> list[str]:
        return self.out.with_name(self.out.name + ".keys").read_text(encoding="utf-8").splitlines()

    def focus(self) -> None:
        self.bench.swaymsg(f"[pid={self.proc.pid}] focus")
        wait_for(lambda: self.node().get("focused"), 5, "the target focused")

    def reset(self) -> None:
        """Empty the field (key log too) and focus the window."""
        self.command("clear")
        self.focus()
        wait_for(lambda: self.text() == "", 5, "the target emptied")
        self.out.with_name(self.out.name + ".keys").write_text("", encoding="utf-8")


class Popup(_Client):
    """A window with Dictate's popup flags, app_id and title."""

    def __init__(self, bench, app_id: str, title: str) -> None:
        super().__init__(bench, ["popup", app_id, title], "shown")

    def show(self) -> None:
        self.command("show")
        assert self.proc.stdout.readline().strip() == "shown"

    def hide(self) -> None:
        self.command("hide")
        assert self.proc.stdout.readline().strip() == "hidden"


class Owner:
    """testkit/desktop/wayland/clip_owner.py: another program owning the clipboard."""

    def __init__(self, tmp_path: Path, offers: dict[str, bytes | None]):
        args = []
        for i, (mime, data) in enumerate(offers.items()):
            path = ""
            if data is not None:
                path = str(tmp_path / f"offer{i}")
                Path(path).write_bytes(data)
            args.append(f"{mime}={path}")
        self.proc = subprocess.Popen([sys.executable, str(HERE / "clip_owner.py"), *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "ready"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(10)
