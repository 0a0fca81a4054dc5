"""The thread of a :class:`~dictate_app.audio.recorder.Recorder`: its stream, pre-roll ring and take.

The recorder's methods only put commands into its queue (``START`` ... ``WARM`` below) and the
PortAudio callback only puts copied blocks there (``BLOCKS``); this worker does everything else in
the order they came: opening, keeping and handing over the streams (:mod:`dictate_app.audio.handover`),
the take (:class:`~dictate_app.audio.capture.Take`) and the ``on_*`` callbacks. What the recorder
does as a whole is in :mod:`dictate_app.audio.recorder`'s docstring.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import logging
import queue
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from dictate_app.audio.blocks import IDLE_BATCH, IdleBatch, block_samples
from dictate_app.audio.capture import BLOCK_S, Recording, StreamHandle, Take, open_stream, warm_up
from dictate_app.audio.handover import HandOver, Timeline
from dictate_app.audio.speech import live_segmenter
from dictate_app.errors import DictateError

# No block for this long while recording means the device is gone (PortAudio does not always
# call finished_callback when an ALSA device disappears; the callbacks just stop).
STALL_S = 1.0
# The first block of a stream opened on demand may take this long (ALSA loads its config).
FIRST_BLOCK_S = 3.0

# What goes into the recorder's queue: a command (from the recorder's methods) or blocks and the
# end of a stream (from the PortAudio callbacks), each a tuple whose first item is one of these.
START, STOP, CANCEL, CLOSE, OPEN, BLOCKS, FINISHED, WARM = range(8)


@dataclass(frozen=True)
class RecorderSettings:
    """What a :class:`~dictate_app.audio.recorder.Recorder` was made with (its docstring says what
    each means); the worker reads it, nobody changes it."""

    microphone: str | None
    keep_ready: bool
    preroll_s: float
    tail_s: float
    max_s: float
    segment_silence_s: float
    idle_block_s: float
    live_vad: bool
    stream_factory: Callable | None = None
    on_level: Callable[[float, float], None] | None = None
    on_segment: Callable[[np.ndarray], None] | None = None
    on_provisional: Callable[[np.ndarray], None] | None = None
    on_warning: Callable[[str], None] | None = None
    on_live: Callable[[float], None] | None = None


class RecorderWorker:
    """The recorder's thread: owns the stream, the pre-roll ring and the current take.

    ``commands`` is the queue it takes its work from; ``ended()`` is called when a take ends by
    itself while the key is held (its microphone would not open or was lost, the length limit),
    before its warning goes out."""

    def __init__(self, settings: RecorderSettings, commands: queue.SimpleQueue, ended: Callable[[], None]) -> None:
        self.settings = settings
        self.commands = commands
        self.ended = ended
        self.stream: StreamHandle | None = None
        self.block_s = BLOCK_S  # the open stream's
        # Blocks of a closed stream still in the queue carry another number than the open one's.
        self._numbers = itertools.count(1)
        self.generation = 0
        self.ring: list[np.ndarray] = []
        self.ring_samples = 0
        self.timeline: Timeline | None = None  # the open stream's samples in time
        self.handover: HandOver | None = None  # key-down: a 20 ms stream joining the idle one
        self.single_stream = settings.idle_block_s <= BLOCK_S  # or a second stream failed to open
        self.batch = IdleBatch(lambda blocks: None)  # the open stream's (see _callback_for)
        self.take: Take | None = None
        self.done: Recording | None = None  # finished before stop() (device lost, length limit)
        self.done_error: BaseException | None = None
        self.speech_stream = None  # the live VAD, loaded once (only with on_segment)
        # When to load it if nothing else happens first (see _maybe_preload).
        self.preload_at: float | None = time.monotonic() + 0.3 if settings.live_vad else None

    def _segmenter(self):
        if not self.settings.live_vad:
            return None
        if self.speech_stream is None:
            self.speech_stream = live_segmenter(self.settings.segment_silence_s)
        return self.speech_stream

    # ---- the loop ---------------------------------------------------------------------------

    def _maybe_preload(self, live: bool = False) -> None:
        """Load Silero (torch's import takes seconds) beside this loop, which queues the VAD's
        audio meanwhile (Take._feed_segmenter). Not while a stream opens: the import holds the
        GIL so much that opening took 0.65 s instead of 0.17 s. So: once idle a moment after
        construction, or once the first recording is live, whichever comes first."""
        if self.preload_at is not None and (live or (self.take is None and time.monotonic() >= self.preload_at)):
            self.preload_at = None
            self._segmenter().preload()

    def run(self) -> None:
        while True:
            try:
                item = self.commands.get(timeout=self._timeout())
            except queue.Empty:
                self._stalled()
                self._maybe_preload()
                continue
            self._maybe_preload()
            kind = item[0]
            if kind == BLOCKS:
                for block in item[2]:
                    if self.handover is not None and item[1] == self.handover.idle_generation:
                        self._idle_block(*block)
                        continue
                    if item[1] != self.generation or self.stream is None:
                        break  # a closed stream's late blocks (a block may close it: device lost)
                    self._block(*block)
            elif kind == START:
                self._start(*item[1:])
            elif kind == STOP:
                self._stop(item[1], item[2])
            elif kind == CANCEL:
                self._cancel()
            elif kind == FINISHED:
                if self.handover is not None and item[1] == self.handover.idle_generation:
                    self._join(force=True)  # the idle stream is gone: what it gave is all there is
                elif item[1] == self.generation and self.stream is not None:
                    self._microphone_lost("the microphone stopped delivering audio")
            elif kind == WARM:
                if self.stream is None:
                    warm_up(self.settings.microphone)
            elif kind == OPEN:
                self._open_ready(item[1])
            elif kind == CLOSE:
                self._cancel()
                self._close_stream()
                return

    def _timeout(self) -> float | None:
        if self.take is None and self.preload_at is not None:
            return max(0.0, self.preload_at - time.monotonic())
        if self.take is None or self.stream is None:
            return None  # idle: sleep until a command or a block arrives
        return FIRST_BLOCK_S if self.take.first_arrival is None else STALL_S

    def _callback_for(self, generation: int, block_s: float):
        put = self.commands.put
        # Idle blocks reach the worker IDLE_BATCH x 20 ms at a time, whatever the block length.
        batch = IdleBatch(lambda blocks: put((BLOCKS, generation, blocks)),
                          size=max(1, round(IDLE_BATCH * BLOCK_S / block_s)))

        def callback(indata, frames, time_info, status) -> None:
            # The audio thread: copy and hand over, nothing else (no allocation beyond the copy).
            now = time.monotonic()
            try:
                adc = float(time_info.inputBufferAdcTime)
                age = float(time_info.currentTime) - adc
            except (AttributeError, TypeError):
                adc, age = 0.0, -1.0
            batch.add((bytes(indata), now, age, adc, bool(status)))

        def finished() -> None:
            put((FINISHED, generation))

        return callback, finished, batch

    # ---- stream ----------------------------------------------------------------------------

    def _open(self, block_s: float = BLOCK_S) -> None:
        """Open a stream with ``block_s`` blocks as the worker's stream (the one before it, if
        any, is left as it is: the caller closes or keeps it). Raises :class:`DictateError`."""
        generation = next(self._numbers)
        callback, finished, batch = self._callback_for(generation, block_s)
        settings = self.settings
        stream = open_stream(settings.microphone, settings.stream_factory, callback, finished, block_s=block_s)
        self.stream, self.generation, self.batch, self.block_s = stream, generation, batch, block_s
        self.ring, self.ring_samples = [], 0
        self.timeline = Timeline(stream.rate, skip_first=True)  # its first ADC time may be late (handover)

    def _close_stream(self) -> None:
        if self.stream is not None:
            self.generation = next(self._numbers)  # its late blocks and finished_callback are now ignored
            stream, self.stream = self.stream, None
            stream.close()

    def _idle_block_s(self) -> float:
        return BLOCK_S if self.single_stream else self.settings.idle_block_s

    def _open_beside(self, t_start: float) -> HandOver | None:
        """Key-down on a large-block stream: open the 20 ms stream that takes over, beside it.

        None if that fails (then the idle stream records this take, and one 20 ms stream is
        kept from the next one on) or if it opened another device (the idle one is then closed
        and the take starts as if opened on demand)."""
        idle, generation, batch, timeline, ring = self.stream, self.generation, self.batch, self.timeline, self.ring
        if not self._open_or_one_stream(BLOCK_S, "a second stream"):
            return None
        if self.stream.name != idle.name or self.stream.rate != idle.rate or self.stream.notes:
            idle.close()  # another microphone answered: nothing of the old one belongs in this take
            return None
        return HandOver(idle, generation, batch, timeline, ring, self.stream.rate, t_start)

    def _open_ready(self, opened: concurrent.futures.Future) -> None:
        try:
            self._open(self._idle_block_s())
        except BaseException as exc:
            opened.set_exception(exc)
        else:
            self._idle()
            opened.set_result(None)

    def _idle(self) -> None:
        """A stream kept open between recordings: its blocks only feed the pre-roll ring, so they
        come in batches (:class:`IdleBatch`)."""
        if self.stream is not None and self.take is None:
            self.batch.set_idle(True)

    # ---- commands ----------------------------------------------------------------------------

    def _start(self, t_start: float, on_segment=None, on_provisional=None, on_pause=None,
               drop_spoken: bool = False) -> None:
        if self.handover is not None and self.handover.key_ups():
            # Pressed again after a tap shorter than the join takes (~0.3 s): the tap ends with
            # what the two streams hold now, so this press starts a take of its own.
            self._join(force=True)
        if self.take is not None:
            if self.take.future is None:
                return  # already recording: a repeated key-down
            self._finish()  # a new press during the previous tail: end that take now
        self.done, self.done_error = None, None
        already_open = self.stream is not None
        # Blocks from now on come one by one (start() did this already unless the last take
        # ended after it was called); any still held are handed over behind this command.
        self.batch.set_idle(False)
        handover, other_device = None, False
        if not already_open:
            try:
                self._open()
            except DictateError as exc:
                self.done_error = exc
                self.ended()
                self._warn(str(exc))
                return
        elif self.block_s > BLOCK_S and self.timeline.ready and not self.timeline.has_adc():
            self.single_stream = True  # no ADC times to join by: this take on the idle stream, then 20 ms
        elif self.block_s > BLOCK_S:
            idle = self.stream
            handover = self._open_beside(t_start)
            other_device = handover is None and self.stream is not idle
        self.take = Take(self.stream.rate, self.stream.name, t_start,
                         opened_on_demand=not already_open or other_device, notes=self.stream.notes,
                         tail_s=self.settings.tail_s, max_s=self.settings.max_s,
                         metered=self.settings.on_level is not None, segmenter=self._segmenter(),
                         drop_spoken=drop_spoken)
        self.take.on_segment = on_segment or self.settings.on_segment
        self.take.on_provisional = on_provisional or self.settings.on_provisional
        self.take.on_pause = on_pause
        self.stream.notes = []  # said once per stream, not at every key-down
        if handover is not None:
            self.handover = handover  # the take gets its audio once the two streams are joined
        elif already_open and not other_device:
            self.take.add_preroll(self.ring, int(self.settings.preroll_s * self.stream.rate))
            self.ring, self.ring_samples = [], 0

    def _stop(self, t_stop: float, future: concurrent.futures.Future) -> None:
        if self.handover is not None:  # the key-up comes after the audio that came before it
            self.handover.add_key_up(t_stop, future)
            return
        take = self.take
        if take is None or take.future is not None:
            if self.done is not None:
                future.set_result(self.done)
            elif self.done_error is not None:
                future.set_exception(self.done_error)
            else:
                future.set_exception(RuntimeError("stop() without a recording: call start() first"))
            self.done, self.done_error = None, None
            return
        take.request_stop(future)
        if self.stream is None or take.tail_complete():
            self._finish()

    def _cancel(self) -> None:
        if self.take is not None:
            if self.take.future is not None:
                self.take.future.cancel()
            self.take = None
            self._after_take()
        self.done, self.done_error = None, None

    # ---- audio -------------------------------------------------------------------------------

    @staticmethod
    def _mono(data: bytes, stream: StreamHandle) -> np.ndarray:
        frames = block_samples(data, stream.channels)
        return frames[:, 0] if frames.shape[1] == 1 else frames.mean(axis=1, dtype=np.float32)

    def _block(self, data: bytes, arrival: float, age: float, adc: float, overflow: bool) -> None:
        mono = self._mono(data, self.stream)
        if self.handover is not None:
            # The take's audio waits for the join (0.25-0.45 s after key-down on the bench), its
            # level does not: the meter moves from the first 20 ms block, as with one stream.
            self.take.meter(mono)
            self._emit_levels(self.take)
            self.handover.add_new(mono, arrival, age, adc, overflow)
            self._join()
        elif self.take is None:
            if self.settings.keep_ready and self.settings.preroll_s > 0:
                self._ring_add(mono)
            self.timeline.add(mono.size, arrival, age, adc)
        else:
            self._take_block(mono, arrival, age, overflow)

    def _idle_block(self, data: bytes, arrival: float, age: float, adc: float, overflow: bool) -> None:
        """A block of the idle stream while a 20 ms stream takes over from it."""
        self.handover.add_idle(self._mono(data, self.handover.idle_stream), arrival, age, adc)
        self._join()

    def _join(self, force: bool = False) -> None:
        """Once the idle stream has reached the new stream's first sample: the take gets the
        pre-roll and the idle stream's audio to there, then the new stream's blocks and any
        key-up in the order they came; the idle stream is closed."""
        handover = self.handover
        joined = handover.join(int(self.settings.preroll_s * handover.new.rate), force)
        if joined is None:
            return
        self.handover = None
        handover.idle_stream.close()
        take = self.take
        take.add_head(*joined)
        for item in handover.pending:
            if self.take is not take:
                break  # it ended (key-up and tail, length limit): the rest belongs to no take
            if handover.is_key_up(item):  # (KEY_UP, t_stop, future)
                self._stop(*item[1:])
            else:
                self._take_block(*item, metered=True)

    def _take_block(self, mono: np.ndarray, arrival: float, age: float, overflow: bool,
                    metered: bool = False) -> None:
        take = self.take
        first = take.first_arrival is None
        take.add_block(mono, arrival, age, overflow, metered=metered)
        if first:
            self._maybe_preload(live=True)
            if self.settings.on_live is not None:
                self._call(self.settings.on_live, take.start_latency_ms)
        if take.hit_max_length and take.future is None:
            self.ended()  # before the warning: its reader may check is_recording
        self._emit_levels(take)
        for segment in take.provisional():  # before the segments: one may close the same one
            self._call(take.on_provisional, segment)
        for segment in take.segments():
            self._call(take.on_segment, segment)
        if take.on_pause is not None and take.future is None:
            self._call(take.on_pause, take.silence_heard_s(), take.speech_heard())
        for message in take.new_warnings():
            self._warn(message)
        if take.hit_max_length or take.tail_complete():
            self._finish()

    def _emit_levels(self, take: Take) -> None:
        for level in take.levels():
            self._call(self.settings.on_level, *level)

    def _ring_add(self, mono: np.ndarray) -> None:
        self.ring.append(mono)
        self.ring_samples += mono.size
        self._ring_trim()

    def _ring_trim(self) -> None:
        keep = int(self.settings.preroll_s * self.stream.rate) if self.stream else 0
        while self.ring and self.ring_samples - self.ring[0].size >= keep:
            self.ring_samples -= self.ring.pop(0).size

    def _stalled(self) -> None:
        if self.take is not None and self.stream is not None:
            waited = "opened but delivered no audio" if self.take.first_arrival is None else "stopped delivering audio"
            self._microphone_lost(f"the microphone {waited}")

    def _microphone_lost(self, what: str) -> None:
        if self.handover is not None:
            self._join(force=True)  # keep what the idle stream captured before the new one failed
        self._close_stream()
        if self.take is None:  # keep-ready, between recordings
            self._warn(f"{what}; it will be opened again at the next key press")
            return
        self.take.microphone_lost = True
        if self.take.future is None:
            self.ended()  # before the warning: its reader may check is_recording
        message = f"{what}; the {self.take.captured_s():.1f} s recorded so far are kept"
        self.take.warnings.append(message)
        self._warn(message)
        self._finish()

    def _finish(self) -> None:
        take, self.take = self.take, None
        if take is None:
            return
        recording = take.result()
        if take.future is not None:
            take.future.set_result(recording)
        else:  # ended by itself (device lost, length limit) while the key is still held
            self.done = recording
            self.ended()
        self._after_take()

    def _after_take(self) -> None:
        if not self.settings.keep_ready:
            self._close_stream()
            return
        handover, self.handover = self.handover, None
        if handover is not None:  # cancelled before the join: the idle stream is still open
            for _, _, future in handover.key_ups():
                future.cancel()  # a key-up's Future, as for a take cancelled in its tail
            self._close_stream()
            self.stream, self.generation, self.batch = handover.idle_stream, handover.idle_generation, handover.idle_batch
            self.block_s, self.timeline = self.settings.idle_block_s, handover.idle
            self.ring, self.ring_samples = handover.ring, sum(r.size for r in handover.ring)
            self._ring_trim()
        elif self.stream is not None and self.block_s != self._idle_block_s():
            self._reopen(self._idle_block_s())
        self._idle()

    def _reopen(self, block_s: float) -> None:
        """The take's stream makes way for one with ``block_s`` blocks (kept if that fails)."""
        old = self.stream
        if self._open_or_one_stream(block_s, "the idle stream"):
            old.close()  # its late blocks carry another generation: ignored

    def _open_or_one_stream(self, block_s: float, what: str) -> bool:
        """Open a stream with ``block_s`` blocks beside the current one (which stays as it is);
        False if that fails, and from then on this recorder keeps one 20 ms stream."""
        try:
            self._open(block_s)
        except DictateError as exc:
            logging.getLogger(__name__).warning("%s could not be opened (%s); keeping one 20 ms stream", what, exc)
            self.single_stream = True
            return False
        return True

    def _warn(self, message: str) -> None:
        self._call(self.settings.on_warning, message)

    @staticmethod
    def _call(callback, *args) -> None:
        if callback is None:
            return
        try:
            callback(*args)
        except Exception:  # a consumer's bug must not kill capture; it is logged, not raised
            logging.getLogger(__name__).exception("recorder callback %r failed", callback)

