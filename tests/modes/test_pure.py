"""The AI modes core is pure: importing it (and the modes command) loads no Qt, torch, PortAudio
or keyring (the keyring is imported only when a key is looked up)."""

from __future__ import annotations

import subprocess
import sys


def test_the_modes_core_imports_no_qt_torch_audio_or_keyring():
    modules = ("dictate_app.modes.catalog", "dictate_app.modes.prompt", "dictate_app.modes.client",
               "dictate_app.modes.run", "dictate_app.commands.modes")
    code = (f"import sys\nfor m in {modules!r}: __import__(m)\n"
            "print(sorted(m for m in ('PySide6', 'torch', 'sounddevice', 'funasr', 'keyring') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
