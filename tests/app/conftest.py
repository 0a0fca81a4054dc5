"""Fast app tests run without a display, on Qt's offscreen platform (see tests/desktop for real X)."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# pynput cannot even be imported without an X display; its "dummy" backend imports everywhere
# and has an inert listener (what the app meets on a machine without X11).
os.environ.setdefault("PYNPUT_BACKEND", "dummy")
