"""How the PortAudio callback hands its blocks to the recorder's worker
(:mod:`dictate_app.audio.recorder_worker`).

The callback copies each block as raw bytes (:func:`block_samples` turns them back into frames);
between recordings of a stream kept ready, :class:`IdleBatch` hands them over several at a time so
the worker does not wake 50 times a second for blocks that only feed the pre-roll ring.
"""

from __future__ import annotations

import threading
from typing import Callable

import numpy as np

# A stream kept ready hands its idle blocks to the recorder's worker this many at a time (200 ms),
# so the worker wakes 5 times a second instead of 50 between recordings (issue 26: 0.30 % of a
# core went to those wake-ups alone, measured on the bench with benchmarks/idle_cpu.py).
IDLE_BATCH = 10


def block_age(age: float, frames: int, rate: float) -> float:
    """How long ago a block's first sample was captured: PortAudio's figure (its currentTime less
    inputBufferAdcTime) when it gave a plausible one, else the block's own length, as if it was
    delivered the moment it filled (over-estimates a loss: the safe side)."""
    return age if 0.0 <= age < 2.0 else frames / rate


def block_samples(data: bytes, channels: int) -> np.ndarray:
    """The frames x channels float32 array of a block the callback handed over as bytes."""
    return np.frombuffer(data, dtype=np.float32).reshape(-1, channels)


class IdleBatch:
    """Holds back a stream's blocks while no recording runs, and hands them over ``size`` at a time.

    The audio thread calls :meth:`add` for every block; :meth:`set_idle` turns holding on (between
    recordings) and off (at key-down, which hands over what was held: the newest pre-roll audio).
    ``hand_over(blocks)`` is called under a lock, so blocks reach the worker in capture order
    whichever thread hands them over.
    """

    def __init__(self, hand_over: Callable[[list], None], size: int = IDLE_BATCH) -> None:
        self.size = size
        self._hand_over = hand_over
        self._lock = threading.Lock()
        self._held: list = []
        self._idle = False

    def add(self, block) -> None:
        """One block from the audio thread: handed over now while recording; while idle, held
        until ``size`` blocks are, then handed over together."""
        with self._lock:
            if not self._idle:
                self._hand_over([block])
                return
            self._held.append(block)
            if len(self._held) >= self.size:
                self._hand_over(self._held)
                self._held = []

    def set_idle(self, idle: bool) -> None:
        """Start (True) or stop (False) holding blocks back; what is held is handed over now."""
        with self._lock:
            self._idle = idle
            if self._held:
                self._hand_over(self._held)
                self._held = []
