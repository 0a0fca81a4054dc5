"""Training augmentation: the short lead-in that teaches the model a word starting right after the cut."""

from __future__ import annotations

import numpy as np

from dictate_app.audio.convert import MODEL_RATE
from tools.minisv import features
from tools.minisv.corpus import ESPEAK_RATE


def clip(lead_s: float, silent_s: float = 0.03, seed: int = 0) -> tuple[np.ndarray, int]:
    """Noise at -60 dB, then (from ``lead_s``) espeak-like silence of ``silent_s`` and a 0.5 s tone:
    the clip and the sample where the tone starts."""
    rng = np.random.default_rng(seed)
    start, onset = int(lead_s * ESPEAK_RATE), int((lead_s + silent_s) * ESPEAK_RATE)
    t = np.arange(int(0.5 * ESPEAK_RATE)) / ESPEAK_RATE
    audio = np.concatenate([np.zeros(onset, np.float32), 0.5 * np.sin(2 * np.pi * 220 * t), np.zeros(4000)])
    return (audio + 0.001 * rng.standard_normal(audio.size)).astype(np.float32), start


def first_loud(audio16: np.ndarray) -> float:
    """Seconds before the first sample above 20 % of the peak (the added noise stays below)."""
    return int(np.argmax(np.abs(audio16) > 0.2 * np.max(np.abs(audio16)))) / MODEL_RATE


def test_speech_onset_skips_the_noise_and_espeaks_own_silence():
    audio, start = clip(lead_s=0.3, silent_s=0.05)
    onset = features.speech_onset(audio, start)
    assert abs(onset / ESPEAK_RATE - 0.35) < 0.002


def test_short_lead_in_copies_start_just_before_the_speech(monkeypatch):
    audio, start = clip(lead_s=0.4)
    monkeypatch.setattr(features, "SHORT_LEAD_SHARE", 1.0)
    leads = [first_loud(features.augment(audio, np.random.default_rng(n), speech_start=start)) for n in range(20)]
    low, high = features.SHORT_LEAD_S
    assert all(low - 0.003 <= lead <= high + 0.003 for lead in leads), leads
    assert max(leads) - min(leads) > 0.03  # drawn, not fixed: the LFR frame grid moves too


def test_other_copies_keep_the_corpus_lead_in(monkeypatch):
    audio, start = clip(lead_s=0.4)
    monkeypatch.setattr(features, "SHORT_LEAD_SHARE", 0.0)
    leads = [first_loud(features.augment(audio, np.random.default_rng(n), speech_start=start)) for n in range(20)]
    assert min(leads) >= 0.43 - 0.003, leads
    # no speech, no cut
    quiet = features.augment(audio, np.random.default_rng(0), speech_start=None)
    assert first_loud(quiet) >= 0.43 - 0.003
