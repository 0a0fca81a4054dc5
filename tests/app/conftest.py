"""Fast app tests run without a display, on Qt's offscreen platform (see tests/desktop for real X)."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
