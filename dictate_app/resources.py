"""Where the app's data files (``dictate_app/data/``: sounds, the Silero VAD model) are at run time.

They are package data: inside the package in a source checkout, an editable install, a wheel or
``pipx install .`` (pyproject.toml lists them), so every install finds them beside this module. A
PyInstaller bundle carries the same tree under its extraction directory (``sys._MEIPASS``,
``packaging/dictate.spec`` copies ``dictate_app/data`` as data).
"""

from __future__ import annotations

import sys
from pathlib import Path

DATA_DIR = "data"


def resource_dir(name: str) -> Path:
    """``dictate_app/data/<name>``, in the installed package or inside a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "dictate_app" / DATA_DIR / name
    return Path(__file__).resolve().parent / DATA_DIR / name
