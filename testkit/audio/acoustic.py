"""Where speech is by its energy: the acoustic ends of words, against which the VAD's boundaries
are measured (``benchmarks/vad_tail.py``) and tested (a segment must hold the whole audible word).

A 10 ms frame is sound when its RMS is within ``floor_db`` (40 dB by default) of the loudest frame.
On espeak-ng speech, which has digital silence between and after words, 40 dB below the vowels
takes in a weak trailing consonant too: measured from the ends found with 30 or 50 dB, the
minimum, median and maximum delays of ``benchmarks/results/vad-tail-2026-12-06.json`` move by at
most 12 ms.
"""

from __future__ import annotations

import numpy as np

from dictate_app.audio.convert import MODEL_RATE as RATE
FRAME = RATE // 100  # 10 ms
GAP_S = 0.3  # quiet shorter than this stays inside one stretch of speech (the words of a clause)


def acoustic_regions(samples: np.ndarray, floor_db: float = 40.0, gap_s: float = GAP_S) -> list[tuple[int, int]]:
    """Stretches of sound in 16 kHz ``samples`` as (start, end) sample positions: 10 ms frames
    within ``floor_db`` of the loudest, merged across quiet shorter than ``gap_s``."""
    frames = np.asarray(samples, np.float64)[: len(samples) // FRAME * FRAME].reshape(-1, FRAME)
    rms = np.sqrt(np.mean(frames ** 2, axis=1))
    loud = np.flatnonzero(rms >= rms.max() * 10 ** (-floor_db / 20)) if rms.size and rms.max() > 0 else []
    regions: list[list[int]] = []
    for k in loud:
        if regions and (k - regions[-1][1]) * FRAME < gap_s * RATE:
            regions[-1][1] = k + 1
        else:
            regions.append([k, k + 1])
    return [(a * FRAME, b * FRAME) for a, b in regions]


def audible(samples: np.ndarray, floor_db: float = 40.0) -> np.ndarray:
    """``samples`` from the start of their first sound to the end of their last (see the notes)."""
    regions = acoustic_regions(samples, floor_db)
    return samples[regions[0][0]:regions[-1][1]] if regions else samples[:0]
