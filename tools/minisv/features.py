"""Augmentation to what the app feeds the model, and features through funasr's own frontend.

The app hands SenseVoice 16 kHz mono float32 in [-1, 1] (funasr's ``WavFrontend`` scales by 32768
itself), resampled from the device rate (often 48 kHz), with a little silence around the speech.
So each training copy of an utterance goes through one of those paths: 22.05 kHz -> 16 kHz, or
22.05 -> 48 -> 16 kHz, or 22.05 -> 44.1 -> 16 kHz (all with soxr, the app's resampler), a gain, a
small time shift, sometimes exactly 150 ms of silence on both sides, sometimes a little extra noise,
and sometimes a short lead-in: the recorder's live VAD opens a segment only about 45 ms before the
speech (less than the corpus's 50-500 ms of leading silence), and a model that never heard a word
start that early drops it.
Features are computed by ``WavFrontend`` exactly as at inference (fbank -> LFR 7/6), then CMVN with
the statistics written to ``am.mvn``.
"""

from __future__ import annotations

import numpy as np

from dictate_app.audio.convert import MODEL_RATE, resample
from tools.minisv.corpus import ESPEAK_RATE, noise


# Share of copies cut to a short lead-in, and how much audio is kept before the speech then.
SHORT_LEAD_SHARE, SHORT_LEAD_S = 0.3, (0.005, 0.08)


def speech_onset(samples: np.ndarray, speech_start: int) -> int:
    """Where the speech becomes audible: the first sample from ``speech_start`` (where the corpus
    placed espeak-ng's output, which opens with 7-50 ms of its own silence) louder than 5 % of the
    clip's peak. Noise (at most -45 dB) stays below that; a music bed only makes it earlier."""
    loud = np.flatnonzero(np.abs(samples[speech_start:]) > 0.05 * np.max(np.abs(samples)))
    return speech_start + int(loud[0]) if loud.size else speech_start


def augment(samples: np.ndarray, rng: np.random.Generator, rate: int = ESPEAK_RATE,
            speech_start: int | None = None) -> np.ndarray:
    """One randomly augmented 16 kHz copy of a clip (see the module docstring).

    ``speech_start``: the sample where the clip's speech was placed (None: no speech), for the
    short lead-in."""
    short_lead = speech_start is not None and rng.random() < SHORT_LEAD_SHARE
    if short_lead:
        keep = int(rng.uniform(*SHORT_LEAD_S) * rate)  # also moves the 60 ms LFR frame grid
        samples = samples[max(0, speech_onset(samples, speech_start) - keep):]
    path = rng.choice(3)
    if path == 1:
        audio = resample(resample(samples, rate, 48000), 48000, MODEL_RATE)
    elif path == 2:
        audio = resample(resample(samples, rate, 44100), 44100, MODEL_RATE)
    else:
        audio = resample(samples, rate, MODEL_RATE)
    audio = audio * rng.uniform(0.15, 1.6)
    if not short_lead:
        if rng.random() < 0.3:  # what the recorder's pre-roll/tail typically adds
            pad = np.zeros(int(0.15 * MODEL_RATE), np.float32)
            audio = np.concatenate([pad, audio, pad])
        shift = int(rng.integers(0, int(0.06 * MODEL_RATE)))  # move the 60 ms LFR frame grid
        audio = np.concatenate([np.zeros(shift, np.float32), audio])
    if rng.random() < 0.4:
        audio = audio + noise(rng, len(audio)) * 10 ** (rng.uniform(-70, -45) / 20)
    return np.clip(audio, -1.0, 1.0).astype(np.float32)


def make_frontend(cmvn_file: str | None = None):
    """funasr's ``WavFrontend`` configured as in config.yaml (dither 0)."""
    from funasr.frontends.wav_frontend import WavFrontend

    return WavFrontend(cmvn_file=cmvn_file, fs=MODEL_RATE, window="hamming", n_mels=80,
                       frame_length=25, frame_shift=10, lfr_m=7, lfr_n=6, dither=0.0)


def raw_features(frontend, audio16k: np.ndarray) -> np.ndarray:
    """fbank + LFR features (T x 560) of one 16 kHz clip, before CMVN."""
    import torch

    with torch.no_grad():
        wav = torch.from_numpy(np.ascontiguousarray(audio16k, dtype=np.float32))[None, :]
        feats, lengths = frontend(wav, torch.tensor([wav.shape[1]]))
    return feats[0, : int(lengths[0])].numpy()


def cmvn_stats(features: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Global mean and standard deviation over all frames."""
    stacked = np.concatenate(features, axis=0).astype(np.float64)
    return stacked.mean(axis=0), stacked.std(axis=0)


def read_cmvn(path: str) -> tuple[np.ndarray, np.ndarray]:
    """(shift, rescale) as funasr reads them back from am.mvn (6 decimals), for identical training input."""
    from funasr.frontends.wav_frontend import load_cmvn

    cmvn = load_cmvn(path).numpy()
    return cmvn[0], cmvn[1]


def apply_cmvn(features: np.ndarray, shift: np.ndarray, rescale: np.ndarray) -> np.ndarray:
    """funasr's ``apply_cmvn``: (x + shift) * rescale."""
    return ((features + shift) * rescale).astype(np.float32)
