"""Test-side helpers for the desktop tests of the real app: the app process, target windows in
other processes, the clipboard, speech synthesis, and one push-to-talk round trip."""

from __future__ import annotations

import contextlib
import inspect
import json
import select
import statistics
import subprocess
import sys
import time
from pathlib import Path

from dictate_app.audio.recorder_worker import FIRST_BLOCK_S
from dictate_app.output.inserter import Inserter
from testkit.desktop.mic import bench_microphone_live, wait_live

REPO = Path(__file__).resolve().parents[2]
OLD_CLIPBOARD = "OLD-CLIP 旧的 ✓"
READY_TIMEOUT_S = 240  # funasr's import plus the model load: 10-20 s on 2 busy cores
TEXT_TIMEOUT_S = 30
# Key-down to the app's microphone live: the key event, the start cue, then the stream opened on
# demand (0.17-0.21 s on the quiet bench); the recorder itself allows FIRST_BLOCK_S for the first
# block, and a second more covers the cue and the key event on two busy cores.
APP_LIVE_TIMEOUT_S = FIRST_BLOCK_S + 1.0
# The user starts speaking a moment after the start cue (the microphone live).
LEAD_S = 0.2
# How long a target's text must stay unchanged to count as final. A second insertion of the same
# utterance could only start once the first has ended, which is at most the inserter's fetch
# timeout after its keys (it waits that long for the target to read a paste), and would send its
# keys after at most the modifier wait: 1.5 + 0.6 s with the app's defaults, read from the
# inserter, plus 0.4 s for Qt's timers and xdotool on two busy cores.
_INSERTER = inspect.signature(Inserter).parameters
SETTLE_S = (_INSERTER["fetch_timeout_ms"].default + _INSERTER["modifier_wait_ms"].default) / 1000 + 0.4


