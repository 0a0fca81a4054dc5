"""Fast app tests run without a display, on Qt's offscreen platform (see tests/desktop for real X)."""

import gc
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# pynput cannot even be imported without an X display; its "dummy" backend imports everywhere
# and has an inert listener (what the app meets on a machine without X11).
os.environ.setdefault("PYNPUT_BACKEND", "dummy")


@pytest.fixture(autouse=True)
def collect_qt_garbage_on_the_gui_thread(request):
    """After a Qt test, collect its garbage here, on the GUI thread.

    Otherwise a later test's worker thread (a model load allocates a lot) may run the collection
    and destroy this test's QObjects off their thread: a segfault when Qt then fires their timers
    (see dictate_app/app/gui_gc.py, which does the same for the running app)."""
    yield
    if "qtbot" in request.fixturenames:
        gc.collect()
