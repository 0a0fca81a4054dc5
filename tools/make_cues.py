"""Generate Dictate's start and stop cues (our own sounds, no samples from anywhere).

Each cue is two short sine notes with a little second harmonic, shaped by raised-cosine fades so
they do not click: the start cue rises a fourth (E5 -> A5), the stop cue falls (A5 -> E5).
Short on purpose (about 0.12 s): the start cue delays the recording by its length.
Written as 16-bit mono WAV at 48 kHz (the rate most desktop audio runs at, so no resampling).

    python tools/make_cues.py            # writes dictate_app/data/sounds/start.wav and stop.wav
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import soundfile

RATE = 48_000
E5, A5 = 659.26, 880.0
NOTE_S, GAP_S = 0.055, 0.01
PEAK = 0.5  # full volume leaves headroom; the player scales it down further
OUT = Path(__file__).resolve().parent.parent / "dictate_app" / "data" / "sounds"


def note(freq: float, seconds: float, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    tone = np.sin(2 * np.pi * freq * t) + 0.25 * np.sin(2 * np.pi * 2 * freq * t)
    fade = int(0.008 * rate)
    envelope = np.ones_like(t)
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, fade))
    envelope[:fade], envelope[-fade:] = ramp, ramp[::-1]
    # A gentle decay makes it sound like a chime instead of a beep.
    envelope *= np.exp(-t * 18)
    return tone * envelope


def cue(freqs: tuple[float, float]) -> np.ndarray:
    gap = np.zeros(int(GAP_S * RATE))
    signal = np.concatenate([note(freqs[0], NOTE_S), gap, note(freqs[1], NOTE_S)])
    return (signal / np.max(np.abs(signal)) * PEAK).astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, freqs in (("start", (E5, A5)), ("stop", (A5, E5))):
        path = args.out / f"{name}.wav"
        soundfile.write(path, cue(freqs), RATE, subtype="PCM_16")
        print(f"{path}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
