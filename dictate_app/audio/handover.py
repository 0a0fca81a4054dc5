"""Joining a microphone kept ready with large blocks to the 20 ms-block stream that takes over at key-down.

Why (issue 26, measured on the bench): PortAudio and PulseAudio cost 0.67 % of a core for 20 ms
blocks with a callback that does nothing, 0.20 % at 200 ms. Between recordings a stream kept
ready only feeds the pre-roll ring, so it runs with :data:`IDLE_BLOCK_S` blocks; a recording needs
20 ms blocks (the last audio after the release must arrive promptly), so at key-down the recorder
opens a 20 ms stream beside the idle one and :class:`HandOver` joins them: the pre-roll and
everything up to the new stream's first sample come from the idle stream, the rest from the new
one; the idle stream is then closed (and opened again after the take).

Where the new stream's first sample lies in the idle stream: a block's first sample was captured at
PortAudio's ``inputBufferAdcTime`` (one clock for both streams); a stream's sample ``i`` at
``offset + i / rate``, ``offset`` the median over its blocks, leaving out the new stream's first
block (PulseAudio through ALSA reports that one's ADC time up to 19 ms late). On the bench's
PulseAudio microphone this puts the join within 0.2 ms of where cross-correlation of the audio
finds it (``tests/desktop/test_stream_alignment.py``). Only PulseAudio was measured. Arrival times
are no substitute (a 200 ms block arrived 6-173 ms later than its fill time, measured), so a
stream without ADC times is not handed over at all: the recorder keeps one 20 ms stream
(:meth:`Timeline.has_adc`). When the join cannot be placed anyway (different rates, the idle stream
silent for :data:`WAIT_S`, a join outside what the idle stream held) it falls back to all the idle
stream gave, and says so in the log.
"""

from __future__ import annotations

import logging
import statistics

import numpy as np

from dictate_app.audio.blocks import block_age

# Blocks of a stream kept ready between recordings (0.20 % of a core instead of 0.67 % at 20 ms).
IDLE_BLOCK_S = 0.2
# The new stream's audio waits this long for the idle stream to reach its first sample (on the
# bench the idle stream's blocks arrive 0.25-0.37 s after their first sample was captured).
WAIT_S = 1.0
# Offsets kept per stream: the median of these places the stream's samples in time.
_KEEP = 16
# The tag of a key-up among the new stream's blocks in :attr:`HandOver.pending`.
KEY_UP = "key-up"


class Timeline:
    """Where one stream's samples lie in time, from the blocks it delivered."""

    def __init__(self, rate: int, skip_first: bool = False) -> None:
        self.rate = rate
        self.samples = 0  # delivered so far
        self._skip = skip_first
        self._adc: list[float] = []
        self._mono: list[float] = []

    def add(self, size: int, arrival: float, age: float, adc: float) -> None:
        """One block of ``size`` samples: arrival (monotonic), age (PortAudio's currentTime less
        inputBufferAdcTime, or negative if unknown) and ADC time (0 if PortAudio gave none)."""
        if not (self._skip and self.samples == 0):
            age = block_age(age, size, self.rate)
            self._adc.append(adc - self.samples / self.rate if adc > 0 else float("nan"))
            self._mono.append(arrival - age - self.samples / self.rate)
            del self._adc[:-_KEEP], self._mono[:-_KEEP]
        self.samples += size

    @property
    def ready(self) -> bool:
        return bool(self._mono)

    def has_adc(self) -> bool:
        """True when every block kept came with PortAudio's ADC time (some host APIs give 0)."""
        return self.ready and not any(np.isnan(self._adc))

    def offset(self, adc: bool) -> float:
        """The time of sample 0 on the ADC clock (``adc``) or the monotonic one."""
        return statistics.median(self._adc if adc else self._mono)


