"""Where the app's data files (``resources/``: sounds, the VAD model) are at run time.

In a source checkout (and an editable install) they sit beside the package, in ``resources/`` at
the repository root; a PyInstaller bundle carries the same tree under its extraction directory
(``sys._MEIPASS``), so ``packaging/`` only has to copy ``resources/`` as data.
"""

from __future__ import annotations

import sys
from pathlib import Path


def resource_dir(name: str) -> Path:
    """``resources/<name>`` inside a PyInstaller bundle, else in the source checkout."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources" / name
    return Path(__file__).resolve().parents[1] / "resources" / name
