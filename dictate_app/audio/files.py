"""Decode audio files (a path, or the bytes of an upload) straight to model input, with bounded memory.

:func:`decode_file` and :func:`decode_bytes` return 16 kHz mono float32 in [-1, 1]. Nothing the
header claims is allocated: the channel count and sample rate are checked against the limits
below before a sample is read, then the file is read in blocks of at most :data:`BLOCK_SAMPLES`
samples, each mixed down to mono and resampled as it comes (:class:`ModelInputStream`). Memory
follows the 16 kHz mono output (64 KB per second of audio), never the input's channels x rate,
and reading stops at the caller's duration limit even when the header does not know the length
(a streaming FLAC encoder writes ``total_samples = 0``, which libsndfile reports as 2^63 - 1
frames). Issue 20 measured what happens otherwise: a 171 KB FLAC (8 channels at 655,350 Hz,
30 s of silence) took the server to 2.5 GB.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np

from dictate_app.audio.convert import MODEL_RATE, ModelInputStream, check_duration
from dictate_app.errors import BadAudioError

# ---- limits (one place; the server's duration limit is its own --max-seconds) ----------------
# Containers read, by libsndfile's major format. WAV with its 64-bit-size variants (RF64, Sony
# W64, WAVE_FORMAT_EXTENSIBLE), FLAC, Ogg (Vorbis and Opus: libsndfile 1.2 reads both), MPEG audio
# (mp3, and layers I/II) and AIFF (the Mac's WAV). Everything else libsndfile parses (Akai MPC,
# Psion WVE, Matlab, IRCAM, ...) is refused: no recording of speech comes in those, and each
# parser is attack surface for no one's benefit.
ACCEPTED_FORMATS = {"WAV": "wav", "WAVEX": "wav", "RF64": "wav", "W64": "wav", "FLAC": "flac",
                    "OGG": "ogg", "MP3": "mp3", "AIFF": "aiff"}
ACCEPTED_TEXT = "wav, flac, ogg (Vorbis or Opus), mp3 or aiff"
# 32 channels: more than any recording format made for people (7.1.4 immersive is 12, 4th-order
# ambisonics 25, a 32-track field or live recorder 32); FLAC stops at 8, mp3 at 2. Vorbis and
# Opus allow 255, which is how a 36 KB Ogg file claims 255 channels.
MAX_CHANNELS = 32
# 4 kHz to 384 kHz: below 8 kHz (telephone) only old Amiga/Mac samples exist, and under 4 kHz a
# file cannot carry speech at all; 384 kHz is the top of real converters (DXD is 352.8 kHz).
# FLAC's header allows 655,350 Hz, which nothing records at: the bombs use it.
MIN_RATE = 4_000
MAX_RATE = 384_000
# Samples per second of audio (channels x rate): 8 x 384 kHz, the most a FLAC at the top rate
# carries, or 32 channels at 96 kHz. This bounds the decoding work per second of audio as the
# duration limit bounds the memory: the worst file the server's 300 s lets through (8 x 384 kHz
# FLAC) decodes in 4.5-5.4 s on one core, 6 s for the whole request with its voice detection
# (benchmarks/results/decode-bombs-2026-12-05-after.json).
MAX_SAMPLES_PER_SECOND = 8 * MAX_RATE
# `transcribe`'s duration limit. The 16 kHz float32 output of a file is held whole for the model
# (64 KB per second: 230 MB an hour), so a file's length is the one memory bound left; 4 hours
# (920 MB) covers meetings, lectures and podcasts. Longer: split the file first.
FILE_MAX_SECONDS = 4 * 3600.0
# Interleaved samples read per block: 1 MB of float32 (its down-mix is 1 MB / channels more).
BLOCK_SAMPLES = 1 << 18
# libsndfile's frame count for "length unknown" (SF_COUNT_MAX); anything this large is not a length.
UNKNOWN_FRAMES = 1 << 62


class AudioTooLongError(BadAudioError):
    """Audio over a caller's duration limit."""


class UnsupportedAudioError(BadAudioError):
    """Audio in a container, channel count or sample rate outside the limits above."""


def decode_file(path: str | Path, max_seconds: float = FILE_MAX_SECONDS) -> np.ndarray:
    """The audio file at ``path`` as 16 kHz mono float32 in [-1, 1].

    Raises :class:`AudioTooLongError` past ``max_seconds``, :class:`UnsupportedAudioError` for a
    container or shape outside the limits, :class:`BadAudioError` for a missing, unreadable,
    empty, too short or NaN-holding file.
    """
    path = Path(path)
    if not path.exists():
        raise BadAudioError("no such file")
    if path.is_dir():
        raise BadAudioError("is a directory, not an audio file")
    return _decode(str(path), max_seconds)


def decode_bytes(data: bytes, max_seconds: float) -> np.ndarray:
    """An audio file held in memory (the server's uploads), like :func:`decode_file`."""
    if not data:
        raise BadAudioError("the upload is empty: send the bytes of an audio file")
    return _decode(io.BytesIO(data), max_seconds)


