"""Input level (RMS and peak) over fixed windows of audio, for a level meter.

Windows are counted in samples, not wall time, so the rate is exact (25 per second of audio by
default) whatever block size the device delivers; blocks that arrive bunched give bunched levels.
"""

from __future__ import annotations

import numpy as np

LEVEL_RATE_HZ = 25


class LevelMeter:
    """Feed mono blocks; get one ``(rms, peak)`` pair per completed window."""

    def __init__(self, sample_rate: float, rate_hz: float = LEVEL_RATE_HZ) -> None:
        self.window = max(1, int(round(sample_rate / rate_hz)))
        self._sum_sq = 0.0
        self._peak = 0.0
        self._count = 0

    def feed(self, block: np.ndarray) -> list[tuple[float, float]]:
        """Add samples; return the levels of the windows they completed (often none or one)."""
        levels: list[tuple[float, float]] = []
        pos = 0
        data = np.asarray(block, dtype=np.float32)
        while pos < data.size:
            take = min(self.window - self._count, data.size - pos)
            piece = data[pos:pos + take].astype(np.float64)
            self._sum_sq += float(np.dot(piece, piece))
            self._peak = max(self._peak, float(np.max(np.abs(piece))))
            self._count += take
            pos += take
            if self._count == self.window:
                levels.append((float(np.sqrt(self._sum_sq / self.window)), self._peak))
                self._sum_sq, self._peak, self._count = 0.0, 0.0, 0
        return levels
