"""Per-app overrides on the real desktop: the X11 application of a real xterm is read (the X11
backend's focused window), and an
"xterm: type" override types into it although the setting says paste (xterm does not paste with
Ctrl+V, so only the override gets the text there)."""

from __future__ import annotations

import pytest

from dictate_app.desktop.x11.windows import X11Windows
from dictate_app.desktop.x11.xdotool import Xdotool
from dictate_app.output.inserter import Inserter
from dictate_app.output.per_app import PerAppInserter
from dictate_app.output.strategy import Method
from dictate_app.store.settings import AppOverride
from testkit.desktop.app_harness import XtermTarget, wait_for
from tests.desktop.fakes import FakeClipboard

pytestmark = pytest.mark.desktop


@pytest.fixture
def xterm(desktop, tmp_path):
    target = XtermTarget(desktop, tmp_path / "xterm.txt")
    yield target
    target.close()


def test_override_types_into_xterm(xterm, monkeypatch, desktop):
    xterm.reset()
    windows = X11Windows()
    target = windows.focused()
    assert target is not None and target.id == str(xterm.wid)
    assert "XTerm" in target.app and XtermTarget.TITLE in target.title and target.pid == xterm.proc.pid
    inserter = PerAppInserter(Inserter(FakeClipboard({}), Xdotool(), windows.focused, lambda ms, fn: fn()),
                              lambda: (AppOverride("xterm", method="type"),))
    outcomes = []
    inserter.insert("per app: typed 你好", target, Method.PASTE, outcomes.append)
    assert outcomes[0].status == "inserted" and outcomes[0].method is Method.TYPE
    assert wait_for(lambda: xterm.text() == "per app: typed 你好", 10, "the typed text in xterm")
