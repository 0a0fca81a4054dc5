"""Start at login: the XDG autostart entry is created valid, starts this installation, and is
removed; the macOS LaunchAgent and the Windows Run-key command are checked as generated text."""

from __future__ import annotations

import plistlib
import shutil
import subprocess
import sys

import pytest

from dictate_app import __version__
from dictate_app.store import autostart


@pytest.fixture
def xdg(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    return tmp_path / "autostart" / "dictate-app.desktop"


def _entry(text: str) -> dict[str, str]:
    lines = text.splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if line)


def _spec_split(exec_line: str) -> list[str]:
    """Split an Exec value as the desktop entry spec says: string escapes first (a doubled
    backslash is one), then quoting (inside "..." a backslash escapes " ` $ and itself), %% = %."""
    text = exec_line.replace("\\\\", "\\")
    args, current, quoted, i, started = [], "", False, 0, False
    while i < len(text):
        c = text[i]
        if quoted and c == "\\" and i + 1 < len(text) and text[i + 1] in '"`$\\':
            current, i = current + text[i + 1], i + 2
            continue
        if c == '"':
            quoted, started = not quoted, True
        elif c == " " and not quoted:
            if started:
                args.append(current)
            current, started = "", False
        else:
            current, started = current + c, True
        i += 1
    if started:
        args.append(current)
    return [a.replace("%%", "%") for a in args]


def test_linux_entry_created_valid_and_removed(xdg):
    assert not autostart.is_enabled("linux")
    autostart.set_enabled(True, platform="linux")
    assert xdg.is_file() and autostart.is_enabled("linux")
    entry = _entry(xdg.read_text(encoding="utf-8"))
    assert entry["Type"] == "Application" and entry["Name"] == "Dictate" and entry["Terminal"] == "false"
    assert _spec_split(entry["Exec"]) == [sys.executable, "-m", "dictate_app"]
    if shutil.which("desktop-file-validate") is None:
        pytest.fail("desktop-file-validate is missing: run `sh tools/system-packages.sh test`")
    check = subprocess.run(["desktop-file-validate", str(xdg)], capture_output=True, text=True)
    assert check.returncode == 0 and "error" not in check.stdout.lower(), check.stdout
    # The Exec line really starts this installation of Dictate.
    run = subprocess.run([*_spec_split(entry["Exec"]), "--version"], capture_output=True, text=True, timeout=60)
    assert run.stdout.strip() == f"dictate-app {__version__}"
    autostart.set_enabled(False, platform="linux")
    assert not xdg.exists() and not autostart.is_enabled("linux")
    autostart.set_enabled(False, platform="linux")  # turning off twice is fine


def test_exec_quoting_of_awkward_paths(xdg, tmp_path):
    command = [str(tmp_path / "my apps" / 'py"th\\on$`'), "-m", "dictate_app", "100%"]
    autostart.set_enabled(True, command=command, platform="linux")
    exec_line = _entry(xdg.read_text(encoding="utf-8"))["Exec"]
    assert "100%%" in exec_line  # % is the field-code escape in desktop entries
    assert _spec_split(exec_line) == command
    check = subprocess.run(["desktop-file-validate", str(xdg)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout


def test_entry_is_replaced_atomically_and_private(xdg):
    """Rewriting an existing entry (a moved install) renames a new file over it: a session
    starting meanwhile reads the old or the new entry, never a truncated one."""
    autostart.set_enabled(True, command=["/old/dictate-app"], platform="linux")
    before = xdg.stat().st_ino
    autostart.set_enabled(True, command=["/new/dictate-app"], platform="linux")
    assert xdg.stat().st_ino != before and _entry(xdg.read_text(encoding="utf-8"))["Exec"] == "/new/dictate-app"
    assert xdg.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in xdg.parent.iterdir()) == ["dictate-app.desktop"]


def test_unwritable_location_is_one_clear_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocker))  # autostart dir would be under a file
    with pytest.raises(autostart.AutostartError, match="could not be turned on"):
        autostart.set_enabled(True, platform="linux")


def test_macos_launch_agent_content(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    command = ["/Applications/Dictate.app/Contents/MacOS/Dictate"]
    plist = plistlib.loads(autostart.launch_agent_plist(command))
    assert plist == {"Label": autostart.LABEL, "ProgramArguments": command, "RunAtLoad": True,
                     "KeepAlive": False, "ProcessType": "Interactive"}
    # Written where launchd looks for per-user agents (exercised on this machine's file system).
    autostart.set_enabled(True, command=command, platform="darwin")
    path = tmp_path / "Library" / "LaunchAgents" / f"{autostart.LABEL}.plist"
    assert plistlib.loads(path.read_bytes())["ProgramArguments"] == command
    assert path.stat().st_mode & 0o777 == 0o600  # owner-only: launchd refuses plists others can write
    assert autostart.is_enabled("darwin")
    autostart.set_enabled(False, platform="darwin")
    assert not path.exists()


def test_windows_run_key_command(tmp_path):
    exe = tmp_path / "Python" / "python.exe"
    exe.parent.mkdir()
    exe.write_text("")
    (exe.parent / "pythonw.exe").write_text("")
    line = autostart._windows_command([str(exe), "-m", "dictate_app"])
    assert line == f"{exe.parent / 'pythonw.exe'} -m dictate_app"  # no console window at login
    assert autostart._windows_command([r"C:\Program Files\Dictate\Dictate.exe"]) == \
        r'"C:\Program Files\Dictate\Dictate.exe"'
    assert autostart.location("win32").endswith(r"CurrentVersion\Run\dictate-app")
    # The frozen bundle: the tray app started from the console CLI still signs in windowless.
    bundle = tmp_path / "Dictate"
    bundle.mkdir()
    (bundle / "dictate-app.exe").write_text("")
    assert autostart._windows_command([str(bundle / "dictate-app.exe")]) == str(bundle / "dictate-app.exe")
    (bundle / "Dictate.exe").write_text("")
    assert autostart._windows_command([str(bundle / "dictate-app.exe")]) == str(bundle / "Dictate.exe")
