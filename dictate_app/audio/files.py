"""Read audio files (wav, flac, ogg, mp3 and whatever else libsndfile reads) with clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dictate_app.errors import BadAudioError


def read_audio_file(path: str | Path) -> tuple[np.ndarray, int]:
    """Return ``(samples, sample_rate)``, samples as float32 ``(n,)`` or ``(n, channels)``.

    Raises :class:`BadAudioError` for a missing, unreadable, non-audio or empty file.
    """
    import soundfile

    path = Path(path)
    if not path.exists():
        raise BadAudioError("no such file")
    if path.is_dir():
        raise BadAudioError("is a directory, not an audio file")
    try:
        samples, rate = soundfile.read(str(path), dtype="float32", always_2d=False)
    except soundfile.LibsndfileError as exc:
        raise BadAudioError(f"not a readable audio file ({exc.error_string.rstrip('.')})") from None
    except (OSError, RuntimeError) as exc:
        raise BadAudioError(f"cannot be read ({exc})") from None
    if samples.size == 0:
        raise BadAudioError("the file holds no audio samples")
    return samples, int(rate)
