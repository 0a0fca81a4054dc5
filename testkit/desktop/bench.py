"""The real-desktop test bench: a headless X display with a tray host and a virtual microphone.

Starts, without D-Bus or a login session, and in well under a second:

- ``Xvfb`` on a free display number with the RECORD and XTEST extensions (pynput and xdotool);
- ``openbox`` (real focus handling: ``_NET_ACTIVE_WINDOW``, ``windowactivate``);
- ``trayer`` (the tray host: Qt sees a system tray once ``_NET_SYSTEM_TRAY_S0`` has an owner);
- ``pulseaudio`` with a null sink ``vmic_sink`` loaded with ``norewinds=1`` whose monitor is the
  default source, so ``paplay`` into the sink is speaking into the microphone. PortAudio reaches it
  through ALSA's ``pulse``/``default`` devices (libasound2-plugins).

It stops only the processes it started (TERM, then KILL), checking ``/proc/<pid>/stat`` for zombies
so a stop never waits on a dead process. Facts and pitfalls: ``shared/reference/desktop-testing.md``.

Used as the session fixture ``desktop`` (``tests/desktop/conftest.py``) and by hand::

    python -m testkit.desktop.bench --shell    # a shell inside the bench; exit to stop it
    python -m testkit.desktop.bench --check    # start, self-test, print timings, stop
"""

from __future__ import annotations

import argparse
import ctypes.util
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
SINK = "vmic_sink"
SOURCE = f"{SINK}.monitor"  # the monitor IS the microphone (no remap-source: see the doc's pitfall)
SINK_RATE = 48_000

# Executables the bench runs, and the package list that provides them.
REQUIRED_BINARIES = (
    "Xvfb", "openbox", "trayer", "pulseaudio", "pactl", "paplay", "espeak-ng",
    "xdotool", "xprop", "import",
)
INSTALL_COMMAND = "sh tools/system-packages.sh test"


class BenchError(RuntimeError):
    """The bench could not start; the message says which part and what to do."""


def missing_system_packages() -> list[str]:
    """Executables or libraries of the bench that are not installed (empty when all are there)."""
    missing = [name for name in REQUIRED_BINARIES if shutil.which(name) is None]
    if ctypes.util.find_library("portaudio") is None:
        missing.append("libportaudio2")
    return missing


def ensure_system_packages() -> None:
    """Install the bench's Debian packages when we are root; otherwise say what to run."""
    missing = missing_system_packages()
    if not missing:
        return
    if os.geteuid() != 0:
        raise BenchError(
            f"the desktop test bench needs {', '.join(missing)}; run `{INSTALL_COMMAND}` as root first"
        )
    subprocess.run(["sh", str(REPO / "tools" / "system-packages.sh"), "test"], check=True)
    still = missing_system_packages()
    if still:
        raise BenchError(f"installing the bench packages left {', '.join(still)} missing")


def _proc_state(pid: int) -> str | None:
    """The procfs state letter of ``pid`` (``Z`` for a zombie), or None when it no longer exists."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name is in parentheses and may contain spaces; the state follows the last ")".
    return stat.rsplit(")", 1)[1].split()[0]


def _stop_process(proc: subprocess.Popen, timeout: float = 2.0) -> None:
    """TERM, then KILL after ``timeout``; done as soon as the process is gone or a zombie."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, timeout)):
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            # `kill -0` succeeds on a zombie, so ask procfs; poll() reaps our own child.
            if proc.poll() is not None or _proc_state(proc.pid) in (None, "Z"):
                proc.poll()
                return
            time.sleep(0.005)


def _read_line(fd: int, timeout: float) -> str:
    """Read up to a newline from a pipe; "" on EOF or timeout.

    Xvfb writes the display number and the newline in two writes and dies ("Cannot write display
    number") if the pipe is closed in between, so stop only at the newline.
    """
    data = b""
    deadline = time.monotonic() + timeout
    while not data.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(fd, 64) if ready else b""
        if not chunk:
            return ""
        data += chunk
    return data.decode().strip()


