"""A fake ``sounddevice.InputStream`` that replays audio through the recorder's real callback.

The Buzz pattern (``mock_sounddevice.py``): the recorder gets this factory instead of PortAudio
and everything after the callback is the real code. Two ways to drive it:

- ``pump(seconds)`` from the test thread delivers blocks synchronously (exact, no timing);
- ``run_realtime()`` delivers them from a thread at ``speed`` x real time, like a device.

After the audio runs out the stream delivers silence, as a live microphone would. ``lose()``
simulates a device that vanishes: it stops delivering and, unless ``silent``, calls
``finished_callback`` as PortAudio does when an ALSA device fails.

With ``shared_timeline=True`` the audio is one world that every stream hears (two streams open at
once, as in the recorder's hand-over from its idle stream): a stream opened later starts where the
world is (plus ``open_lag_s`` if another stream is open), PortAudio's ADC time of a block's first sample is its place in that
world, and ``advance(seconds)`` moves the world on, each open stream delivering the whole blocks
it has filled by then (a stream with large blocks lags behind, as a real one does).
A stream gets blocks of its ``block_s`` keyword when that is longer than 20 ms (the recorder's
idle stream), else of the factory's ``block_s``.
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
        block_s = kwargs.get("block_s") or 0.0
        self.block_frames = int(round(block_s * factory.rate)) if block_s > 0.02 + 1e-9 else factory.block_frames
        # frames delivered so far (in a shared timeline: the world's frame this stream is at)
        lag = int(round(factory.open_lag_s * factory.rate)) if factory.open_streams else 0
        self.position = factory.world + lag if factory.shared else 0
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
        start = self.position
        block = self._next_block(frames)
        if self.factory.shared:  # the world's clock: one for every stream, as PortAudio's is
            adc = self.factory.t0 + start / self.samplerate
            now = adc + frames / self.samplerate
            self.callback(block, frames, _TimeInfo(adc if self.factory.adc_times else 0.0, now), 0)
            return
        now = time.monotonic()
        self.callback(block, frames, _TimeInfo(now - frames / self.samplerate, now), 0)

    def pump(self, seconds: float) -> None:
        """Deliver ``seconds`` of audio at once, in blocks, from the calling thread."""
        frames = int(round(seconds * self.samplerate))
        block = self.block_frames
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
        block = self.block_frames
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
                 fail_on_start: BaseException | None = None, open_delay_s: float = 0.0,
                 shared_timeline: bool = False, open_lag_s: float = 0.0, adc_times: bool = True) -> None:
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
        self.shared = shared_timeline
        self.open_lag_s = open_lag_s  # a stream opened beside another at world time t starts at t + this
        self.world = 0  # frames (shared timeline)
        self.t0 = 1000.0  # the ADC time of the world's frame 0
        self.adc_times = adc_times  # False: PortAudio gives 0 for inputBufferAdcTime, as some host APIs do
        self.fail_next: BaseException | None = None  # the next stream fails to open with this
        self.streams: list[FakeInputStream] = []
        self.opened = threading.Event()

    def __call__(self, *, callback, finished_callback=None, **kwargs) -> FakeInputStream:
        if self.open_delay_s:
            time.sleep(self.open_delay_s)  # a slow device open, as ALSA's first open can be
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error
        stream = FakeInputStream(self, callback, finished_callback, **kwargs)
        self.streams.append(stream)
        self.opened.set()
        return stream

    def advance(self, seconds: float) -> None:
        """Shared timeline: the world moves on ``seconds``; every open stream delivers the whole
        blocks it has filled by then, from the calling thread."""
        assert self.shared, "advance() needs shared_timeline=True"
        self.world += int(round(seconds * self.rate))
        for stream in list(self.streams):
            while not (stream.closed or stream.lost) and stream.started.is_set() \
                    and stream.position + stream.block_frames <= self.world:
                stream.deliver(stream.block_frames)

    @property
    def open_streams(self) -> list[FakeInputStream]:
        return [s for s in self.streams if not s.closed]

    @property
    def stream(self) -> FakeInputStream:
        """The most recently opened stream (waits up to 5 s for the recorder to open one)."""
        if not self.opened.wait(5):
            raise AssertionError("the recorder never opened a stream")
        stream = self.streams[-1]
        if not stream.started.wait(5):
            raise AssertionError("the recorder never started its stream")
        return stream
