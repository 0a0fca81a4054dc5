"""Read audio files (wav, flac, ogg, mp3 and whatever else libsndfile reads) with clear errors."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from dictate_app.errors import BadAudioError


def read_audio_file(path: str | Path) -> tuple[np.ndarray, int]:
    """Return ``(samples, sample_rate)``, samples as float32 ``(n,)`` or ``(n, channels)``.

    Raises :class:`BadAudioError` for a missing, unreadable, non-audio or empty file.
    """
    path = Path(path)
    if not path.exists():
        raise BadAudioError("no such file")
    if path.is_dir():
        raise BadAudioError("is a directory, not an audio file")
    return _read(str(path))


def read_audio_bytes(data: bytes, max_seconds: float | None = None) -> tuple[np.ndarray, int]:
    """Decode an audio file held in memory (the server's uploads), like :func:`read_audio_file`.

    With ``max_seconds``, longer audio raises :class:`AudioTooLongError` from the header, before
    anything is decoded. Raises :class:`BadAudioError` for empty, non-audio or sample-less data.
    """
    if not data:
        raise BadAudioError("the upload is empty: send the bytes of an audio file")
    return _read(io.BytesIO(data), max_seconds)


class AudioTooLongError(BadAudioError):
    """Audio over a caller's duration limit."""


def _read(source, max_seconds: float | None = None) -> tuple[np.ndarray, int]:
    import soundfile

    try:
        with soundfile.SoundFile(source) as sound:
            duration = sound.frames / float(sound.samplerate) if sound.samplerate else 0.0
            if max_seconds is not None and duration > max_seconds:
                raise AudioTooLongError(
                    f"the audio is {duration:.1f} s long; at most {max_seconds:g} s is accepted"
                )
            samples = sound.read(dtype="float32", always_2d=False)
            rate = sound.samplerate
    except soundfile.LibsndfileError as exc:
        raise BadAudioError(f"not a readable audio file ({exc.error_string.rstrip('.')})") from None
    except (OSError, RuntimeError) as exc:
        raise BadAudioError(f"cannot be read ({exc})") from None
    if samples.size == 0:
        raise BadAudioError("the file holds no audio samples")
    return samples, int(rate)
