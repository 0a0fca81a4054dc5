"""Convert any audio buffer into what SenseVoice expects: 16 kHz, mono, float32 in [-1, 1].

funasr scales its input by 32768 itself and never resamples numpy input, so an int16 buffer or a
48 kHz one gives wrong features without an error. Everything that reaches the model goes through
:func:`to_model_input` first.
"""

from __future__ import annotations

import numpy as np

from dictate_app.errors import BadAudioError

MODEL_RATE = 16_000
# Below one 25 ms analysis frame funasr's fbank fails; 50 ms is the shortest we accept.
MIN_DURATION_S = 0.05


def to_mono_float32(samples: np.ndarray) -> np.ndarray:
    """Down-mix to mono and scale integers into [-1, 1] float32.

    Accepts shape ``(n,)`` or ``(n, channels)``; a ``(channels, n)`` array with few rows and many
    columns is taken as channel-first.
    """
    data = np.asarray(samples)
    if data.ndim == 2:
        if data.shape[0] < data.shape[1] and data.shape[0] <= 8:
            data = data.T
        data = data.astype(np.float64).mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    elif data.ndim != 1:
        raise BadAudioError(f"audio has {data.ndim} dimensions; expected samples or samples x channels")
    if np.issubdtype(np.asarray(samples).dtype, np.integer):
        info = np.iinfo(np.asarray(samples).dtype)
        # Unsigned formats (8-bit WAV) are centred on the middle of their range.
        offset = (int(info.max) + 1) // 2 if info.min == 0 else 0
        scale = float(max(abs(info.min + offset), info.max - offset + 1))
        return ((data.astype(np.float64) - offset) / scale).astype(np.float32)
    return data.astype(np.float32, copy=False)


def resample(samples: np.ndarray, from_rate: int, to_rate: int = MODEL_RATE) -> np.ndarray:
    """Resample mono float32 audio with soxr (a real band-limited resampler)."""
    if from_rate == to_rate or samples.size == 0:
        return samples.astype(np.float32, copy=False)
    import soxr  # a few ms to import; keep it off module import

    return soxr.resample(samples, from_rate, to_rate, quality="HQ").astype(np.float32, copy=False)


def to_model_input(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Validate and convert audio to 16 kHz mono float32 in [-1, 1].

    Raises :class:`BadAudioError` with a user-facing sentence for an empty buffer, NaN or infinite
    samples, a bad sample rate, or audio shorter than 50 ms.
    """
    if not isinstance(sample_rate, (int, np.integer)) or sample_rate <= 0:
        raise BadAudioError(f"sample rate {sample_rate!r} is not a positive whole number of Hz")
    data = np.asarray(samples)
    if data.size == 0:
        raise BadAudioError("the audio is empty: there is nothing to transcribe")
    if data.dtype.kind not in "iuf":
        raise BadAudioError(f"audio samples of type {data.dtype} are not numbers")
    mono = to_mono_float32(data)
    if not np.all(np.isfinite(mono)):
        raise BadAudioError("the audio contains NaN or infinite samples; check the recording or file")
    duration = mono.size / float(sample_rate)
    if duration < MIN_DURATION_S:
        raise BadAudioError(
            f"the audio is {duration * 1000:.0f} ms long; at least {MIN_DURATION_S * 1000:.0f} ms is needed"
        )
    out = resample(mono, int(sample_rate), MODEL_RATE)
    # Clip, do not rescale: a clipped float recording is still the speaker's level.
    return np.clip(out, -1.0, 1.0).astype(np.float32, copy=False)
