"""Helpers for the server tests: a fake engine at the engine seam (fast tier only), WAV bytes,
and a real ``dictate-app serve`` subprocess on a free loopback port (slow tier)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import soundfile

from dictate_app.engine.result import Timings, Transcript

REPO = Path(__file__).resolve().parents[2]


def wav_bytes(seconds: float = 1.0, rate: int = 16000, freq: float = 300.0, fmt: str = "WAV",
              subtype: str | None = None, channels: int = 1) -> bytes:
    """A tone as an in-memory audio file."""
    t = np.arange(int(rate * seconds)) / rate
    data = (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    if channels > 1:
        data = np.stack([data] * channels, axis=1)
    buffer = io.BytesIO()
    soundfile.write(buffer, data, rate, format=fmt, subtype=subtype)
    return buffer.getvalue()


class FakeEngine:
    """Stands in for the model in fast tests: the "text" is the clip's length in milliseconds,
    so a test can tell which answer belongs to which request. ``gate`` (an Event) holds every
    pass until set; ``fail_on_ms`` makes clips of that length raise."""

    backend = "fake"
    device = "cpu"

    def __init__(self) -> None:
        self.calls: list[list[int]] = []
        self.gate: threading.Event | None = None
        self.fail_on_ms: int | None = None
        self.lock = threading.Lock()

    def _one(self, samples, rate, language, itn) -> Transcript:
        ms = round(len(samples) / rate * 1000)
        if ms == self.fail_on_ms:
            raise RuntimeError("the fake model failed on purpose")
        lang = "en" if language == "auto" else language
        raw = f"<|{lang}|><|NEUTRAL|><|Speech|><|{'withitn' if itn else 'woitn'}|>clip {ms}"
        return Transcript(f"clip {ms}", lang, "NEUTRAL", ("Speech",), itn, raw, len(samples) / rate,
                          Timings(1.0, 2.0, 3.0))

    def transcribe(self, samples, sample_rate, language="auto", itn=True) -> Transcript:
        return self.transcribe_batch([(samples, sample_rate)], language, itn)[0]

    def transcribe_batch(self, items, language="auto", itn=True) -> list[Transcript]:
        if self.gate is not None:
            self.gate.wait(10)
        with self.lock:
            self.calls.append([round(len(s) / r * 1000) for s, r in items])
        return [self._one(s, r, language, itn) for s, r in items]


@pytest.fixture
def fake_engine() -> FakeEngine:
    return FakeEngine()


class ServerProcess:
    """``python -m dictate_app serve`` on a free loopback port, stopped by the fixture."""

    def __init__(self, *args: str, env: dict | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dictate_app", "serve", "--port", "0", *args],
            cwd=REPO, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )
        self.lines: list[str] = []
        try:
            self.url = self._wait_for_url(timeout=180)
        except BaseException:
            self.stop()  # never leave a server behind a failed start
            raise

    def _wait_for_url(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                if self.proc.poll() is not None:
                    raise AssertionError(f"serve exited {self.proc.returncode}: {''.join(self.lines)}")
                continue
            self.lines.append(line)
            match = re.search(r"listening on (http://\S+?):\s", line)
            if match:
                # Drain the rest of stderr in the background so the server never blocks on it.
                threading.Thread(target=self._drain, daemon=True).start()
                self._wait_healthy(match.group(1), deadline)
                return match.group(1)
        raise AssertionError(f"serve did not start: {''.join(self.lines)}")

    def _drain(self) -> None:
        for line in self.proc.stderr:
            self.lines.append(line)

    @staticmethod
    def _wait_healthy(url: str, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url + "/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the server never became healthy")

    def stop(self) -> int:
        """SIGTERM, as a service manager stops it; uvicorn shuts down gracefully, then re-raises
        the signal, so the exit status is -15 (or 0)."""
        self.proc.terminate()
        try:
            return self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(10)


def spoken_phrases() -> list[tuple[str, str, str]]:
    """50 different phrases from the fixture model's vocabulary: (spoken text, language, the text
    the model writes with itn). 25 English templates and 25 Mandarin ones, digits slotted in."""
    from tools.minisv import lexicon

    phrases = []
    for i, template in enumerate(lexicon.EN_TEMPLATES[:25]):
        digits = [(i + k * 3) % 10 for k in range(3)]
        phrases.append((template.replace("{d}", lexicon.en_digit_text(digits, False)), "en",
                        template.replace("{d}", lexicon.en_digit_text(digits, True))))
    for i, template in enumerate(lexicon.ZH_TEMPLATES[:25]):
        digits = [(i + k * 7) % 10 for k in range(3)]
        phrases.append((template.replace("{d}", lexicon.zh_digit_text(digits, False)), "zh",
                        template.replace("{d}", lexicon.zh_digit_text(digits, True))))
    return phrases


def speak(text: str, language: str, variant: str = "m3") -> bytes:
    """``text`` spoken by espeak-ng in a voice variant the fixture never heard in training, at
    neutral pitch and rate (22.05 kHz WAV bytes, 0.2 s of silence on both sides)."""
    from tools.minisv.corpus import ESPEAK_RATE, ZH_VOICE, check_mandarin, espeak

    samples, phonemes = espeak(text, f"{'en-us' if language == 'en' else ZH_VOICE}+{variant}", 170, 50)
    if language == "zh":
        check_mandarin(phonemes)
    samples = samples / (np.max(np.abs(samples)) + 1e-9) * 0.7
    pad = np.zeros(int(0.2 * ESPEAK_RATE), np.float32)
    buffer = io.BytesIO()
    soundfile.write(buffer, np.concatenate([pad, samples, pad]), ESPEAK_RATE, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


@pytest.fixture(scope="session")
def phrase_audio() -> list[tuple[str, str, bytes]]:
    """(language, expected text, WAV bytes) for each of the 50 phrases, synthesized once."""
    from concurrent.futures import ThreadPoolExecutor

    from tools.minisv.corpus import HELDOUT_VARIANTS

    phrases = spoken_phrases()
    variants = [HELDOUT_VARIANTS[i % len(HELDOUT_VARIANTS)] for i in range(len(phrases))]
    with ThreadPoolExecutor(2) as pool:
        audio = list(pool.map(lambda p, v: speak(p[0], p[1], v), phrases, variants))
    return [(lang, expected, wav) for (_, lang, expected), wav in zip(phrases, audio)]
