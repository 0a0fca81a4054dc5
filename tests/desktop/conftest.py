"""tests/desktop/ holds two things: the fast tests of ``dictate_app/desktop/`` (mirroring the
package), and the real-desktop tier, which runs against a bench: the X11 bench
(testkit/desktop/bench.py, fixture ``desktop``) or headless sway (testkit/desktop/sway_bench.py,
fixture ``sway`` in wayland/). Every test that uses either fixture, directly or through another
fixture, is marked ``desktop``.

The session fixture ``desktop`` starts the bench once, exports its environment into
``os.environ`` (DISPLAY, QT_QPA_PLATFORM=xcb, PULSE_SERVER, PULSE_CLIENTCONFIG, XDG_RUNTIME_DIR,
LANG) so in-process code and subprocesses both reach it, and re-enumerates PortAudio's devices
(PortAudio lists them once, at import, maybe before the bench's audio server existed).
Missing system packages are installed when we are root; otherwise the test fails with the command.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import pytest

from testkit.desktop.bench import BenchError, Desktop, ensure_system_packages

HERE = Path(__file__).resolve().parent
# The fast tests here use Qt in-process without a display; the bench tiers run Qt apps in their own
# processes with the bench's environment (QT_QPA_PLATFORM=xcb or wayland).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
EXPORTED = ("DISPLAY", "QT_QPA_PLATFORM", "PULSE_SERVER", "PULSE_CLIENTCONFIG", "XDG_RUNTIME_DIR", "LANG")


BENCH_FIXTURES = frozenset({"desktop", "sway"})


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents and BENCH_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.desktop)


def refresh_portaudio() -> None:
    """Make an already imported PortAudio see the bench's (new or restarted) audio server."""
    if "sounddevice" in sys.modules:
        from dictate_app.audio.devices import refresh_devices

        refresh_devices()


@contextlib.contextmanager
def running_bench(bench, exported, hidden=()):
    """``bench`` started, its ``exported`` variables in ``os.environ`` (``hidden`` ones removed)
    while it runs, PortAudio told; all put back and the bench stopped afterwards."""
    try:
        bench.start()
    except BenchError as exc:
        pytest.fail(str(exc))
    saved = {key: os.environ.get(key) for key in (*exported, *hidden)}
    for key in hidden:
        os.environ.pop(key, None)
    os.environ.update({key: bench.env[key] for key in exported})
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


@pytest.fixture(scope="session")
def desktop():
    """A running bench (:class:`testkit.desktop.bench.Desktop`) for the whole session."""
    try:
        ensure_system_packages()
    except BenchError as exc:
        pytest.fail(str(exc))
    with running_bench(Desktop(), EXPORTED) as bench:
        yield bench
