"""Audio test helpers: espeak-ng speech (a system package of the test tier) and signal checks."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from dictate_app.audio.convert import MODEL_RATE
from dictate_app.audio.files import decode_file


def espeak(text: str, path: Path, voice: str = "en") -> Path:
    """Synthesize ``text`` to a 22,050 Hz WAV with espeak-ng."""
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is missing; run `sh tools/system-packages.sh test`")
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), text], check=True,
                   stdout=subprocess.DEVNULL)
    return path


@pytest.fixture(scope="session")
def speech_16k(tmp_path_factory) -> np.ndarray:
    """About two seconds of English speech at 16 kHz."""
    path = espeak("hello world, this is a dictation test", tmp_path_factory.mktemp("speech") / "s.wav")
    return decode_file(path)


def ncc_best(recorded: np.ndarray, source: np.ndarray) -> tuple[float, int]:
    """Best normalised cross-correlation of ``source`` inside ``recorded``, and its offset."""
    if recorded.size < source.size:
        recorded = np.concatenate([recorded, np.zeros(source.size - recorded.size, np.float32)])
    corr = np.correlate(recorded, source, "valid")
    energy = np.convolve(recorded.astype(np.float64) ** 2, np.ones(source.size), "valid")
    ncc = corr / np.maximum(np.sqrt(energy * float(np.sum(source.astype(np.float64) ** 2))), 1e-12)
    best = int(np.argmax(ncc))
    return float(ncc[best]), best


def silence(seconds: float, rate: int = MODEL_RATE) -> np.ndarray:
    return np.zeros(int(seconds * rate), np.float32)