def join_index(idle: Timeline, new: Timeline) -> float | None:
    """The idle stream's sample (fractional) at the new stream's first sample, or None when the
    two cannot be placed on one clock yet (or at all: no ADC times, different rates)."""
    if not (idle.has_adc() and new.has_adc()) or idle.rate != new.rate:
        return None
    return (new.offset(adc=True) - idle.offset(adc=True)) * idle.rate


class HandOver:
    """One key-down's join: the idle stream's ring and blocks, and the new stream's blocks so far.

    ``ring`` holds the idle stream's last samples at key-down (ending at its sample ``keep_end``);
    the pre-roll ends at key-down (``t_start``, monotonic), placed in the idle stream by its blocks'
    arrival less their age, and never before ``keep_end`` (large blocks arrive 0.25-0.45 s after
    their first sample on the bench: counting from ``keep_end`` would make the pre-roll that much
    longer than it says). Its blocks go on arriving into :meth:`add_idle` until :meth:`join`
    finds the new stream's start inside them. ``pending`` holds the new stream's blocks and any
    key-up (``(KEY_UP, ...)``) in the order they came, for the take to replay after the join.
    """

    def __init__(self, idle_stream, idle_generation: int, idle_batch, timeline: Timeline,
                 ring: list[np.ndarray], rate: int, t_start: float) -> None:
        self.idle_stream, self.idle_generation, self.idle_batch = idle_stream, idle_generation, idle_batch
        self.idle = timeline
        self.ring = list(ring)
        self.ring_start = timeline.samples - sum(r.size for r in ring)
        self.keep_end = timeline.samples
        self.t_start = t_start
        self.new = Timeline(rate, skip_first=True)
        self.pending: list[tuple] = []
        self.pending_samples = 0

    def add_idle(self, mono: np.ndarray, arrival: float, age: float, adc: float) -> None:
        self.ring.append(mono)
        self.idle.add(mono.size, arrival, age, adc)

    def add_new(self, mono: np.ndarray, arrival: float, age: float, adc: float, overflow: bool) -> None:
        self.new.add(mono.size, arrival, age, adc)
        self.pending.append((mono, arrival, age, overflow))
        self.pending_samples += mono.size

    def add_key_up(self, t_stop: float, future) -> None:
        """A key-up before the join: replayed after the blocks that came before it."""
        self.pending.append((KEY_UP, t_stop, future))

    @staticmethod
    def is_key_up(item: tuple) -> bool:
        """Whether a :attr:`pending` item is a key-up (the others start with a block's samples)."""
        return isinstance(item[0], str)

    def key_ups(self) -> list[tuple]:
        """The ``(KEY_UP, t_stop, future)`` items waiting for the join."""
        return [item for item in self.pending if self.is_key_up(item)]

    def join(self, preroll: int, force: bool = False) -> tuple[np.ndarray, int] | None:
        """``(head, preroll samples)``: the idle stream's audio from ``preroll`` samples before
        key-down to the new stream's first sample; None while the idle stream has not reached
        that sample yet (unless ``force``, or :data:`WAIT_S` of new audio waited for it)."""
        cut = join_index(self.idle, self.new)
        if cut is None or cut > self.idle.samples:  # not placed yet, or not reached yet
            if not (force or self.pending_samples >= WAIT_S * self.new.rate):
                return None
            cut = None
        elif cut < self.ring_start:  # before what the idle stream held at key-down: a bad estimate
            cut = None
        if cut is None:
            logging.getLogger(__name__).info("hand-over without a measured join; the idle stream's "
                                             "audio is used to its end")
            cut = self.idle.samples
        cut = int(round(cut))
        key = self.keep_end
        if self.idle.ready:
            key = max(key, round((self.t_start - self.idle.offset(adc=False)) * self.idle.rate))
        key = min(key, cut)
        audio = np.concatenate(self.ring) if self.ring else np.zeros(0, np.float32)
        begin = max(self.ring_start, key - preroll)
        head = audio[begin - self.ring_start:cut - self.ring_start]
        return head, key - begin
