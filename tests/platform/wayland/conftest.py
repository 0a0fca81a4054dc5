"""Fixtures for the XDG portal tests: a private session bus with the real xdg-desktop-portal frontend
and the test backend (``portal_stack.py``). No display is needed. And ``fake``: the fake compositor
(``fake_compositor.py``) of the Wayland client and clipboard tests, offering a seat and both
data-control managers (the wlr one and the standard ext one).

``portal``: the shared stack (one per module), its recorded calls and configuration reset for each
test. ``own_stack``: a stack of the test's own, for tests that kill or stop its processes.
``frontend_double``: a stack whose frontend is the test double (RemoteDesktop version 2).
"""

from __future__ import annotations

import shutil

import pytest

from tests.platform.wayland.fake_compositor import FakeCompositor
from tests.platform.wayland.portal_stack import FRONTEND, PortalStack, StackError

GLOBALS = [("wl_seat", 7), ("zwlr_data_control_manager_v1", 2), ("ext_data_control_manager_v1", 1)]


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


@pytest.fixture
def fake(tmp_path):
    compositor = FakeCompositor(tmp_path / "wayland-1", GLOBALS)
    yield compositor
    compositor.close()
