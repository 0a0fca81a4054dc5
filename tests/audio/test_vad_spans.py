"""Silero's span rules (audio/vad_spans.py): a hand-made case, and the same spans as the
``silero-vad`` package's own implementation on random probability sequences (slow: it imports torch).
"""

from __future__ import annotations

import numpy as np
import pytest

from dictate_app.audio.vad_spans import FRAME, Span, spans_from_probabilities


def test_spans_rules_on_a_hand_made_sequence():
    # Frames: 5 of silence, 10 of speech, 5 of silence (160 ms, over the 100 ms minimum: the span
    # closes where the pause began), 10 of speech, 10 of silence.
    probs = np.array([0.0] * 5 + [0.9] * 10 + [0.1] * 5 + [0.9] * 10 + [0.0] * 10)
    total = probs.size * FRAME
    pad = 30 * 16
    assert spans_from_probabilities(probs, total, pad_ms=30) == [
        Span(5 * 512 - pad, 15 * 512 + pad), Span(20 * 512 - pad, 30 * 512 + pad)]
    # With 100 ms pads the gap (2,560 samples) is under two pads: the spans meet in its middle.
    first, second = spans_from_probabilities(probs, total, pad_ms=100)
    assert first.end == second.start == 15 * 512 + 1280
    # A pause shorter than min_silence_ms does not split the span.
    assert len(spans_from_probabilities(probs, total, min_silence_ms=300)) == 1
    # Too short to count.
    assert spans_from_probabilities(probs, total, min_speech_ms=330) == []


@pytest.mark.slow
def test_span_rules_match_silero_on_random_sequences():
    """Every branch of the rules (pauses, short spans, cuts at the longest pause or right there,
    shared gaps), on 600 random sequences against the package's own implementation."""
    from silero_vad import get_speech_timestamps_from_probs

    rng = np.random.default_rng(5)
    for trial in range(600):
        frames = int(rng.integers(0, 400))
        # Runs of speech and silence with values near the thresholds, so hysteresis matters.
        levels = rng.choice([0.02, 0.3, 0.4, 0.5, 0.7, 0.95], size=max(1, frames // 8 + 1))
        probs = np.repeat(levels, 8)[:frames] + rng.normal(0, 0.03, frames)
        probs = np.clip(probs, 0, 1).tolist()
        total = frames * FRAME - int(rng.integers(0, FRAME)) if frames else 0
        kwargs = {"threshold": float(rng.choice([0.5, 0.6])), "min_silence_ms": int(rng.choice([0, 100, 300])),
                  "pad_ms": int(rng.choice([0, 30, 100, 200])), "min_speech_ms": int(rng.choice([0, 120, 250])),
                  "max_speech_s": float(rng.choice([float("inf"), 1.0, 3.0, 29.0]))}
        ours = spans_from_probabilities(np.array(probs), total, **kwargs)
        theirs = get_speech_timestamps_from_probs(
            probs, threshold=kwargs["threshold"], min_silence_duration_ms=kwargs["min_silence_ms"],
            speech_pad_ms=kwargs["pad_ms"], min_speech_duration_ms=kwargs["min_speech_ms"],
            max_speech_duration_s=kwargs["max_speech_s"], audio_length_samples=total)
        assert ours == [Span(int(s["start"]), int(s["end"])) for s in theirs], (trial, kwargs)
