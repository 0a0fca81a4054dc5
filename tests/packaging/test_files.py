"""packaging/'s own files, checked without building: the icons are the tray's drawing, the
desktop entry is valid. (Fast tier: no bundle needed.)"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # as tests/app: no display needed
REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "packaging"))
import make_icons  # noqa: E402  (packaging/ is not a package: it holds the spec and scripts)


def _same_image(a, b) -> bool:
    from PySide6.QtGui import QImage

    fmt = QImage.Format.Format_ARGB32
    return a.convertToFormat(fmt) == b.convertToFormat(fmt)


def test_the_png_icon_is_the_tray_icon_rendered(qapp):
    from PySide6.QtGui import QImage

    committed = QImage(str(make_icons.PNG_PATH))
    assert committed.width() == make_icons.PNG_SIZE
    assert _same_image(committed, make_icons.render(make_icons.PNG_SIZE)), \
        "the tray icon changed: run packaging/make_icons.py and commit its output"


def test_the_ico_and_icns_files_are_what_make_icons_writes(qapp):
    assert make_icons.ICO_PATH.read_bytes() == make_icons.ico_bytes()
    assert make_icons.ICNS_PATH.read_bytes() == make_icons.icns_bytes()


def test_the_ico_holds_every_size_readable_by_qt(qapp):
    from PySide6.QtGui import QImageReader

    data = make_icons.ICO_PATH.read_bytes()
    assert struct.unpack("<HHH", data[:6]) == (0, 1, len(make_icons.ICO_SIZES))
    reader = QImageReader(str(make_icons.ICO_PATH))
    sizes = []
    for i in range(reader.imageCount()):
        reader.jumpToImage(i)
        image = reader.read()
        sizes.append(image.width())
        # Bitmap entries are stored bottom-up: a flipped one would differ from the rendering.
        assert _same_image(image, make_icons.render(image.width())), image.width()
    assert sorted(sizes) == sorted(make_icons.ICO_SIZES)


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-validate is missing: sh tools/system-packages.sh test")
def test_the_desktop_entry_validates():
    entry = REPO / "packaging" / "linux" / "dictate-app.desktop"
    done = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr
    text = entry.read_text()
    assert "Exec=dictate-app\n" in text and f"Icon={make_icons.PNG_PATH.stem}\n" in text
