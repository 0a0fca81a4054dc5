"""A private D-Bus session bus with the real XDG portal frontend and our test backend behind it.

``PortalStack(tmp).start()`` runs, in this order:

1. ``dbus-daemon --nofork --print-address`` with a session configuration of its own (a socket in
   ``tmp``, no service activation: nothing outside this stack can appear on the bus);
2. the test backend (``portal_backend.py``, mode ``impl``), waited for until it owns its name;
3. ``/usr/libexec/xdg-desktop-portal`` (Debian 12: 1.16) with ``XDG_DESKTOP_PORTAL_DIR`` pointing at
   a directory holding one ``dictatetest.portal`` file (``UseIn=dictatetest``, the value of
   ``XDG_CURRENT_DESKTOP`` it gets): 1.16 reads that variable in ``load_installed_portals``
   (``src/portal-impl.c``) and picks a backend whose ``UseIn`` names the current desktop; it is
   waited for until its GlobalShortcuts and RemoteDesktop interfaces answer.

``PortalStack(tmp, frontend="double")`` runs the backend in mode ``frontend`` instead of 2 and 3: a
stand-in for a 1.17+ frontend's RemoteDesktop (restore tokens), which 1.16 does not have.
``stop()`` ends every process it started (TERM, then KILL after 5 s).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from jeepney import DBusAddress, new_method_call
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

from tests.platform.wayland.portal_backend import CONTROL_IFACE, CONTROL_PATH, IMPL_NAME

REPO = Path(__file__).resolve().parents[3]
FRONTEND = Path("/usr/libexec/xdg-desktop-portal")
PORTAL = DBusAddress("/org/freedesktop/portal/desktop", "org.freedesktop.portal.Desktop", "org.freedesktop.DBus.Properties")

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""

PORTAL_FILE = """[portal]
DBusName={name}
Interfaces=org.freedesktop.impl.portal.GlobalShortcuts;org.freedesktop.impl.portal.RemoteDesktop;
UseIn=dictatetest
"""


class StackError(Exception):
    """The stack did not come up; the message names the process and its log."""


class PortalStack:
    def __init__(self, tmp: Path, frontend: str = "real"):
        self.tmp = Path(tmp)
        self.frontend_kind = frontend
        self.address = ""
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}
        self._conn = None

    # ---- life ----

    def start(self) -> "PortalStack":
        try:
            self._start_bus()
            self._conn = open_dbus_connection(self.address)
            if self.frontend_kind == "real":
                self._spawn("backend", [sys.executable, "-m", "tests.platform.wayland.portal_backend", self.address, "impl"])
                self._wait_name(IMPL_NAME, "backend")
                self.start_frontend()
            else:
                self._spawn("backend", [sys.executable, "-m", "tests.platform.wayland.portal_backend", self.address,
                                        "frontend"])
                self._wait_name("org.freedesktop.portal.Desktop", "backend")
        except BaseException:
            self.stop()
            raise
        return self

    def start_frontend(self) -> None:
        if not FRONTEND.exists():
            raise StackError(f"{FRONTEND} is missing: sh tools/system-packages.sh test")
        portals = self.tmp / "portals"
        portals.mkdir(exist_ok=True)
        (portals / "dictatetest.portal").write_text(PORTAL_FILE.format(name=IMPL_NAME))
        runtime = self.tmp / "runtime"
        runtime.mkdir(mode=0o700, exist_ok=True)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.tmp), "LANG": "C.UTF-8",
               "DBUS_SESSION_BUS_ADDRESS": self.address, "XDG_DESKTOP_PORTAL_DIR": str(portals),
               "XDG_CURRENT_DESKTOP": "dictatetest", "XDG_RUNTIME_DIR": str(runtime)}
        self._spawn("frontend", [str(FRONTEND), "--verbose"], env=env)
        deadline = time.monotonic() + 15
        while True:
            if self._frontend_ready():
                return
            if self.procs["frontend"].poll() is not None or time.monotonic() > deadline:
                raise StackError(f"xdg-desktop-portal did not offer GlobalShortcuts and RemoteDesktop; log:\n{self.log('frontend')}")
            time.sleep(0.05)

    def _frontend_ready(self) -> bool:
        for iface in ("org.freedesktop.portal.GlobalShortcuts", "org.freedesktop.portal.RemoteDesktop"):
            reply = self._conn.send_and_get_reply(new_method_call(PORTAL, "Get", "ss", (iface, "version")), timeout=5)
            if reply.header.message_type.name == "error":
                return False
        return True

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        for name in ("frontend", "backend", "bus"):
            self.kill(name)

    def kill(self, name: str, sig: int = signal.SIGTERM) -> None:
        """End one of our processes (``frontend``, ``backend``, ``bus``) and wait for it."""
        proc = self.procs.get(name)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(sig)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    def pause(self, name: str) -> None:
        self.procs[name].send_signal(signal.SIGSTOP)

    def resume(self, name: str) -> None:
        self.procs[name].send_signal(signal.SIGCONT)

    def log(self, name: str) -> str:
        path = self.logs.get(name)
        return path.read_text(errors="replace")[-4000:] if path and path.exists() else ""

    # ---- the backend's control interface ----

    def control(self, member: str, signature: str | None = None, body: tuple = ()):
        name = IMPL_NAME if self.frontend_kind == "real" else "org.freedesktop.portal.Desktop"
        msg = new_method_call(DBusAddress(CONTROL_PATH, name, CONTROL_IFACE), member, signature, body)
        reply = self._conn.send_and_get_reply(msg, timeout=5)
        if reply.header.message_type.name == "error":
            raise StackError(f"backend {member}: {reply.body}")
        return reply.body

    def calls(self, member: str | None = None) -> list[dict]:
        calls = json.loads(self.control("Calls")[0])
        return [c for c in calls if member is None or c["member"] == member]

    def configure(self, **methods) -> None:
        self.control("Configure", "s", (json.dumps(methods),))

    def emit(self, member: str, session: str, shortcut_id: str, stamp: int) -> None:
        self.control("Emit", "ssst", (member, session, shortcut_id, stamp))

    # ---- helpers ----

    def _start_bus(self) -> None:
        socket = self.tmp / "bus.sock"
        config = self.tmp / "bus.conf"
        config.write_text(BUS_CONFIG.format(socket=socket))
        proc = self._spawn("bus", ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
                           stdout=subprocess.PIPE)
        line = proc.stdout.readline().decode().strip()
        if not line.startswith("unix:"):
            raise StackError(f"dbus-daemon printed no address ({line!r}); log:\n{self.log('bus')}")
        self.address = line

    def _spawn(self, name: str, argv: list[str], env: dict | None = None, stdout=None) -> subprocess.Popen:
        log = self.tmp / f"{name}.log"
        self.logs[name] = log
        with open(log, "wb") as err:
            proc = subprocess.Popen(argv, cwd=REPO, env=env, stdin=subprocess.DEVNULL,
                                    stdout=stdout if stdout is not None else err, stderr=err)
        self.procs[name] = proc
        return proc

    def _wait_name(self, name: str, proc: str) -> None:
        deadline = time.monotonic() + 10
        while not self._conn.send_and_get_reply(message_bus.NameHasOwner(name), timeout=5).body[0]:
            if self.procs[proc].poll() is not None or time.monotonic() > deadline:
                raise StackError(f"the {proc} never owned {name}; log:\n{self.log(proc)}")
            time.sleep(0.05)
