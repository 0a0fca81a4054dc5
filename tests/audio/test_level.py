"""The level meter: exact window counts whatever the block size."""

import numpy as np
import pytest

from dictate_app.audio.level import LevelMeter


@pytest.mark.parametrize("block", [1, 7, 441, 1764, 10_000])
def test_one_level_per_window_of_audio_whatever_the_blocks(block):
    meter = LevelMeter(44_100)  # 1,764-sample windows
    audio = np.full(44_100 * 2, 0.25, np.float32)
    audio[::2] = -0.25
    levels = [lv for i in range(0, audio.size, block) for lv in meter.feed(audio[i:i + block])]
    assert len(levels) == 50
    assert all(rms == pytest.approx(0.25) and peak == pytest.approx(0.25) for rms, peak in levels)


def test_a_click_shows_in_the_peak_of_its_window_only():
    meter = LevelMeter(16_000)
    audio = np.zeros(16_000, np.float32)
    audio[700] = 0.9  # inside the second 640-sample window
    levels = meter.feed(audio)
    assert [peak for _, peak in levels][:3] == [0.0, pytest.approx(0.9), 0.0]
