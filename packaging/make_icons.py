"""Render the app icon files from the tray icon's drawing code (the one source of truth).

The tray draws its icons with QPainter at run time (``dictate_app/app/icons.py``); the packages
need files: a 256 px PNG for Linux (``.desktop`` icon), a multi-size ``.ico`` for Windows (the
executable and the installer) and an ``.icns`` for the macOS bundle (both written here: a few lines of struct
packing, no Pillow). All three are the "ready"
(idle) icon, rendered here, committed, and checked against a fresh rendering by
``tests/packaging/test_icons.py``. Run after changing the drawing::

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icons.py
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PNG_PATH = HERE / "linux" / "dictate-app.png"
ICO_PATH = HERE / "windows" / "dictate.ico"
ICNS_PATH = HERE / "macos" / "dictate.icns"
PNG_SIZE = 256
# Windows picks the entry closest to what it draws: small for the tray/Start menu, 256 for tiles.
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# macOS icon types holding PNG data (no TOC needed): 128, 256, 512 and 1024 (512@2x) px.
ICNS_TYPES = ((b"ic07", 128), (b"ic08", 256), (b"ic09", 512), (b"ic10", 1024))


def _app():
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.instance() or QGuiApplication(sys.argv[:1])


def render(size: int):
    """The app icon (the tray's "ready" icon) as a straight-alpha ARGB32 QImage of ``size`` px."""
    from PySide6.QtGui import QImage

    from dictate_app.app.icons import draw_icon
    from dictate_app.lifecycle import Phase

    _app()
    return draw_icon(Phase.IDLE, size).toImage().convertToFormat(QImage.Format.Format_ARGB32)


def _png_bytes(image) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError("Qt could not encode a PNG")
    buffer.close()
    return bytes(data.data())


def _dib_bytes(image) -> bytes:
    """An ICO entry in the classic format: BITMAPINFOHEADER, 32-bit BGRA rows bottom-up, AND mask.

    Why not PNG for every size: PNG entries are only universally read at 256 px (older shell
    code and some tools, Inno Setup's icon loading among them, expect bitmaps below that)."""
    size = image.width()
    header = struct.pack("<IiiHHIIiiII", 40, size, 2 * size, 1, 32, 0, 0, 0, 0, 0, 0)
    # Format_ARGB32 is 0xAARRGGBB per pixel, i.e. B, G, R, A bytes on little-endian machines:
    # exactly the DIB layout. Rows go bottom-up in a DIB.
    rows = [bytes(image.constScanLine(y))[: size * 4] for y in range(size)]
    if sys.byteorder != "little":
        raise RuntimeError("the ICO writer assumes a little-endian machine")
    mask_row = b"\0" * (((size + 31) // 32) * 4)  # all zero: the alpha channel decides
    return header + b"".join(reversed(rows)) + mask_row * size


def ico_bytes(sizes=ICO_SIZES) -> bytes:
    """A multi-size Windows icon (ICONDIR + entries): bitmaps below 256 px, PNG at 256."""
    payloads = [(_png_bytes(render(s)) if s >= 256 else _dib_bytes(render(s)), s) for s in sizes]
    out = struct.pack("<HHH", 0, 1, len(payloads))
    offset = 6 + 16 * len(payloads)
    for data, s in payloads:
        dim = 0 if s >= 256 else s  # 0 means 256 in an ICONDIRENTRY
        out += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    return out + b"".join(data for data, _ in payloads)


def icns_bytes(types=ICNS_TYPES) -> bytes:
    """A macOS icon family: ``icns`` + total length, then (type, length, PNG) per size."""
    body = b""
    for kind, size in types:
        data = _png_bytes(render(size))
        body += kind + struct.pack(">I", 8 + len(data)) + data
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    PNG_PATH.write_bytes(_png_bytes(render(PNG_SIZE)))
    ICO_PATH.write_bytes(ico_bytes())
    # Not Qt's icns writer: its files make Qt's own reader warn about a bad table of contents.
    ICNS_PATH.write_bytes(icns_bytes())
    for path in (PNG_PATH, ICO_PATH, ICNS_PATH):
        print(f"{path.relative_to(HERE.parent)}: {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))  # dictate_app from this checkout
    sys.exit(main())
