"""Fast app tests run without a display, on Qt's offscreen platform (see tests/desktop for real X)."""

import gc
import os

import pytest

from dictate_app.app.gui_gc import GuiThreadCollector

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# pynput cannot even be imported without an X display; its "dummy" backend imports everywhere
# and has an inert listener (what the app meets on a machine without X11).
os.environ.setdefault("PYNPUT_BACKEND", "dummy")


@pytest.fixture(autouse=True)
def collect_qt_garbage_like_the_app(request):
    """A Qt test runs with the app's own GuiThreadCollector (dictate_app/app/gui_gc.py): automatic
    collection off, collections from the GUI thread's event loop, and one more here after the test.

    Two hazards of automatic collection, both seen in this suite: a later test's worker thread
    (a model load allocates a lot) runs the collection and destroys this test's QObjects off their
    thread (a segfault when Qt then fires their timers); and a collection triggered by an
    allocation *inside* Qt code that holds a signal-slot lock (PySide asking Python for a
    ``disconnectNotify`` override during ``QObject::disconnect``) destroys a QObject, whose
    destructor waits for that same lock: the GUI thread deadlocks on itself."""
    if "qtbot" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("qapp")  # the collector's timer needs the application
    collector = GuiThreadCollector()
    collector.start()
    try:
        yield
    finally:
        gc.collect()
        collector.stop()


@pytest.fixture
def screenshot():
    """``screenshot(widget, name)`` saves ``widget.grab()`` as ``name.png`` and returns the path:
    in ``test-artifacts/screenshots/`` (beside the desktop tier's screenshots), or in
    $DICTATE_SCREENSHOTS when set. Offscreen grabs render real fonts and layout, so clipped
    headers and wrapped lines show: look at them after changing a window."""
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    folder = Path(os.environ.get("DICTATE_SCREENSHOTS") or repo / "test-artifacts" / "screenshots")

    def shoot(widget, name: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        if widget.layout() is not None:
            widget.layout().activate()
        assert widget.grab().save(str(path)), f"could not save {path}"
        return path

    return shoot
