"""Tray icons for each lifecycle phase, drawn with QPainter at run time (no image files to ship).

A coloured disc (grey loading, green ready, red recording, amber transcribing, blue inserting,
dark red error) with a white microphone, or a "!" for errors: readable at 16 px and in colour-blind
palettes thanks to the glyph change on error and the filled "recording" dot.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPen, QPixmap

from dictate_app.lifecycle import Phase

COLORS = {
    Phase.LOADING: "#8a8a8a",
    Phase.IDLE: "#2e7d32",
    Phase.RECORDING: "#d32f2f",
    Phase.TRANSCRIBING: "#f9a825",
    Phase.INSERTING: "#1976d2",
    Phase.ERROR: "#8e0000",
}
SIZE = 64


def draw_icon(phase: Phase, size: int = SIZE) -> QPixmap:
    """The pixmap for ``phase`` at ``size`` x ``size`` pixels."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 64.0
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(COLORS[phase]))
    p.drawEllipse(QRectF(2 * s, 2 * s, 60 * s, 60 * s))
    white = QColor("white")
    if phase is Phase.ERROR:
        font = QFont()
        font.setBold(True)
        font.setPixelSize(int(44 * s))
        p.setFont(font)
        p.setPen(white)
        p.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, "!")
    else:
        # Microphone: capsule, cradle arc, stem and base.
        p.setBrush(white)
        p.drawRoundedRect(QRectF(25 * s, 12 * s, 14 * s, 24 * s), 7 * s, 7 * s)
        pen = QPen(white, 3.5 * s)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawArc(QRectF(19 * s, 18 * s, 26 * s, 24 * s), 200 * 16, 140 * 16)
        p.drawLine(int(32 * s), int(42 * s), int(32 * s), int(50 * s))
        p.drawLine(int(25 * s), int(50 * s), int(39 * s), int(50 * s))
    p.end()
    return pixmap


@cache
def phase_icon(phase: Phase) -> QIcon:
    """The tray icon for ``phase`` (built once, with 16/32/64 px renderings)."""
    icon = QIcon()
    for size in (16, 32, 64):
        icon.addPixmap(draw_icon(phase, size))
    return icon