def read_audio_file(path: str | Path) -> tuple[np.ndarray, int]:
    """:func:`decode_file` as ``(samples, 16000)``, the shape of ``Engine.transcribe``'s arguments."""
    return decode_file(path), MODEL_RATE


def _decode(source, max_seconds: float) -> np.ndarray:
    import soundfile

    try:
        with soundfile.SoundFile(source) as sound:
            return _read_blocks(sound, max_seconds)
    except soundfile.LibsndfileError as exc:
        raise BadAudioError(f"not a readable audio file ({exc.error_string.rstrip('.')}); "
                            f"Dictate reads {ACCEPTED_TEXT}") from None
    except (OSError, RuntimeError) as exc:
        raise BadAudioError(f"cannot be read ({exc})") from None


def _check_shape(container: str, channels: int, rate: int) -> None:
    """Raise :class:`UnsupportedAudioError` unless the header's container, channel count and
    sample rate are within the limits (nothing is decoded yet)."""
    import soundfile

    if container not in ACCEPTED_FORMATS:
        name = soundfile.available_formats().get(container, container)
        raise UnsupportedAudioError(f"this is {name} audio, which Dictate does not read; convert it to "
                                    f"{ACCEPTED_TEXT}")
    if not 1 <= channels <= MAX_CHANNELS:
        raise UnsupportedAudioError(f"the audio has {channels} channels; at most {MAX_CHANNELS} are accepted, "
                                    "so mix it down first (e.g. `ffmpeg -i IN -ac 1 OUT.wav`)")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise UnsupportedAudioError(f"the sample rate is {rate} Hz; {MIN_RATE} to {MAX_RATE} Hz is accepted, "
                                    "so resample it first (e.g. `ffmpeg -i IN -ar 16000 OUT.wav`)")
    if channels * rate > MAX_SAMPLES_PER_SECOND:
        raise UnsupportedAudioError(f"{channels} channels at {rate} Hz is more than {MAX_SAMPLES_PER_SECOND} "
                                    "samples per second; mix it down or resample it first "
                                    "(e.g. `ffmpeg -i IN -ac 1 -ar 16000 OUT.wav`)")


def _read_blocks(sound, max_seconds: float) -> np.ndarray:
    rate, channels = int(sound.samplerate), int(sound.channels)
    _check_shape(sound.format, channels, rate)
    limit = math.floor(max_seconds * rate)  # frames
    known = sound.frames if 0 < sound.frames < UNKNOWN_FRAMES else None
    if known is not None and known > limit:  # refused from the header, before decoding
        raise AudioTooLongError(f"the audio is {known / rate:.1f} s long; at most {max_seconds:g} s is "
                                "accepted, so split it into shorter files")
    block = np.empty((max(1, BLOCK_SAMPLES // channels), channels), np.float32)
    stream = ModelInputStream(rate, channels)
    out = _Output(_model_samples(min(known or limit + 1, limit + 1), rate))
    frames = 0
    while True:
        count = _read_into(sound, block, min(len(block), limit + 1 - frames))
        if count == 0:
            break
        frames += count
        if frames > limit:  # the header did not say (or lied): stop at the limit
            raise AudioTooLongError(f"the audio is longer than {max_seconds:g} s, the most accepted; "
                                    "split it into shorter files")
        out.append(stream.push(block[:count]))
    if frames == 0:
        raise BadAudioError("the file holds no audio samples")
    check_duration(frames / rate)
    out.append(stream.finish())
    return out.result()


def _read_into(sound, block: np.ndarray, frames: int) -> int:
    """Decode up to ``frames`` frames into ``block``; the count read (0 at the end).

    Calls libsndfile directly: ``SoundFile.read`` seeks back to its own position after every
    read, and libFLAC cannot seek in a FLAC whose length is unknown ("Internal psf_fseek()
    failed"), which is the very file this module must read in blocks.
    """
    from soundfile import LibsndfileError, _ffi, _snd

    count = _snd.sf_readf_float(sound._file, _ffi.cast("float *", block.ctypes.data), frames)
    error = _snd.sf_error(sound._file)
    if error:
        raise LibsndfileError(error)
    return int(count)


def _model_samples(frames: int, rate: int) -> int:
    """Room for the 16 kHz samples of ``frames`` input frames (soxr gives at most one more)."""
    return -(-frames * MODEL_RATE // rate) + 16


class _Output:
    """The decoded 16 kHz samples, written in place into one buffer sized for the most the limit
    allows. np.empty maps pages without touching them, so only what is written is resident; a
    header that lied about the length grows the buffer, and the end trims it without a copy."""

    def __init__(self, capacity: int) -> None:
        self._data = np.empty(capacity, np.float32)
        self._size = 0

    def append(self, piece: np.ndarray) -> None:
        end = self._size + piece.size
        if end > self._data.size:
            self._data.resize(max(end, 2 * self._data.size), refcheck=False)
        self._data[self._size:end] = piece
        self._size = end

    def result(self) -> np.ndarray:
        self._data.resize(self._size, refcheck=False)  # realloc: shrinks in place
        return self._data