def wait_for(check, timeout: float, what: str, poll: float = 0.01):
    """Poll ``check`` until it returns something truthy; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Target:
    """The QLineEdit target (``app_target.py``) in its own process; its text is in a file.

    ``state_log``: a file the target appends its activation changes to (see :meth:`states`);
    ``paste_delay_ms``: the target reads the clipboard that long after Ctrl+V (a slow app)."""

    def __init__(self, desktop, out: Path, title: str | None = None, state_log: Path | None = None,
                 paste_delay_ms: int | None = None):
        self.desktop = desktop
        self.out = out
        self.state_log = state_log
        extra = [title] if title else []
        if state_log is not None:
            extra += ["--states", str(state_log)]
        if paste_delay_ms is not None:
            extra += ["--paste-delay", str(paste_delay_ms)]
        self.proc = subprocess.Popen(
            [sys.executable, str(REPO / "testkit" / "desktop" / "app_target.py"), str(out), *extra],
            env=desktop.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        line = self.proc.stdout.readline().split()
        assert line and line[0] == "ready", f"target window did not start: {line}"
        self.wid = int(line[1])

    def states(self) -> list[str]:
        """The activation changes logged so far (``active`` / ``inactive``), oldest first."""
        if self.state_log is None or not self.state_log.exists():
            return []
        return self.state_log.read_text(encoding="utf-8").split()

    def text(self) -> str:
        return self.out.read_text(encoding="utf-8")

    def command(self, line: str) -> None:
        """``clear``, ``readonly``, ``editable`` or ``activate`` (see app_target.py)."""
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def reset(self) -> None:
        """Empty the field and give the window the focus (as a user clicking into it)."""
        self.command("clear")
        self.desktop.activate(self)
        wait_for(lambda: self.text() == "" and self.desktop.is_active(self), 5, "target reset")

    def close(self) -> None:
        self.proc.stdin.close()  # the target quits when its stdin closes
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class XtermTarget:
    """An xterm whose shell copies every character it receives into a file (no line buffering).

    The strict case: xterm ignores synthetic (XSendEvent) key events and does not paste with
    Ctrl+V, so only a correct typing backend reaches it.
    """

    TITLE = "dictate-xterm"

    def __init__(self, desktop, out: Path):
        self.desktop = desktop
        self.out = out
        out.write_text("")
        script = f"stty -icanon -echo; exec cat >> '{out}'"
        self.proc = subprocess.Popen(
            ["xterm", "-T", self.TITLE, "-u8", "-geometry", "80x5+100+300", "-e", "sh", "-c", script],
            env=desktop.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        found = wait_for(lambda: self._search(), 30, "the xterm window")
        self.wid = int(found.split()[0])

    def _search(self) -> str:
        return subprocess.run(["xdotool", "search", "--onlyvisible", "--name", f"^{self.TITLE}$"],
                              env=self.desktop.env, capture_output=True, text=True).stdout.strip()

    def text(self) -> str:
        return self.out.read_text(encoding="utf-8", errors="replace")

    def reset(self) -> None:
        self.out.write_text("")  # cat appends (>>), so truncating here empties what it wrote
        self.desktop.xdotool("windowactivate", "--sync", str(self.wid))
        wait_for(lambda: self.desktop.focused_window() == self.wid, 5, "xterm focus")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class App:
    """``python -m dictate_app`` (the `dictate-app` entry point) on the bench, until ready.

    ``command`` is what starts it (tests/packaging passes the frozen executable)."""

    def __init__(self, desktop, model_dir: Path, data_dir: Path, *extra: str,
                 command: tuple[str, ...] = (sys.executable, "-m", "dictate_app")):
        self.desktop = desktop
        self.stderr_path = data_dir / "app.stderr"
        self.log = data_dir / "history.sqlite3"
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                [*command, "--debug", "--model", str(model_dir),
                 "--device", "cpu", "--hotkey", "f9", *extra],
                # Its own data and config dirs: history, settings and the single-instance socket.
                env=dict(desktop.env, DICTATE_DATA_DIR=str(data_dir), DICTATE_CONFIG_DIR=str(data_dir)), cwd=REPO,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, text=True,
            )
        started = time.monotonic()
        readable, _, _ = select.select([self.proc.stdout], [], [], READY_TIMEOUT_S)
        self.ready_line = self.proc.stdout.readline().strip() if readable else ""
        self.ready_s = time.monotonic() - started
        if not self.ready_line.startswith("Dictate is ready"):
            self.proc.kill()
            raise AssertionError(f"the app did not get ready ({self.ready_line!r}):\n{self.stderr()[-3000:]}")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def logged_texts(self) -> list[str]:
        """Texts saved in the app's history, oldest first."""
        from dictate_app.store.history import History

        if not self.log.exists():
            return []
        with History(self.log) as history:
            return [e.text for e in reversed(history.recent(limit=-1))]

    def popup_text(self) -> str | None:
        """The visible popup's text, read from its window title (which mirrors it)."""
        found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "^Dictate: "],
                               env=self.desktop.env, capture_output=True, text=True)
        for wid in found.stdout.split():
            name = self.desktop.xdotool("getwindowname", wid)
            if name.startswith("Dictate: "):
                return name[len("Dictate: "):]
        return None

    def close(self) -> int:
        self.proc.terminate()  # SIGTERM: the app quits cleanly (worker thread, listener, clipboard)
        try:
            return self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise


@contextlib.contextmanager
def app_and_target(desktop, model_dir: Path, data: Path, settings: str = ""):
    """A QLineEdit target and the app using ``data`` (``settings``: lines of its settings.ini, as
    the settings dialog saves them); both closed afterwards, and the app must quit cleanly."""
    if settings:
        (data / "settings.ini").write_text(f"[dictate]\n{settings}", encoding="utf-8")
    target = Target(desktop, data / "target.txt")
    app = App(desktop, model_dir, data)
    try:
        yield target, app
    finally:
        rc = app.close()
        target.close()
    assert rc == 0, app.stderr()[-3000:]


def clipboard(desktop) -> str:
    return subprocess.run(["xsel", "--clipboard", "--output"], env=desktop.env, capture_output=True,
                          text=True, timeout=10).stdout


