"""What the app tells a new user about using it: the hotkey in its mode, how to stop a recording
started from the tray, and where the settings are. Qt-free, one wording for the setup window,
the tray and the terminal line."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from dictate_app.desktop.keys import key_label
from dictate_app.lifecycle import Mode

WHERE_SETTINGS = "Settings and history are in the menu of Dictate's tray icon."
NO_HOTKEY = "use Start dictation in the menu of Dictate's tray icon"
GPU_SWITCH = ("This computer has an NVIDIA graphics card, and this is Dictate's CPU build: the full build "
              "runs the model on the card (see “GPU” in the README).")


def how_to_dictate(hotkey: str, mode: Mode | str) -> str:
    """"hold F9 anywhere, speak, release" (hold mode) or "press F9 anywhere to start, again to stop"."""
    key = key_label(hotkey)
    if Mode(mode) is Mode.HOLD:
        return f"hold {key} anywhere, speak, release"
    return f"press {key} anywhere to start, again to stop"


def hotkey_in_mode(hotkey: str, mode: Mode | str) -> str:
    """The short form for a menu entry: "hold F9" or "press F9"."""
    return f"{'hold' if Mode(mode) is Mode.HOLD else 'press'} {key_label(hotkey)}"


def cpu_build() -> bool:
    """True for the CPU build (no torch: requirements/cpu.txt), which runs the model on the
    processor only. Looked up, not imported (importing torch takes seconds)."""
    return importlib.util.find_spec("torch") is None


def nvidia_gpu_present() -> bool:
    """The NVIDIA driver is installed (what the loader's ``has_cuda`` checks before asking torch)."""
    return Path("/proc/driver/nvidia/version").exists() or shutil.which("nvidia-smi") is not None


def gpu_switch_hint() -> str:
    """One line for the setup window when the CPU build runs on a machine with an NVIDIA card."""
    return GPU_SWITCH if cpu_build() and nvidia_gpu_present() else ""


def hands_free_stops(after_s: float) -> str:
    """Under a hands-free take started from the tray: how it ends."""
    return f"Stops by itself after a {after_s:g} s pause, or choose Stop dictation in the tray menu."


def how_to_stop(hotkey: str | None, clicked: bool) -> str:
    """After a recording was started from the tray (``clicked``: by a left click on the icon);
    ``hotkey`` None when it does not work here."""
    where = "click Dictate's tray icon again" if clicked else "choose Stop dictation in the tray menu"
    return f"To stop: {where}, or press {key_label(hotkey)}." if hotkey else f"To stop: {where}."
