"""The kept audio of a take with no time limit (the recorder tests run it inside a real take)."""

from __future__ import annotations

import numpy as np

from dictate_app.audio.spoken import DROP_EVERY, SpokenAudio


def test_drops_only_whole_steps_and_keeps_positions():
    ramp = np.arange(3 * DROP_EVERY, dtype=np.float32) / (3 * DROP_EVERY)
    kept = SpokenAudio()
    for block in np.split(ramp, 30):
        kept.add(block)
    kept.drop_until(DROP_EVERY - 1)
    assert kept.head == 0, "less than a step: nothing dropped yet"
    kept.drop_until(DROP_EVERY + 5)
    assert kept.head == DROP_EVERY + 5
    flushed = np.array([2.0], np.float32)
    samples = kept.samples(flushed)
    assert np.array_equal(samples[:-1], ramp[DROP_EVERY + 5:]) and samples[-1] == 1.0  # clipped
    assert SpokenAudio().samples().size == 0
