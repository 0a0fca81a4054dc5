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
# soxr's default quality; the whole-buffer and the streaming resampler must use the same one.
QUALITY = "HQ"


def to_mono_float32(samples: np.ndarray) -> np.ndarray:
    """Down-mix to mono and scale integers into [-1, 1] float32.

    Accepts shape ``(n,)`` or ``(n, channels)``; a ``(channels, n)`` array with few rows and many
    columns is taken as channel-first.
    """
    data = np.asarray(samples)
    if data.ndim == 2:
        if data.shape[0] < data.shape[1] and data.shape[0] <= 8:
            data = data.T
        data = mix_down(data)
    elif data.ndim != 1:
        raise BadAudioError(f"audio has {data.ndim} dimensions; expected samples or samples x channels")
    if np.issubdtype(np.asarray(samples).dtype, np.integer):
        info = np.iinfo(np.asarray(samples).dtype)
        # Unsigned formats (8-bit WAV) are centred on the middle of their range.
        offset = (int(info.max) + 1) // 2 if info.min == 0 else 0
        scale = float(max(abs(info.min + offset), info.max - offset + 1))
        return ((data.astype(np.float64) - offset) / scale).astype(np.float32)
    return data.astype(np.float32, copy=False)


def mix_down(frames: np.ndarray) -> np.ndarray:
    """Frames-first ``(n, channels)`` samples -> ``(n,)``, the channels' mean: in the input's
    float type (a matrix-vector product, 13x faster than ``mean(axis=1)`` over 8 channels, which
    matters for a file of 8 x 384 kHz), in float64 for integer samples."""
    channels = frames.shape[1]
    if channels == 1:
        return frames[:, 0]
    if frames.dtype.kind == "f":
        return frames @ np.full(channels, 1.0 / channels, frames.dtype)
    return frames.mean(axis=1, dtype=np.float64)


def check_finite(mono: np.ndarray) -> None:
    """Raise :class:`BadAudioError` if ``mono`` holds a NaN or an infinity."""
    if not np.all(np.isfinite(mono)):
        raise BadAudioError("the audio contains NaN or infinite samples; check the recording or file")


def check_duration(seconds: float) -> None:
    """Raise :class:`BadAudioError` for audio shorter than :data:`MIN_DURATION_S`."""
    if seconds < MIN_DURATION_S:
        raise BadAudioError(
            f"the audio is {seconds * 1000:.0f} ms long; at least {MIN_DURATION_S * 1000:.0f} ms is needed"
        )


def resample(samples: np.ndarray, from_rate: int, to_rate: int = MODEL_RATE) -> np.ndarray:
    """Resample mono float32 audio with soxr (a real band-limited resampler)."""
    if from_rate == to_rate or samples.size == 0:
        return samples.astype(np.float32, copy=False)
    import soxr  # a few ms to import; keep it off module import

    return soxr.resample(samples, from_rate, to_rate, quality=QUALITY).astype(np.float32, copy=False)


class ModelInputStream:
    """:func:`to_model_input` for audio that arrives in blocks (a file decoded piece by piece).

    :meth:`push` takes frames-first float32 blocks ``(n, channels)`` at ``rate`` and returns the
    16 kHz mono float32 they complete; :meth:`finish` returns the rest. Memory is one block and
    soxr's filter state, whatever the input's length. soxr's ``ResampleStream`` gives the same
    samples as the one-shot :func:`resample` (``tests/audio/test_convert.py`` checks it).
    """

    def __init__(self, rate: int, channels: int) -> None:
        self.rate, self.channels = int(rate), int(channels)
        self._resampler = None
        if self.rate != MODEL_RATE:
            import soxr

            self._resampler = soxr.ResampleStream(self.rate, MODEL_RATE, 1, dtype="float32", quality=QUALITY)

    def push(self, block: np.ndarray) -> np.ndarray:
        """The model input completed by ``block``; raises :class:`BadAudioError` on NaN or inf."""
        mono = np.ascontiguousarray(mix_down(block), dtype=np.float32)
        check_finite(mono)
        return self._out(mono, last=False)

    def finish(self) -> np.ndarray:
        """The last samples the resampler held back (call once, after the last block)."""
        return self._out(np.zeros(0, np.float32), last=True)

    def _out(self, mono: np.ndarray, last: bool) -> np.ndarray:
        out = mono if self._resampler is None else self._resampler.resample_chunk(mono, last=last)
        # Clip, do not rescale: a clipped float recording is still the speaker's level.
        return np.clip(out, -1.0, 1.0)


def to_model_input(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Validate and convert audio to 16 kHz mono float32 in [-1, 1].

    Audio that already is model input (1-D float32 at 16 kHz, within [-1, 1]) comes back as it
    is, not copied: an hour of it is 230 MB. Raises :class:`BadAudioError` with a user-facing
    sentence for an empty buffer, NaN or infinite samples, a bad sample rate, or audio shorter
    than 50 ms.
    """
    if not isinstance(sample_rate, (int, np.integer)) or sample_rate <= 0:
        raise BadAudioError(f"sample rate {sample_rate!r} is not a positive whole number of Hz")
    data = np.asarray(samples)
    if data.size == 0:
        raise BadAudioError("the audio is empty: there is nothing to transcribe")
    if data.dtype.kind not in "iuf":
        raise BadAudioError(f"audio samples of type {data.dtype} are not numbers")
    # min and max are NaN when a NaN is in, so a NaN or an infinity takes the full path below.
    if (data.ndim == 1 and data.dtype == np.float32 and sample_rate == MODEL_RATE
            and -1.0 <= data.min() and data.max() <= 1.0):
        check_duration(data.size / MODEL_RATE)
        return data
    mono = to_mono_float32(data)
    check_finite(mono)
    check_duration(mono.size / float(sample_rate))
    out = resample(mono, int(sample_rate), MODEL_RATE)
    # Clip, do not rescale: a clipped float recording is still the speaker's level.
    return np.clip(out, -1.0, 1.0).astype(np.float32, copy=False)
