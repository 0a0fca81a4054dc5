"""Per-app overrides on the real desktop: the X11 application of a real xterm is read, and an
"xterm: type" override types into it although the setting says paste (xterm does not paste with
Ctrl+V, so only the override gets the text there)."""

from __future__ import annotations

import pytest

from dictate_app.output.inserter import Inserter
from dictate_app.output.per_app import PerAppInserter, window_app
from dictate_app.output.strategy import Method
from dictate_app.output.x11 import Xdotool
from dictate_app.store.settings import AppOverride
from tests.desktop.app_harness import XtermTarget, wait_for
from tests.output.fakes import FakeClipboard

pytestmark = pytest.mark.desktop


@pytest.fixture
def xterm(desktop, tmp_path):
    target = XtermTarget(desktop, tmp_path / "xterm.txt")
    yield target
    target.close()


def test_override_types_into_xterm(xterm, monkeypatch, desktop):
    app = window_app(str(xterm.wid))
    assert app is not None and "XTerm" in app and XtermTarget.TITLE in app
    xterm.reset()
    keys = Xdotool()
    wid = keys.active_window()
    assert wid == str(xterm.wid)
    inserter = PerAppInserter(Inserter(FakeClipboard({}), keys, lambda ms, fn: fn()),
                              lambda: (AppOverride("xterm", method="type"),))
    outcomes = []
    inserter.insert("per app: typed 你好", wid, Method.PASTE, outcomes.append)
    assert outcomes[0].status == "inserted" and outcomes[0].method is Method.TYPE
    assert wait_for(lambda: xterm.text() == "per app: typed 你好", 10, "the typed text in xterm")