def _wait_until(check, timeout: float, what: str, proc: subprocess.Popen | None = None) -> None:
    """Poll ``check()`` every few milliseconds until it is true; fail with ``what`` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return
        if proc is not None and proc.poll() is not None:
            raise BenchError(f"{what}: the process exited with code {proc.returncode}")
        if time.monotonic() > deadline:
            raise BenchError(f"{what}: not ready after {timeout:.1f} s")
        time.sleep(0.005)


class Desktop:
    """A running bench: its environment, and helpers to speak, look and type into it."""

    def __init__(self, artifacts: Path = ARTIFACTS) -> None:
        self.artifacts = artifacts
        self.runtime_dir: Path | None = None
        self.display = ""
        self.env: dict[str, str] = {}
        self.timings: dict[str, float] = {}
        self._procs: dict[str, subprocess.Popen] = {}
        self._xconn = None

    # ---- start and stop -------------------------------------------------------------------

    def start(self) -> "Desktop":
        """Start X, the window manager, the tray host and the audio server; return self."""
        t0 = time.monotonic()
        self.runtime_dir = Path(tempfile.mkdtemp(prefix="dictate-bench-"))
        self.runtime_dir.chmod(0o700)
        try:
            self._start_x()
            self.timings["x_s"] = time.monotonic() - t0
            # openbox and trayer start in parallel with PulseAudio; each is awaited below.
            self._spawn("openbox", ["openbox", "--sm-disable"])
            self._spawn("trayer", [
                "trayer", "--edge", "bottom", "--align", "right", "--widthtype", "request",
                "--height", "32", "--SetDockType", "true", "--transparent", "false",
                "--tint", "0x333333",
            ])
            self.start_audio()
            _wait_until(self._wm_ready, 5.0, "openbox", self._procs["openbox"])
            _wait_until(self._tray_ready, 5.0, "trayer", self._procs["trayer"])
        except BaseException:
            self.stop()
            raise
        self.timings["start_s"] = time.monotonic() - t0
        return self

    def stop(self) -> None:
        """Stop what this bench started, in reverse order, and remove its runtime directory."""
        t0 = time.monotonic()
        if self._xconn is not None:
            try:
                self._xconn.close()
            except Exception:  # the server may already be gone; nothing to release then
                pass
            self._xconn = None
        for name in reversed(list(self._procs)):
            _stop_process(self._procs.pop(name))
        if self.runtime_dir is not None:
            shutil.rmtree(self.runtime_dir, ignore_errors=True)
            self.runtime_dir = None
        self.timings["stop_s"] = time.monotonic() - t0

    def __enter__(self) -> "Desktop":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _spawn(self, name: str, cmd: list[str], env: dict[str, str] | None = None, **kw) -> subprocess.Popen:
        assert self.runtime_dir is not None
        log = open(self.runtime_dir / f"{name}.log", "wb")
        # A new session: a Ctrl+C in the developer's terminal must not kill the bench under a test.
        proc = subprocess.Popen(cmd, env=env or self.env, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True, **kw)
        log.close()
        self._procs[name] = proc
        return proc

    def _start_x(self) -> None:
        # A real desktop's environment: no display of the caller's, and none of the fast tier's
        # stand-ins (tests/app sets PYNPUT_BACKEND=dummy for the whole pytest session, which
        # would leave the app started here with an inert hotkey listener).
        base = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "PYNPUT_BACKEND")}
        for number in range(99, 199):
            if Path(f"/tmp/.X{number}-lock").exists() or Path(f"/tmp/.X11-unix/X{number}").exists():
                continue
            # -noreset: by default X resets when its last client leaves, and a client connecting
            # during the reset is refused (seen as a flaky "Connection refused" at start-up).
            # -displayfd: Xvfb writes the display number to the pipe once it accepts clients,
            # a readiness signal that needs no polling.
            read_fd, write_fd = os.pipe()
            try:
                proc = self._spawn("Xvfb", [
                    "Xvfb", f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp",
                    "+extension", "RECORD", "+extension", "XTEST", "-noreset", "-displayfd", str(write_fd),
                ], env=base, pass_fds=(write_fd,))
                os.close(write_fd)
                answer = _read_line(read_fd, timeout=5.0)
            finally:
                os.close(read_fd)
            if answer:
                self.display = f":{answer}"
                break
            # Another bench won the race for this number (or Xvfb failed): try the next one.
            _stop_process(self._procs.pop("Xvfb"))
        else:
            raise BenchError("no free X display number between :99 and :198")
        assert self.runtime_dir is not None
        self.env = dict(
            base,
            DISPLAY=self.display,
            QT_QPA_PLATFORM="xcb",
            LANG="C.UTF-8",
            XDG_RUNTIME_DIR=str(self.runtime_dir),
            PULSE_SERVER=f"unix:{self.runtime_dir / 'pulse' / 'native'}",
            PULSE_CLIENTCONFIG=str(self.runtime_dir / "client.conf"),
        )

    # ---- readiness ------------------------------------------------------------------------

    def _x(self):
        if self._xconn is None:
            from Xlib import display as xdisplay

            self._xconn = xdisplay.Display(self.display)
        return self._xconn

    def _wm_ready(self) -> bool:
        conn = self._x()
        prop = conn.screen().root.get_full_property(conn.intern_atom("_NET_SUPPORTING_WM_CHECK"), 0)
        return prop is not None and len(prop.value) > 0

    def _tray_ready(self) -> bool:
        # What Qt's isSystemTrayAvailable() asks: does the tray selection have an owner?
        conn = self._x()
        return conn.get_selection_owner(conn.intern_atom("_NET_SYSTEM_TRAY_S0")) != 0

    def _pactl_ok(self, *args: str) -> bool:
        return subprocess.run(["pactl", *args], env=self.env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0

    # ---- audio ----------------------------------------------------------------------------

    def start_audio(self) -> None:
        """Start PulseAudio with the virtual microphone (also after :meth:`stop_audio`)."""
        assert self.runtime_dir is not None
        t0 = time.monotonic()
        pulse_dir = self.runtime_dir / "pulse"
        pulse_dir.mkdir(mode=0o700, exist_ok=True)
        sock = pulse_dir / "native"
        # autospawn=no: a client must never start a second, unconfigured server behind our back.
        Path(self.env["PULSE_CLIENTCONFIG"]).write_text(f"autospawn = no\ndefault-server = unix:{sock}\n")
        self._spawn("pulseaudio", [
            "pulseaudio", "--daemonize=no", "--exit-idle-time=-1", "-n", "--use-pid-file=false",
            "--disable-shm=yes", "--log-target=stderr", "--log-level=error",
            "-L", f"module-native-protocol-unix socket={sock} auth-anonymous=1",
            # norewinds=1: with rewinds the monitor turned flaky (late, bunched callbacks).
            "-L", f"module-null-sink sink_name={SINK} rate={SINK_RATE} channels=1 norewinds=1",
        ], env=self._audio_env())
        _wait_until(lambda: self._pactl_ok("info"), 5.0, "pulseaudio", self._procs["pulseaudio"])
        if not (self._pactl_ok("set-default-sink", SINK) and self._pactl_ok("set-default-source", SOURCE)):
            raise BenchError("pulseaudio: could not make vmic_sink.monitor the default source")
        self.timings["audio_s"] = time.monotonic() - t0

    def _audio_env(self) -> dict[str, str]:
        # No session bus: PulseAudio does not need one, and the sway bench has one.
        env = {k: v for k, v in self.env.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
        return dict(env, HOME=str(self.runtime_dir), DISPLAY="")

    def stop_audio(self) -> None:
        """Stop the audio server (a microphone that goes away); :meth:`start_audio` brings it back."""
        proc = self._procs.pop("pulseaudio", None)
        if proc is not None:
            _stop_process(proc)

    def speak(self, wav_path: str | os.PathLike, wait: bool = True) -> subprocess.Popen:
        """Play a sound file into the virtual microphone; by default wait until it has played."""
        proc = subprocess.Popen(["paplay", f"--device={SINK}", str(wav_path)], env=self.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if wait:
            _, err = proc.communicate(timeout=60)
            if proc.returncode != 0:
                raise BenchError(f"paplay failed: {err.decode(errors='replace').strip()}")
        return proc

    def synthesize(self, text: str, wav_path: str | os.PathLike, voice: str = "en",
                   speed: int | None = None) -> Path:
        """Write espeak-ng speech (22,050 Hz mono) for ``text`` to ``wav_path``."""
        cmd = ["espeak-ng", "-v", voice, "-w", str(wav_path)]
        if speed is not None:
            cmd += ["-s", str(speed)]
        subprocess.run([*cmd, text], env=self.env, check=True, stdout=subprocess.DEVNULL)
        return Path(wav_path)

    # ---- display --------------------------------------------------------------------------

    def xdotool(self, *args: str) -> str:
        """Run xdotool on the bench display and return its output."""
        done = subprocess.run(["xdotool", *args], env=self.env, capture_output=True, text=True,
                              timeout=30)
        if done.returncode != 0:
            raise BenchError(f"xdotool {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout.strip()

    def focused_window(self) -> int:
        """The id of the active window (``_NET_ACTIVE_WINDOW``), as xdotool reports it."""
        return int(self.xdotool("getactivewindow"))

    # What the harness does on any bench (the sway bench has its own ways):

    def key_down(self, key: str) -> None:
        self.xdotool("keydown", key)

    def key_up(self, key: str) -> None:
        self.xdotool("keyup", key)

    def activate(self, target) -> None:
        """Give ``target`` (a harness window with ``wid`` and ``proc``) the focus, as a click would."""
        self.xdotool("windowactivate", "--sync", str(target.wid))

    def is_active(self, target) -> bool:
        return self.focused_window() == target.wid

    def screenshot(self, path: str | os.PathLike) -> Path:
        """Save a PNG of the whole screen; a relative path goes under ``test-artifacts/``."""
        target = Path(path)
        if not target.is_absolute():
            target = self.artifacts / target
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["import", "-window", "root", str(target)], env=self.env, check=True,
                       timeout=30, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return target

    def artifact(self, name: str) -> Path:
        """A path under ``test-artifacts/`` (created) for a screenshot, a WAV or a JSON file."""
        self.artifacts.mkdir(parents=True, exist_ok=True)
        return self.artifacts / name


def _self_test(bench: Desktop) -> dict[str, object]:
    """Speak into the virtual microphone and read it back through PortAudio; report the figures."""
    import numpy as np
    import sounddevice as sd
    import soundfile as sf

    wav = bench.synthesize("bench self test", bench.artifact("bench-self-test.wav"))
    source, rate = sf.read(wav, dtype="float32")
    chunks: list[np.ndarray] = []
    with sd.InputStream(samplerate=rate, channels=1, dtype="float32",
                        callback=lambda data, *_: chunks.append(data[:, 0].copy())):
        bench.speak(wav)
        time.sleep(0.3)
    got = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    corr = np.correlate(got, source, "valid") if got.size >= source.size else np.zeros(1)
    norm = np.sqrt(np.sum(source**2) * np.convolve(got**2, np.ones(source.size), "valid"))
    best = float(np.max(corr / np.maximum(norm, 1e-12)))
    return {"tray": bench._tray_ready(), "recorded_s": round(got.size / rate, 3), "ncc": round(best, 4)}


def serve(bench: Desktop, exported: tuple[str, ...], args, check=None) -> int:
    """What ``python -m`` of a bench does with a started ``bench``: a shell inside it
    (``--shell``), ``check(bench)`` (``--check``), or the ``exported`` variables printed for
    another terminal until Ctrl+C; the bench is stopped in the end."""
    try:
        if args.check and check is not None:
            os.environ.update(bench.env)  # before sounddevice initialises PortAudio
            print(check(bench))
        elif args.shell:
            print("speak into the microphone with: paplay --device=vmic_sink FILE.wav", file=sys.stderr)
            subprocess.run([os.environ.get("SHELL", "/bin/sh")], env=bench.env)
        else:
            for key in exported:
                print(f"export {key}={bench.env[key]}")
            print("# running; Ctrl+C stops the bench", file=sys.stderr)
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
            signal.sigwait({signal.SIGINT, signal.SIGTERM})
    except KeyboardInterrupt:
        pass
    finally:
        bench.stop()
        print(f"bench stopped in {bench.timings['stop_s']:.2f} s", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m testkit.desktop.bench", description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--shell", action="store_true", help="open $SHELL inside the bench; exit to stop it")
    mode.add_argument("--check", action="store_true", help="start, self-test the microphone, stop")
    args = parser.parse_args(argv)
    try:
        ensure_system_packages()
        bench = Desktop().start()
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"bench up on DISPLAY={bench.display} in {bench.timings['start_s']:.2f} s", file=sys.stderr)
    return serve(bench, ("DISPLAY", "QT_QPA_PLATFORM", "PULSE_SERVER", "PULSE_CLIENTCONFIG", "XDG_RUNTIME_DIR", "LANG"),
                 args, _self_test)


if __name__ == "__main__":
    sys.exit(main())
