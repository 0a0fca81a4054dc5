"""Test-side helpers for the desktop tests of the real app: the app process, target windows in
other processes, the clipboard, speech synthesis, and one push-to-talk round trip."""

from __future__ import annotations

import select
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OLD_CLIPBOARD = "OLD-CLIP 旧的 ✓"
READY_TIMEOUT_S = 240  # funasr's import plus the model load: 10-20 s on 2 busy cores
TEXT_TIMEOUT_S = 30


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
            [sys.executable, str(REPO / "tests" / "desktop" / "app_target.py"), str(out), *extra],
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
        self.desktop.xdotool("windowactivate", "--sync", str(self.wid))
        wait_for(lambda: self.text() == "" and self.desktop.focused_window() == self.wid, 5, "target reset")

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


def hold_to_talk(desktop, target, wav: Path, lead_s: float = 0.35,
                 recording_shot: str | None = None) -> dict:
    """Hold F9 around the utterance, as a user does; return what arrived and when.

    ``release_to_text_s``: key up to the first text in the target. ``focus_during``: the active
    window while the key was held (the popup must not have taken it).
    """
    target.reset()
    desktop.xdotool("keydown", "F9")
    time.sleep(lead_s)  # the user starts speaking a moment after pressing
    playing = desktop.speak(wav, wait=False)
    if recording_shot:
        time.sleep(0.8)
        desktop.screenshot(recording_shot)  # the popup's level meter and elapsed time
    playing.wait(60)
    focus_during = desktop.focused_window()
    desktop.xdotool("keyup", "F9")
    released = time.monotonic()
    wait_for(target.text, TEXT_TIMEOUT_S, "text in the target")
    arrived = time.monotonic()
    # Settle: a paste lands in one change, typing in a few; a second insertion would be a bug.
    previous = None
    while (current := target.text()) != previous:
        previous = current
        time.sleep(0.6)
    return {"text": current, "release_to_text_s": round(arrived - released, 3),
            "focus_during": focus_during}
