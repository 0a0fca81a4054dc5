"""Audio files built to exhaust a decoder (generated on demand, never committed).

Issue 20's "decompression bombs": a few hundred KB of FLAC or Ogg that decode to gigabytes
because they claim many channels and a very high sample rate, and a FLAC whose header says its
length is unknown. Each is written in blocks, so building one costs little memory.
"""

from __future__ import annotations

import io

import numpy as np
import soundfile

FLAC_MAX_RATE = 655_350  # the highest rate a FLAC header can state (tens of Hz in 16 bits)


def silent_file(channels: int, rate: int, seconds: float, fmt: str = "FLAC", subtype: str | None = None,
                dtype: str = "int16") -> bytes:
    """``seconds`` of digital silence with ``channels`` at ``rate`` as ``fmt`` file bytes."""
    buffer = io.BytesIO()
    block = np.zeros((65536, channels), dtype)
    with soundfile.SoundFile(buffer, "w", rate, channels, format=fmt, subtype=subtype) as sound:
        left = int(rate * seconds)
        while left > 0:
            count = min(left, len(block))
            sound.write(block[:count])
            left -= count
    return buffer.getvalue()


def ogg_bomb(channels: int = 255, rate: int = 48_000, seconds: float = 10.0) -> bytes:
    """Ogg Vorbis silence with up to 255 channels (Vorbis's maximum)."""
    return silent_file(channels, rate, seconds, "OGG", "VORBIS", dtype="float32")


def with_unknown_length(flac: bytes) -> bytes:
    """The same FLAC with STREAMINFO's total_samples set to 0 ("unknown", as streaming encoders
    write it). STREAMINFO is the first metadata block: after "fLaC" and its 4-byte block header,
    10 bytes of block and frame sizes, then 64 bits: rate (20), channels - 1 (3), bits - 1 (5),
    total samples (36)."""
    if flac[:4] != b"fLaC" or flac[4] & 0x7F != 0:
        raise ValueError("not a FLAC stream starting with STREAMINFO")
    data = bytearray(flac)
    start = 8 + 10
    packed = int.from_bytes(data[start:start + 8], "big") & ~((1 << 36) - 1)
    data[start:start + 8] = packed.to_bytes(8, "big")
    return bytes(data)


def flac_total_samples(flac: bytes) -> int:
    """STREAMINFO's total_samples field (0: unknown)."""
    return int.from_bytes(flac[18:26], "big") & ((1 << 36) - 1)


def tone(rate: int, seconds: float, channels: int = 1, freq: float = 440.0) -> np.ndarray:
    """A float32 sine, each channel a little quieter than the one before (so a down-mix is
    distinguishable from any single channel)."""
    t = np.arange(int(rate * seconds)) / rate
    wave = np.sin(2 * np.pi * freq * t)
    columns = [(0.5 - 0.1 * c) * wave for c in range(channels)]
    return np.stack(columns, axis=1).astype(np.float32) if channels > 1 else columns[0].astype(np.float32)


def encode(samples: np.ndarray, rate: int, fmt: str, subtype: str | None = None) -> bytes:
    """``samples`` as an in-memory ``fmt`` file."""
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, rate, format=fmt, subtype=subtype)
    return buffer.getvalue()
