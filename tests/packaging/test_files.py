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


def _same_image(a, b, tolerance: int = 2) -> bool:
    """Equal up to rounding. Qt's raster engine takes other SIMD paths on other CPUs, and its
    antialiased edges then differ by one level in a few channel values (seen: 24 of 262,144 at
    256 px, none by more than 1), so the committed icons cannot be compared byte for byte."""
    import numpy as np
    from PySide6.QtGui import QImage

    def pixels(image):
        image = image.convertToFormat(QImage.Format.Format_ARGB32)
        data = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
        return data.reshape(image.height(), image.bytesPerLine())[:, : 4 * image.width()].astype(int)

    pa, pb = pixels(a), pixels(b)
    return pa.shape == pb.shape and int(np.abs(pa - pb).max()) <= tolerance


def test_the_png_icon_is_the_tray_icon_rendered(qapp):
    from PySide6.QtGui import QImage

    committed = QImage(str(make_icons.PNG_PATH))
    assert committed.width() == make_icons.PNG_SIZE
    assert _same_image(committed, make_icons.render(make_icons.PNG_SIZE)), \
        "the tray icon changed: run packaging/make_icons.py and commit its output"


def test_the_icns_holds_the_tray_icon_at_every_size(qapp):
    from PySide6.QtGui import QImage

    data = make_icons.ICNS_PATH.read_bytes()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    sizes, offset, kinds = dict(make_icons.ICNS_TYPES), 8, []
    while offset < len(data):
        kind, length = data[offset:offset + 4], struct.unpack(">I", data[offset + 4:offset + 8])[0]
        image = QImage.fromData(data[offset + 8:offset + length], "PNG")
        assert image.width() == sizes[kind] and _same_image(image, make_icons.render(sizes[kind])), kind
        kinds.append(kind)
        offset += length
    assert kinds == [kind for kind, _ in make_icons.ICNS_TYPES]


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
