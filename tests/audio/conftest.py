"""Audio test helpers: espeak-ng speech (a system package of the test tier) and signal checks."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from dictate_app.audio.convert import MODEL_RATE
from dictate_app.audio.files import decode_file
from dictate_app.audio.recorder import Recorder


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


def lowpassed_noise(seconds: float, rate: int, seed: int) -> np.ndarray:
    """Noise below about 2 kHz (0.2 rms): two streams sample the bench's sink on grids a fraction of
    a sample apart (PulseAudio resamples each with its own phase), which decorrelates white noise
    between them but not this."""
    white = np.random.default_rng(seed).standard_normal(int(seconds * rate))
    kernel = np.hanning(48)
    return (0.2 * np.convolve(white, kernel / np.sqrt(np.sum(kernel ** 2)), "same")).astype(np.float32)


def silence(seconds: float, rate: int = MODEL_RATE) -> np.ndarray:
    return np.zeros(int(seconds * rate), np.float32)


@pytest.fixture(scope="session")
def vad_clips(speech_16k) -> dict[str, np.ndarray]:
    """Clips to compare VAD runtimes on: fixture speech (the miniature model's held-out espeak-ng
    voices, en and zh), silence, noise, a whisper of speech, noisy speech, and a 40 s recording
    whose speech runs past the 29 s span limit."""
    from dictate_app.audio.convert import resample
    from tools.minisv import corpus

    rng = np.random.default_rng(3)
    specs = corpus.make_specs(12, seed=11, split="heldout")
    spoken = [resample(corpus.render(spec), corpus.ESPEAK_RATE, MODEL_RATE).astype(np.float32) for spec in specs]
    long_parts = []
    while sum(p.size for p in long_parts) < 40 * MODEL_RATE:
        for clip in spoken:
            long_parts += [clip, silence(float(rng.uniform(0.05, 0.6)))]
    noisy = speech_16k + (0.02 * rng.standard_normal(speech_16k.size)).astype(np.float32)
    return {
        **{f"heldout-{i}": c for i, c in enumerate(spoken)},
        "silence": silence(1.5),
        "noise": (0.05 * rng.standard_normal(2 * MODEL_RATE)).astype(np.float32),
        "quiet-speech": np.concatenate([silence(0.5), 0.05 * speech_16k, silence(0.5)]),
        "noisy-speech": noisy,
        "long-40s": np.concatenate(long_parts)[: 40 * MODEL_RATE + 123],
    }


def ramp(seconds: float, rate: int = MODEL_RATE) -> np.ndarray:
    """Every sample different: a recording's slice of it tells exactly what was kept."""
    return (np.arange(int(seconds * rate)) / (seconds * rate) * 0.9).astype(np.float32)


def wait_for(predicate, timeout: float = 5.0) -> None:
    """Until ``predicate()`` holds (a recorder's worker thread has caught up); fails after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.002)


@pytest.fixture
def make():
    """``make(factory, **kwargs)``: a :class:`Recorder` on a fake stream, closed after the test."""
    made: list[Recorder] = []

    def make_recorder(factory, **kwargs) -> Recorder:
        rec = Recorder(stream_factory=factory, **kwargs)
        made.append(rec)
        return rec

    yield make_recorder
    for rec in made:
        rec.close()
