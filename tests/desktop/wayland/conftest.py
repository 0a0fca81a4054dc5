"""The Wayland half of the desktop tier: tests here run against headless sway (sway_bench.py).

The package-scoped fixture ``sway`` starts the bench when the first test here needs it and stops
it after the last; while it runs, ``os.environ`` is the bench's client environment (Wayland
variables and the bench's PulseAudio; no ``DISPLAY``, so nothing here reaches the X11 bench by
accident). Everything under tests/desktop/ is marked ``desktop`` by the parent conftest.
"""

from __future__ import annotations

import os

import pytest

from tests.desktop.bench import BenchError
from tests.desktop.conftest import refresh_portaudio
from tests.desktop.sway_bench import SwayDesktop

EXPORTED = ("WAYLAND_DISPLAY", "SWAYSOCK", "XDG_SESSION_TYPE", "XDG_CURRENT_DESKTOP", "QT_QPA_PLATFORM",
            "PULSE_SERVER", "PULSE_CLIENTCONFIG", "XDG_RUNTIME_DIR", "LANG")
HIDDEN = ("DISPLAY",)


@pytest.fixture(scope="package")
def sway():
    """A running :class:`tests.desktop.sway_bench.SwayDesktop` for the tests of this package."""
    try:
        bench = SwayDesktop().start()
    except BenchError as exc:
        pytest.fail(str(exc))
    saved = {key: os.environ.get(key) for key in (*EXPORTED, *HIDDEN)}
    for key in HIDDEN:
        os.environ.pop(key, None)
    os.environ.update({key: bench.env[key] for key in EXPORTED})
    refresh_portaudio()
    try:
        yield bench
    finally:
        bench.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        refresh_portaudio()
