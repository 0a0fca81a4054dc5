"""The Wayland half of the desktop tier: tests here run against headless sway (sway_bench.py).

The package-scoped fixture ``sway`` starts the bench when the first test here needs it and stops
it after the last; while it runs, ``os.environ`` is the bench's client environment (Wayland
variables and the bench's PulseAudio; no ``DISPLAY``, so nothing here reaches the X11 bench by
accident). Tests using it are marked ``desktop`` by the parent conftest.

The XDG portal tests need no display, only a private session bus with the real xdg-desktop-portal
frontend and the test backend (``portal_stack.py``):
``portal``: the shared stack (one per module), its recorded calls and configuration reset for each
test. ``own_stack``: a stack of the test's own, for tests that kill or stop its processes.
``frontend_double``: a stack whose frontend is the test double (RemoteDesktop version 2).
"""

from __future__ import annotations

import shutil

import pytest

from tests.desktop.conftest import running_bench
from testkit.desktop.sway_bench import SwayDesktop
from tests.desktop.wayland.fake_compositor import FakeCompositor
from tests.desktop.wayland.portal_stack import FRONTEND, PortalStack, StackError

EXPORTED = ("WAYLAND_DISPLAY", "SWAYSOCK", "XDG_SESSION_TYPE", "XDG_CURRENT_DESKTOP", "QT_QPA_PLATFORM",
            "PULSE_SERVER", "PULSE_CLIENTCONFIG", "XDG_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS", "LANG")
HIDDEN = ("DISPLAY",)


@pytest.fixture(scope="package")
def sway():
    """A running :class:`testkit.desktop.sway_bench.SwayDesktop` for the tests of this package."""
    with running_bench(SwayDesktop(), EXPORTED, HIDDEN) as bench:
        yield bench


def _require_tools() -> None:
    missing = [tool for tool in ("dbus-daemon",) if shutil.which(tool) is None]
    if missing or not FRONTEND.exists():
        pytest.fail(f"{', '.join(missing) or FRONTEND} missing: run `sh tools/system-packages.sh test`")


def _start(tmp_path_factory, frontend: str = "real") -> PortalStack:
    _require_tools()
    try:
        return PortalStack(tmp_path_factory.mktemp("portal"), frontend=frontend).start()
    except StackError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def _shared_stack(tmp_path_factory):
    stack = _start(tmp_path_factory)
    yield stack
    stack.stop()


@pytest.fixture
def portal(_shared_stack):
    _shared_stack.control("Reset")
    return _shared_stack


@pytest.fixture
def own_stack(tmp_path_factory):
    stack = _start(tmp_path_factory)
    yield stack
    for name in stack.procs:
        stack.resume(name)  # a stopped process would not end on TERM
    stack.stop()


@pytest.fixture
def frontend_double(tmp_path_factory):
    stack = _start(tmp_path_factory, frontend="double")
    yield stack
    stack.stop()


# The fake compositor of the Wayland client and clipboard tests: a seat and both data-control
# managers (the wlr one and the standard ext one).
FAKE_GLOBALS = [("wl_seat", 7), ("zwlr_data_control_manager_v1", 2), ("ext_data_control_manager_v1", 1)]


@pytest.fixture
def fake(tmp_path):
    compositor = FakeCompositor(tmp_path / "wayland-1", FAKE_GLOBALS)
    yield compositor
    compositor.close()
