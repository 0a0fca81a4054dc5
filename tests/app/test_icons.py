"""Tray icons drawn at run time (app/icons.py): every size the tray asks for, a different glyph on
error, and one icon per phase built once. (The phase colours: tests/app/test_tray.py.)"""

from __future__ import annotations

import pytest

from dictate_app.app.icons import COLORS, draw_icon, phase_icon
from dictate_app.lifecycle import Phase


@pytest.mark.parametrize("size", [16, 32, 64])
def test_drawn_at_the_size_asked_with_a_transparent_corner(qapp, size):
    image = draw_icon(Phase.IDLE, size).toImage()
    assert (image.width(), image.height()) == (size, size)
    assert image.pixelColor(0, 0).alpha() == 0  # outside the disc


def _glyph(phase: Phase) -> set[tuple[int, int]]:
    """The white pixels (the glyph) of a 64 px icon."""
    image = draw_icon(phase, 64).toImage()
    return {(x, y) for x in range(64) for y in range(64)
            if min(image.pixelColor(x, y).red(), image.pixelColor(x, y).green(), image.pixelColor(x, y).blue()) > 240}


def test_error_has_its_own_glyph_the_others_share_the_microphone(qapp):
    microphone = _glyph(Phase.IDLE)
    assert microphone and _glyph(Phase.TRANSCRIBING) == microphone
    assert _glyph(Phase.ERROR) != microphone  # readable without the colours


def test_each_phase_icon_is_built_once_with_three_renderings(qapp):
    assert set(COLORS) == set(Phase)
    icon = phase_icon(Phase.RECORDING)
    assert icon is phase_icon(Phase.RECORDING)
    assert sorted(s.width() for s in icon.availableSizes()) == [16, 32, 64]
