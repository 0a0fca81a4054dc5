"""The Wayland test bench: headless sway with the same PulseAudio virtual microphone as the X11 bench.

sway refuses to run as root ("Unable to drop root"), so the bench runs it as an unprivileged
system user of its own (``dictbench``, created when missing; we are root in CI) with a runtime
directory of its own. Root clients reach its sockets by absolute path: ``WAYLAND_DISPLAY`` may
name the socket's full path, and ``SWAYSOCK`` is a path anyway. Without a GPU or input devices:
``WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1``. Xwayland is not installed,
so every client here is a native Wayland client (Qt with ``QT_QPA_PLATFORM=wayland``).

Keys come from ``wtype`` (a virtual keyboard: sway bindings fire from it; ``wtype -P F9 -s 1500
-p F9`` holds F9 for 1.5 s in one process, because the key is released when the process ends),
screenshots from ``grim``, focus from ``swaymsg -t get_tree``. A session D-Bus of the bench's own
(any user may connect: sway's user and root) carries the tray: swaybar hosts StatusNotifierItems,
which is how Qt's tray icon shows on Wayland (seen in a grim screenshot: the icon in the bar). Facts and pitfalls measured here:
``shared/reference/platforms.md`` section 1.

    python -m testkit.desktop.sway_bench --shell  # a shell inside the bench; exit to stop it
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import shutil
import subprocess
import sys
import time
from pathlib import Path

from testkit.desktop.bench import ARTIFACTS, BenchError, Desktop, _wait_until, serve

BENCH_USER = "dictbench"
REQUIRED_BINARIES = ("sway", "swaymsg", "swaybar", "wtype", "wl-copy", "wl-paste", "grim", "dbus-daemon", "pulseaudio",
                     "paplay", "espeak-ng")
# A session bus both sway's unprivileged user and root (the app, the tests) may join.
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={path}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"""
SCREEN = (1280, 800)


def missing_binaries() -> list[str]:
    return [name for name in REQUIRED_BINARIES if shutil.which(name) is None]


def _bench_uid() -> int:
    """The unprivileged user sway runs as: ourselves unless we are root, else ``dictbench``."""
    if os.geteuid() != 0:
        return os.geteuid()
    try:
        return pwd.getpwnam(BENCH_USER).pw_uid
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", BENCH_USER],
                       check=True, stdout=subprocess.DEVNULL)
        return pwd.getpwnam(BENCH_USER).pw_uid


