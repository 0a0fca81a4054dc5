"""The fake compositor (fake_compositor.py) for the fast Wayland tests, offering a seat and both
data-control managers (the wlr one and the standard ext one)."""

from __future__ import annotations

import pytest

from tests.platform.wayland.fake_compositor import FakeCompositor

GLOBALS = [("wl_seat", 7), ("zwlr_data_control_manager_v1", 2), ("ext_data_control_manager_v1", 1)]


@pytest.fixture
def fake(tmp_path):
    compositor = FakeCompositor(tmp_path / "wayland-1", GLOBALS)
    yield compositor
    compositor.close()