def set_clipboard(desktop, text: str) -> None:
    """What the user copied before dictating (xsel keeps owning it from a small background process)."""
    subprocess.run(["xsel", "--clipboard", "--input"], input=text, env=desktop.env, text=True,
                   check=True, timeout=10)
    wait_for(lambda: clipboard(desktop) == text, 5, "clipboard set")


def synthesize(desktop, text: str, path: Path, voice: str, pitch: int | None = None,
               speed: int | None = None) -> Path:
    """espeak-ng speech; pitch and speed are how the fixture model's corpus marks emotion."""
    cmd = ["espeak-ng", "-v", voice, "-w", str(path)]
    if pitch is not None:
        cmd += ["-p", str(pitch)]
    if speed is not None:
        cmd += ["-s", str(speed)]
    subprocess.run([*cmd, text], env=desktop.env, check=True, stdout=subprocess.DEVNULL)
    return path


def start_talking(desktop, lead_s: float = LEAD_S) -> None:
    """F9 down, then what a user does before speaking: wait for the start cue, i.e. until the
    app's microphone is live, and a moment more (``lead_s``)."""
    desktop.key_down("F9")
    wait_live(lambda: bench_microphone_live(desktop), APP_LIVE_TIMEOUT_S)
    time.sleep(lead_s)


def settled_text(target, timeout: float = TEXT_TIMEOUT_S) -> str:
    """The target's text once some has arrived and it has not changed for ``SETTLE_S``: a paste
    lands in one change, typing in a few; a late second insertion changes it again (a bug the
    callers see as the wrong text)."""
    current = wait_for(target.text, timeout, "text in the target")
    changed = time.monotonic()
    while time.monotonic() - changed < SETTLE_S:
        time.sleep(0.05)
        if (now := target.text()) != current:
            current, changed = now, time.monotonic()
    return current


def hold_to_talk(desktop, target, wav: Path, lead_s: float = LEAD_S,
                 recording_shot: str | None = None) -> dict:
    """Hold F9 around the utterance, as a user does; return what arrived and when.

    ``release_to_text_s``: key up to the first text in the target. ``focus_during``: the active
    window while the key was held (the popup must not have taken it).
    """
    target.reset()
    start_talking(desktop, lead_s)
    playing = desktop.speak(wav, wait=False)
    if recording_shot:
        time.sleep(0.8)
        desktop.screenshot(recording_shot)  # the popup's level meter and elapsed time
    playing.wait(60)
    focus_during = desktop.focused_window()
    desktop.key_up("F9")
    released = time.monotonic()
    wait_for(target.text, TEXT_TIMEOUT_S, "text in the target")
    arrived = time.monotonic()
    return {"text": settled_text(target), "release_to_text_s": round(arrived - released, 3),
            "focus_during": focus_during}


def doctor(desktop, data_dir: Path) -> tuple[int, dict]:
    """``dictate-app doctor --json`` on the bench, as the user of the app in ``data_dir`` runs it:
    the exit code and the report."""
    env = dict(desktop.env, DICTATE_DATA_DIR=str(data_dir), DICTATE_CONFIG_DIR=str(data_dir))
    out = subprocess.run([sys.executable, "-m", "dictate_app", "doctor", "--json"], env=env, cwd=REPO,
                         capture_output=True, text=True, timeout=60)
    return out.returncode, json.loads(out.stdout)


def report_release_to_text(desktop, name: str, rows: list[dict]) -> None:
    """Print the release-to-text figures of a test module's utterances (median, min, max) and keep
    them as the ``name`` artifact; a figure, not a pass/fail threshold."""
    if not rows:
        return
    figures = sorted(row["release_to_text_s"] for row in rows)
    median = statistics.median(figures)
    print(f"\n{name}: release-to-text over {len(figures)} utterances: median {median * 1000:.0f} ms, "
          f"min {figures[0] * 1000:.0f} ms, max {figures[-1] * 1000:.0f} ms")
    desktop.artifact(name).write_text(json.dumps({"median_s": median, "utterances": rows}, indent=2,
                                                 ensure_ascii=False), encoding="utf-8")