class SwayDesktop(Desktop):
    """A running headless sway plus the virtual microphone; ``env`` is a client's environment."""

    def __init__(self, artifacts: Path = ARTIFACTS) -> None:
        super().__init__(artifacts)
        self.sway_dir: Path | None = None
        self.wayland_socket = ""
        self.swaysock = ""
        self.bus_address = ""
        self._held: subprocess.Popen | None = None

    def start(self) -> "SwayDesktop":
        missing = missing_binaries()
        if missing:
            raise BenchError(f"the Wayland bench needs {', '.join(missing)}: run `sh tools/system-packages.sh test`")
        t0 = time.monotonic()
        import tempfile

        self.runtime_dir = Path(tempfile.mkdtemp(prefix="dictate-sway-"))
        self.runtime_dir.chmod(0o711)  # sway's user must reach its own directory inside
        try:
            self._start_bus()
            self._start_sway()
            self.timings["sway_s"] = time.monotonic() - t0
            self.start_audio()
        except BaseException:
            self.stop()
            raise
        self.timings["start_s"] = time.monotonic() - t0
        return self

    def _start_bus(self) -> None:
        assert self.runtime_dir is not None
        # Not "bus": libdbus takes $XDG_RUNTIME_DIR/bus as the session bus of any process that has
        # no DBUS_SESSION_BUS_ADDRESS; only the processes given the address should use this one.
        path = self.runtime_dir / "session-bus"
        config = self.runtime_dir / "bus.conf"
        config.write_text(BUS_CONFIG.format(path=path))
        self._spawn("dbus", ["dbus-daemon", f"--config-file={config}", "--nofork", "--nopidfile"], env=dict(os.environ))
        _wait_until(path.exists, 5.0, "the session bus", self._procs["dbus"])
        self.bus_address = f"unix:path={path}"

    def _start_sway(self) -> None:
        assert self.runtime_dir is not None
        uid = _bench_uid()
        self.sway_dir = self.runtime_dir / "sway"
        self.sway_dir.mkdir(mode=0o700)
        os.chown(self.sway_dir, uid, -1)
        config = self.runtime_dir / "sway.conf"
        width, height = SCREEN
        # A bar for the tray and nothing else: no wallpaper, no status. Keys come from wtype's
        # virtual keyboards, which sway treats like any keyboard (bindings fire from them).
        config.write_text(f"output HEADLESS-1 resolution {width}x{height} position 0 0\n"
                          "default_border pixel 2\nfocus_follows_mouse no\n"
                          "bar {\n  position bottom\n  tray_output *\n}\n")
        config.chmod(0o644)
        base = {k: v for k, v in os.environ.items()
                if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SWAYSOCK", "PYNPUT_BACKEND", "QT_QPA_PLATFORM")}
        sway_env = {"PATH": base.get("PATH", "/usr/bin:/bin"), "XDG_RUNTIME_DIR": str(self.sway_dir),
                    "WLR_BACKENDS": "headless", "WLR_LIBINPUT_NO_DEVICES": "1", "WLR_RENDERER": "pixman",
                    "HOME": str(self.sway_dir), "LANG": "C.UTF-8", "DBUS_SESSION_BUS_ADDRESS": self.bus_address}
        cmd = ["sway", "-c", str(config)]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", pwd.getpwuid(uid).pw_name, "--", "env", *[f"{k}={v}" for k, v in sway_env.items()], *cmd]
        self._spawn("sway", cmd, env=sway_env)

        def sockets() -> bool:
            names = os.listdir(self.sway_dir)
            ipc = [n for n in names if n.startswith("sway-ipc.")]
            if "wayland-1" in names and ipc:
                self.wayland_socket = str(self.sway_dir / "wayland-1")
                self.swaysock = str(self.sway_dir / ipc[0])
                return True
            return False

        _wait_until(sockets, 10.0, "sway", self._procs["sway"])
        self.env = dict(
            base,
            WAYLAND_DISPLAY=self.wayland_socket,
            SWAYSOCK=self.swaysock,
            XDG_SESSION_TYPE="wayland",
            XDG_CURRENT_DESKTOP="sway",
            DBUS_SESSION_BUS_ADDRESS=self.bus_address,
            QT_QPA_PLATFORM="wayland",
            LANG="C.UTF-8",
            XDG_RUNTIME_DIR=str(self.runtime_dir),
            PULSE_SERVER=f"unix:{self.runtime_dir / 'pulse' / 'native'}",
            PULSE_CLIENTCONFIG=str(self.runtime_dir / "client.conf"),
        )
        _wait_until(lambda: self._swaymsg_ok("-t", "get_version"), 5.0, "sway IPC", self._procs["sway"])
        _wait_until(self._tray_ready, 10.0, "swaybar's tray", self._procs["sway"])

    def _tray_ready(self) -> bool:
        """What Qt's isSystemTrayAvailable() asks on Wayland: a StatusNotifierWatcher with a host."""
        from jeepney import DBusAddress, new_method_call
        from jeepney.io.blocking import open_dbus_connection

        watcher = DBusAddress("/StatusNotifierWatcher", bus_name="org.kde.StatusNotifierWatcher",
                              interface="org.freedesktop.DBus.Properties")
        try:
            with open_dbus_connection(self.bus_address) as conn:
                reply = conn.send_and_get_reply(new_method_call(
                    watcher, "Get", "ss", ("org.kde.StatusNotifierWatcher", "IsStatusNotifierHostRegistered")),
                    timeout=1)
        except Exception:  # no watcher yet (swaybar starts after sway)
            return False
        return reply.header.message_type.name == "method_return" and reply.body[0][1] is True

    def stop(self) -> None:
        # `swaymsg exit` ends sway at once; a SIGTERM (forwarded by runuser) took 2 s.
        if self.swaysock and "sway" in self._procs:
            subprocess.run(["swaymsg", "exit"], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=5, check=False)
        super().stop()  # also removes the runtime directory, sway's included

    # ---- sway -----------------------------------------------------------------------------

    def _swaymsg_ok(self, *args: str) -> bool:
        return subprocess.run(["swaymsg", *args], env=self.env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0

    def swaymsg(self, *args: str) -> object:
        """Run swaymsg (``-t TYPE`` or a command) and return its JSON answer."""
        done = subprocess.run(["swaymsg", "-r", *args], env=self.env, capture_output=True, text=True, timeout=10)
        if done.returncode != 0:
            raise BenchError(f"swaymsg {' '.join(args)} failed: {done.stderr.strip() or done.stdout.strip()}")
        return json.loads(done.stdout) if done.stdout.strip() else None

    def windows(self) -> list[dict]:
        """Every client window in sway's tree (``app_id``, ``pid``, ``name``, ``focused``, ``id``...)."""
        found: list[dict] = []

        def walk(node: dict) -> None:
            if node.get("pid") is not None:
                found.append(node)
            for child in node.get("nodes", []) + node.get("floating_nodes", []):
                walk(child)

        walk(self.swaymsg("-t", "get_tree"))  # type: ignore[arg-type]
        return found

    def focused_window(self) -> int:  # type: ignore[override]
        """The sway container id of the focused window (0 when none is)."""
        return next((w["id"] for w in self.windows() if w.get("focused")), 0)

    def window_of_pid(self, pid: int) -> dict | None:
        return next((w for w in self.windows() if w.get("pid") == pid), None)

    def key_down(self, key: str) -> None:
        """Hold ``key`` (an xkb name) until :meth:`key_up`: a wtype process's virtual keyboard holds
        it, and its going away releases it (sway then fires --release bindings: measured)."""
        # -s 60 first: a new virtual keyboard's first key races its keymap (platforms.md).
        self._held = subprocess.Popen(["wtype", "-s", "60", "-P", key, "-s", "600000", "-p", key], env=self.env)

    def key_up(self, key: str) -> None:
        held, self._held = self._held, None
        if held is not None:
            held.terminate()
            held.wait(5)

    def activate(self, target) -> None:
        self.swaymsg(f"[pid={target.proc.pid}] focus")

    def is_active(self, target) -> bool:
        window = self.window_of_pid(target.proc.pid)
        return bool(window and window.get("focused"))

    def wtype(self, *args: str, timeout: float = 30) -> None:
        """Run wtype (keys through a virtual keyboard) in the bench."""
        done = subprocess.run(["wtype", *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise BenchError(f"wtype {' '.join(args)} failed: {done.stderr.strip()}")

    def xdotool(self, *args: str) -> str:  # type: ignore[override]
        raise BenchError("xdotool has no effect on native Wayland windows: use wtype or swaymsg")

    def screenshot(self, path: str | os.PathLike) -> Path:
        target = Path(path)
        if not target.is_absolute():
            target = self.artifacts / target
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["grim", str(target)], env=self.env, check=True, timeout=30,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m testkit.desktop.sway_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--shell", action="store_true", help="open $SHELL inside the bench; exit to stop it")
    args = parser.parse_args(argv)
    args.check = False
    try:
        bench = SwayDesktop().start()
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"sway bench up in {bench.timings['start_s']:.2f} s: WAYLAND_DISPLAY={bench.wayland_socket}",
          file=sys.stderr)
    return serve(bench, ("WAYLAND_DISPLAY", "SWAYSOCK", "QT_QPA_PLATFORM", "PULSE_SERVER", "PULSE_CLIENTCONFIG",
                         "XDG_RUNTIME_DIR", "XDG_SESSION_TYPE", "XDG_CURRENT_DESKTOP", "DBUS_SESSION_BUS_ADDRESS",
                         "LANG"), args)


if __name__ == "__main__":
    sys.exit(main())
