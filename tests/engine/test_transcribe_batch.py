"""``transcribe_batch``: one padded funasr pass gives each clip exactly what a pass of its own gives."""

import numpy as np
import pytest

from dictate_app.engine.base import transcribe_many
from dictate_app.errors import BadAudioError

pytestmark = pytest.mark.slow


def clips(seconds, rate=16000, seed=0):
    rng = np.random.default_rng(seed)
    return [(0.3 * rng.standard_normal(int(rate * s)).astype(np.float32), rate) for s in seconds]


def test_a_padded_batch_equals_one_pass_per_clip(tiny_engine):
    items = clips((0.5, 1.3, 2.0, 0.9)) + [(np.ones(22050, np.int16) * 300, 22050)]
    for language, itn in (("auto", True), ("zh", False)):
        single = [tiny_engine.transcribe(s, r, language, itn) for s, r in items]
        batch = tiny_engine.transcribe_batch(items, language, itn)
        assert [t.raw for t in batch] == [t.raw for t in single]
        assert [t.duration_s for t in batch] == [t.duration_s for t in single]
        assert len({t.timings for t in batch}) == 1  # one shared pass


def test_a_clip_over_30_s_is_split_on_its_own(tiny_engine):
    items = clips((1.0, 31.0), seed=1)
    batch = tiny_engine.transcribe_batch(items)
    assert batch[1].raw == tiny_engine.transcribe(*items[1]).raw
    assert batch[0].raw == tiny_engine.transcribe(*items[0]).raw


def test_bad_clips_and_languages_fail_before_the_model(tiny_engine):
    with pytest.raises(BadAudioError, match="at least 50 ms"):
        tiny_engine.transcribe_batch(clips((1.0, 0.01)))
    with pytest.raises(BadAudioError, match="'fr'"):
        tiny_engine.transcribe_batch(clips((1.0,)), language="fr")


def test_transcribe_many_uses_the_batch_or_a_loop(tiny_engine):
    items = clips((0.7, 0.8), seed=2)

    class LoopOnly:  # a backend without transcribe_batch
        backend, device = "loop", "cpu"

        def transcribe(self, samples, rate, language="auto", itn=True):
            return tiny_engine.transcribe(samples, rate, language, itn)

    assert [t.raw for t in transcribe_many(LoopOnly(), items)] == [t.raw for t in transcribe_many(tiny_engine, items)]
