"""Silero's rules for turning per-frame speech probabilities into speech spans (pure, no model).

The rules are those of ``get_speech_timestamps`` in the ``silero-vad`` package (6.2.3), written
anew so that the app needs neither that package nor torch; ``tests/audio/test_vad.py`` holds them
to the package's own implementation on random sequences. The probabilities come from
:mod:`dictate_app.audio.vad`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dictate_app.audio.convert import MODEL_RATE

# Silero's 16 kHz model scores frames of exactly 512 samples (32 ms).
FRAME = 512
_SAMPLES_PER_MS = MODEL_RATE // 1000
# Silero's rule for cutting an over-long span: only at pauses longer than 98 ms.
_CUT_PAUSE_MS = 98


@dataclass(frozen=True)
class Span:
    """A stretch of speech, in samples at 16 kHz (end exclusive)."""

    start: int
    end: int

    @property
    def duration_s(self) -> float:
        return (self.end - self.start) / MODEL_RATE


def spans_from_probabilities(
    probs: np.ndarray,
    total: int,
    *,
    threshold: float = 0.5,
    min_silence_ms: int = 100,
    pad_ms: int = 30,
    min_speech_ms: int = 250,
    max_speech_s: float = float("inf"),
) -> list[Span]:
    """Speech spans of ``total`` samples from their frame probabilities, by Silero's rules.

    A span opens on a frame at ``threshold`` and closes at the first frame of a pause below
    ``threshold - 0.15`` that lasts ``min_silence_ms``; spans of ``min_speech_ms`` or less are
    dropped. A span that grows past ``max_speech_s`` (pads included) is cut at its longest pause of
    over 98 ms (resuming where the speech came back) or, with no such pause, right there. Each
    span gets ``pad_ms`` on both sides; when two spans are closer than two pads they share the gap.
    """
    low = max(threshold - 0.15, 0.01)
    min_speech = min_speech_ms * _SAMPLES_PER_MS
    min_silence = min_silence_ms * _SAMPLES_PER_MS
    pad = pad_ms * _SAMPLES_PER_MS
    longest = max_speech_s * MODEL_RATE - FRAME - 2 * pad
    cut_pause = _CUT_PAUSE_MS * _SAMPLES_PER_MS

    found: list[tuple[int, int]] = []
    start: int | None = None  # the open span's start
    quiet_from: int | None = None  # where the open span's current pause began
    pauses: list[tuple[int, int]] = []  # (where, length) of the open span's pauses, for cutting
    for i, prob in enumerate(probs):
        pos = i * FRAME
        if prob >= threshold and quiet_from is not None:  # the pause ended
            if pos - quiet_from > cut_pause:
                pauses.append((quiet_from, pos - quiet_from))
            quiet_from = None
        if start is None:
            if prob >= threshold:
                start = pos
            continue
        if pos - start > longest:
            if not pauses:
                found.append((start, pos))
                start, quiet_from = None, None
                continue
            where, length = max(pauses, key=lambda pause: pause[1])  # the first of equals
            found.append((start, where))
            start, quiet_from, pauses = where + length, None, []
        if prob < low:
            if quiet_from is None:
                quiet_from = pos
            if pos - quiet_from >= min_silence:
                if quiet_from - start > min_speech:
                    found.append((start, quiet_from))
                start, quiet_from, pauses = None, None, []
    if start is not None and total - start > min_speech:
        found.append((start, total))

    spans: list[Span] = []
    for k, (begin, end) in enumerate(found):
        if k == 0:
            begin = max(0, begin - pad)
        else:  # the share of the gap before it, decided with its predecessor
            gap = begin - found[k - 1][1]
            begin = max(0, begin - (gap // 2 if gap < 2 * pad else pad))
        if k + 1 < len(found) and (after := found[k + 1][0] - end) < 2 * pad:
            end += after // 2
        else:
            end = min(total, end + pad)
        spans.append(Span(int(begin), int(end)))
    return spans
