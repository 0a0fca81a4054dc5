"""A fake ``sounddevice.InputStream`` that replays audio through the recorder's real callback.

The Buzz pattern (``mock_sounddevice.py``): the recorder gets this factory instead of PortAudio
and everything after the callback is the real code. Two ways to drive it:

- ``pump(seconds)`` from the test thread delivers blocks synchronously (exact, no timing);
- ``run_realtime()`` delivers them from a thread at ``speed`` x real time, like a device.

After the audio runs out the stream delivers silence, as a live microphone would. ``lose()``
simulates a device that vanishes: it stops delivering and, unless ``silent``, calls
``finished_callback`` as PortAudio does when an ALSA device fails.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np


@dataclass
class _TimeInfo:
    """What PortAudio passes as ``time``: the first sample's capture time and "now"."""

    inputBufferAdcTime: float
    currentTime: float


class FakeInputStream:
    """One opened stream over ``audio`` (frames x channels float32) at ``rate``."""

    def __init__(self, factory: "FakeStreamFactory", callback, finished_callback=None, **kwargs) -> None:
        self.factory = factory
        self.kwargs = kwargs
        self.callback = callback
        self.finished_callback = finished_callback
        self.samplerate = float(factory.rate)
        self.channels = factory.audio.shape[1]
        self.device_name = factory.device_name
        self.position = 0  # frames delivered so far
        self.started = threading.Event()
        self.closed = False
        self.lost = False
        self._thread: threading.Thread | None = None

    # ---- the sounddevice surface the recorder uses ----

    def start(self) -> None:
        if self.factory.fail_on_start is not None:
            raise self.factory.fail_on_start
        self.started.set()
        if self.factory.realtime:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self.closed = True

    abort = stop

    def close(self) -> None:
        self.closed = True

    # ---- driving ----

    def _next_block(self, frames: int) -> np.ndarray:
        audio = self.factory.audio
        block = np.zeros((frames, audio.shape[1]), np.float32)
        available = audio[self.position:self.position + frames]
        block[:len(available)] = available
        self.position += frames
        return block

    def deliver(self, frames: int) -> None:
        """Call the callback once with the next ``frames`` frames, as the audio thread would."""
        block = self._next_block(frames)
        now = time.monotonic()
        self.callback(block, frames, _TimeInfo(now - frames / self.samplerate, now), 0)

    def pump(self, seconds: float) -> None:
        """Deliver ``seconds`` of audio at once, in blocks, from the calling thread."""
        frames = int(round(seconds * self.samplerate))
        block = self.factory.block_frames
        while frames > 0 and not self.closed and not self.lost:
            n = min(block, frames)
            self.deliver(n)
            frames -= n

    def lose(self, silent: bool = False) -> None:
        """The device vanishes: no more blocks; PortAudio's finished callback unless ``silent``."""
        self.lost = True
        if not silent and self.finished_callback is not None:
            self.finished_callback()

    def _run(self) -> None:
        block = self.factory.block_frames
        period = block / self.samplerate / self.factory.speed
        next_at = time.monotonic() + period
        while not self.closed and not self.lost:
            lose_at = self.factory.lose_after_s
            if lose_at is not None and self.position / self.samplerate >= lose_at:
                self.lose(silent=self.factory.lose_silently)
                return
            time.sleep(max(0.0, next_at - time.monotonic()))
            if self.closed or self.lost:
                return
            self.deliver(block)
            next_at += period


class FakeStreamFactory:
    """Stands in for ``sounddevice.InputStream``; keeps every stream it opened in ``streams``."""

    def __init__(self, audio: np.ndarray, rate: int, *, block_s: float = 0.02, realtime: bool = False,
                 speed: float = 1.0, device_name: str = "fake microphone",
                 lose_after_s: float | None = None, lose_silently: bool = False,
                 fail_on_start: BaseException | None = None, open_delay_s: float = 0.0) -> None:
        data = np.asarray(audio, dtype=np.float32)
        self.audio = data[:, None] if data.ndim == 1 else data
        self.rate = rate
        self.block_frames = max(1, int(round(block_s * rate)))
        self.realtime = realtime
        self.speed = speed
        self.device_name = device_name
        self.lose_after_s = lose_after_s
        self.lose_silently = lose_silently
        self.fail_on_start = fail_on_start
        self.open_delay_s = open_delay_s
        self.streams: list[FakeInputStream] = []
        self.opened = threading.Event()

    def __call__(self, *, callback, finished_callback=None, **kwargs) -> FakeInputStream:
        if self.open_delay_s:
            time.sleep(self.open_delay_s)  # a slow device open, as ALSA's first open can be
        stream = FakeInputStream(self, callback, finished_callback, **kwargs)
        self.streams.append(stream)
        self.opened.set()
        return stream

    @property
    def stream(self) -> FakeInputStream:
        """The most recently opened stream (waits up to 5 s for the recorder to open one)."""
        if not self.opened.wait(5):
            raise AssertionError("the recorder never opened a stream")
        stream = self.streams[-1]
        if not stream.started.wait(5):
            raise AssertionError("the recorder never started its stream")
        return stream
