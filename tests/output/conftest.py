"""Fast output tests run without a display: Qt's offscreen platform has an in-process clipboard."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
