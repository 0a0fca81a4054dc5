"""A take alone, without a recorder: what it is told by construction decides its limits and whether it
measures the level (the recorder used to be handed in and read for them)."""

import numpy as np

from dictate_app.audio.capture import MAX_WARNING_S, Take


def take(**kwargs) -> Take:
    options = {"tail_s": 0.25, "max_s": 60.0, "metered": False} | kwargs
    return Take(16_000, "test mic", 0.0, opened_on_demand=False, notes=[], **options)


def test_tail_and_length_limit_in_samples():
    t = take(tail_s=0.25, max_s=60.0)
    assert (t.tail_samples, t.max_samples, t.max_s) == (4_000, 960_000, 60.0)
    assert t.warn_at == round(60.0 * 0.8 * 16_000)  # the warning comes at most a fifth of the limit early
    assert take(max_s=600.0).warn_at == round((600.0 - MAX_WARNING_S) * 16_000)


def test_the_level_is_measured_only_when_someone_listens():
    block = np.full(16_000, 0.5, np.float32)
    quiet = take(metered=False)
    quiet.add_block(block, arrival=0.0, age=0.0, overflow=False)
    assert quiet.levels() == []
    metered = take(metered=True)
    metered.add_block(block, arrival=0.0, age=0.0, overflow=False)
    levels = metered.levels()
    assert levels and all(abs(rms - 0.5) < 1e-6 and abs(peak - 0.5) < 1e-6 for rms, peak in levels)
