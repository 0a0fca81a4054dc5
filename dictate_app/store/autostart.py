"""Start Dictate at login: an XDG autostart entry on Linux, the Run key on Windows, a LaunchAgent
on macOS. Qt-free; the settings dialog calls :func:`set_enabled` when "start at login" changes.

The command started at login is the one running now (the frozen executable, or this Python with
``-m dictate_app``), so a venv or PyInstaller install starts itself, not some other copy.

The entry is written atomically (0600, like every file Dictate writes): a session starting while
it is saved reads the old entry or the new one, never a truncated one.
"""

from __future__ import annotations

import ntpath
import os
import plistlib
import sys
from pathlib import Path

from dictate_app.errors import DictateError
from dictate_app.store.private import atomic_write

APP_ID = "dictate-app"
LABEL = "io.github.dictate-app"  # the LaunchAgent's reverse-DNS label
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


class AutostartError(DictateError):
    """Start-at-login could not be changed."""


def launch_command() -> list[str]:
    """The argv that starts this installation's tray app."""
    if getattr(sys, "frozen", False):  # PyInstaller
        return [sys.executable]
    return [sys.executable, "-m", "dictate_app"]


# ---- Linux (XDG autostart) ----

def xdg_autostart_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "autostart"


def _desktop_quote(arg: str) -> str:
    """Quote one argument for a desktop entry's Exec key, by the spec's rules (not the shell's):
    reserved characters need double quotes, inside which ``"`$\\`` take a backslash; ``%`` is
    doubled (field codes)."""
    if arg and not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`='):
        return arg.replace("%", "%%")
    quoted = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return '"' + quoted.replace("%", "%%") + '"'


def _desktop_string(value: str) -> str:
    """The string-type escape, applied after quoting (so a literal backslash becomes four)."""
    return value.replace("\\", "\\\\")


def desktop_entry(command: list[str]) -> str:
    """The text of the autostart ``.desktop`` file."""
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Name=Dictate",
        "Comment=Offline push-to-talk dictation",
        "Exec=" + _desktop_string(" ".join(_desktop_quote(a) for a in command)),
        "Icon=audio-input-microphone",
        "Terminal=false",
        "Categories=Utility;Accessibility;",
        "X-GNOME-Autostart-enabled=true",
        "",
    ])


# ---- macOS (LaunchAgent) ----

def launch_agent_path() -> Path:
    return Path.home() / "Library" / "LaunchAgents" / f"{LABEL}.plist"


def launch_agent_plist(command: list[str]) -> bytes:
    """The LaunchAgent property list: run once at login, do not restart after Quit."""
    return plistlib.dumps({
        "Label": LABEL,
        "ProgramArguments": list(command),
        "RunAtLoad": True,
        "KeepAlive": False,
        "ProcessType": "Interactive",
    })


# ---- Windows (Run key) ----

def _windows_command(command: list[str]) -> str:
    import subprocess

    # No console window at login: pythonw.exe for a venv; in the frozen bundle the windowed
    # Dictate.exe beside the console CLI dictate-app.exe (the tray app may run from either).
    exe = command[0]
    name = ntpath.basename(exe)  # either separator
    windowless = {"python.exe": "pythonw.exe", "dictate-app.exe": "Dictate.exe"}.get(name.lower())
    if windowless and Path(exe[:-len(name)] + windowless).exists():
        command = [exe[:-len(name)] + windowless, *command[1:]]
    return subprocess.list2cmdline(command)


def _winreg():
    import winreg  # only on Windows

    return winreg


# ---- the switch ----

def location(platform: str | None = None) -> str:
    """Where the entry lives, for the settings dialog's tooltip."""
    platform = platform or sys.platform
    if platform.startswith("win"):
        return "HKCU\\" + RUN_KEY + "\\" + APP_ID
    if platform == "darwin":
        return str(launch_agent_path())
    return str(xdg_autostart_dir() / f"{APP_ID}.desktop")


def is_enabled(platform: str | None = None) -> bool:
    platform = platform or sys.platform
    if platform.startswith("win"):
        winreg = _winreg()
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                winreg.QueryValueEx(key, APP_ID)
            return True
        except OSError:
            return False
    return Path(location(platform)).is_file()


def set_enabled(enabled: bool, command: list[str] | None = None, platform: str | None = None) -> None:
    """Create or remove the start-at-login entry; raises :class:`AutostartError` with advice."""
    platform = platform or sys.platform
    command = command or launch_command()
    try:
        if platform.startswith("win"):
            winreg = _winreg()
            with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                if enabled:
                    winreg.SetValueEx(key, APP_ID, 0, winreg.REG_SZ, _windows_command(command))
                else:
                    try:
                        winreg.DeleteValue(key, APP_ID)
                    except FileNotFoundError:
                        pass
            return
        path = Path(location(platform))
        if not enabled:
            path.unlink(missing_ok=True)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, launch_agent_plist(command) if platform == "darwin" else desktop_entry(command))
    except OSError as exc:
        raise AutostartError(f"Start at login could not be {'turned on' if enabled else 'turned off'} "
                             f"({exc}): check that {location(platform)} is writable.") from exc
