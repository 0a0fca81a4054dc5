"""The audio a recording with no time limit keeps: its 16 kHz stream, minus what was handed out.

A take whose live segments go to a consumer that keeps them (incremental transcription) need not
keep them too (``Recorder.start(drop_spoken=True)``). It keeps the 16 kHz audio its live VAD is fed
(the streaming soxr resampler's output, which once flushed is exactly the one-shot resample of the
whole take, so the kept rest is sample-exact the end of the whole recording) and forgets what lies
before the VAD's ``settled_until``: audio already emitted as segments, or silence no future segment
can reach. Memory is then the open segment and the pause before it, however long the take.
"""

from __future__ import annotations

import numpy as np

from dictate_app.audio.convert import MODEL_RATE

# Drop once this much (16 kHz samples) is droppable: one concatenation of the kept audio per
# second of speech at most, not one per 20 ms block.
DROP_EVERY = MODEL_RATE


class SpokenAudio:
    """16 kHz audio from stream position :attr:`head` on."""

    def __init__(self) -> None:
        self._parts: list[np.ndarray] = []
        self.head = 0  # samples dropped from the start

    def add(self, audio16: np.ndarray) -> None:
        """Append the next 16 kHz samples (copied: the caller may reuse its buffer)."""
        self._parts.append(np.array(audio16, dtype=np.float32, copy=True))

    def drop_until(self, position: int) -> None:
        """Forget the samples before stream ``position`` (in steps of at least :data:`DROP_EVERY`)."""
        droppable = position - self.head
        if droppable < DROP_EVERY:
            return
        self._parts = [np.concatenate(self._parts)[droppable:]]
        self.head += droppable

    def samples(self, flushed: np.ndarray | None = None) -> np.ndarray:
        """What is kept, with the resampler's ``flushed`` rest, clipped to [-1, 1]."""
        parts = self._parts + ([flushed] if flushed is not None else [])
        audio = np.concatenate(parts) if parts else np.zeros(0, np.float32)
        return np.clip(audio, -1.0, 1.0).astype(np.float32)
