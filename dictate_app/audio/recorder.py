"""Push-to-talk capture that never loses a word: pre-roll, release tail, device loss, length limit.

The PortAudio callback only copies each block into a queue; one worker thread per recorder does
everything else (down-mix, pre-roll ring, level, live VAD segments, tail, resampling) and calls the
``on_*`` callbacks, so the audio thread never waits on Python work or a consumer.

Two modes (README "Microphone modes"):

- **open on demand** (default, privacy first): the stream opens at ``start()``. Speech before the
  first captured sample is missing; it is measured (``start_latency_ms``, ``lost_ms``) and reported.
- **keep ready** (``keep_ready=True``): the stream stays open and the last ``preroll_s`` seconds
  are kept in a ring buffer that is prepended at ``start()``, so the first word is kept even when
  the speaker starts talking before the key is fully down. Between recordings that stream runs
  with ``idle_block_s`` blocks (200 ms: a third of the CPU of 20 ms blocks); at key-down a 20 ms
  stream takes over and the two are joined without a gap (:mod:`dictate_app.audio.handover`);
  after the take the large-block stream comes back. If a second stream cannot be opened beside the
  first, the recorder keeps one 20 ms stream from then on, as before.

After ``stop()`` capture goes on for ``tail_s`` (counted in samples) so the last word is kept, less
the silence the live VAD has already heard, and no longer than the open segment needs when its
segments are consumed (:meth:`Take.tail_complete`). If
the device vanishes, what was captured is kept and ``microphone_lost`` is set; a warning is issued
before ``max_s`` is reached, and the recording ends there with ``hit_max_length``. ``max_s`` bounds
the audio held in memory: all of a take, unless the take drops its spoken audio
(``start(drop_spoken=True)``: its live segments' consumer keeps them), which then has no time limit.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import logging
import queue
import threading
import time
from typing import Callable

import numpy as np

from dictate_app.audio.blocks import IDLE_BATCH, IdleBatch, block_samples
from dictate_app.audio.capture import BLOCK_S, Recording, StreamHandle, Take, open_stream, warm_up  # noqa: F401 (Recording: re-exported)
from dictate_app.audio.handover import IDLE_BLOCK_S, HandOver, Timeline
from dictate_app.errors import DictateError

# No block for this long while recording means the device is gone (PortAudio does not always
# call finished_callback when an ALSA device disappears; the callbacks just stop).
STALL_S = 1.0
# The first block of a stream opened on demand may take this long (ALSA loads its config).
FIRST_BLOCK_S = 3.0
# Silence that closes a live segment (the app's; `dictate-app listen --pause` sets its own).
SEGMENT_SILENCE_S = 0.5

_START, _STOP, _CANCEL, _CLOSE, _OPEN, _BLOCKS, _FINISHED, _WARM = range(8)


def live_segmenter(segment_silence_s: float = SEGMENT_SILENCE_S, trail_ms: int | None = None):
    """The live VAD a recorder cuts its segments with (a :class:`SpeechStream`); ``trail_ms``
    (default ``LIVE_TRAIL_MS``) is the audio kept after each segment's speech (measurements only)."""
    from dictate_app.audio.speech import LEAD_IN_S, LIVE_TRAIL_MS, MIN_SPEECH_MS
    from dictate_app.audio.vad import SpeechStream

    # The shortest speech the after-release trim keeps (a short "yes") is a segment too, and a
    # segment starts as early before its speech as the trim's output does (LEAD_IN_S). Its short
    # trailing pad (LIVE_TRAIL_MS) hands it out as soon as two windows of the pause are heard.
    return SpeechStream(min_silence_ms=int(segment_silence_s * 1000), min_speech_ms=MIN_SPEECH_MS,
                        pad_ms=LIVE_TRAIL_MS if trail_ms is None else trail_ms,
                        lead_in_ms=round(LEAD_IN_S * 1000))


class Recorder:
    """Record from a microphone between :meth:`start` (key down) and :meth:`stop` (key up).

    ``microphone`` is a microphone id (see :mod:`dictate_app.audio.sources`) or None for the system
    default. ``stream_factory`` defaults to ``sounddevice.InputStream``; tests pass a fake with the
    same constructor keywords (``device, samplerate, channels, dtype, blocksize, callback,
    finished_callback``, plus ``block_s``: the block length wanted) and ``samplerate``/``channels``
    attributes. ``idle_block_s``: the block length of a stream kept ready between recordings
    (``BLOCK_S`` or less: one stream throughout, no hand-over). Callbacks run on the
    recorder's worker thread: ``on_level(rms, peak)`` about 25 times a second while recording,
    ``on_segment(samples16k)`` when the live VAD closes a speech segment (and, with
    ``on_provisional``, the same segment earlier, as soon as its pause begins; see
    :meth:`SpeechStream.provisional`); :meth:`start` can give other segment consumers for one
    take, and ``live_vad=True`` runs the live VAD without constructor consumers; ``on_warning(message)``
    for a lost device or an approaching length limit, ``on_live(latency_ms)`` when the first audio
    of a recording has arrived (a good moment for a start cue).
    With ``keep_ready`` the stream is opened in the constructor (raising :class:`MicrophoneError`);
    otherwise the worker opens and closes it once, unstarted (nothing is captured), so the first
    key-down does not pay PortAudio's cold open (140-220 ms measured).
    """

    def __init__(self, microphone: str | None = None, keep_ready: bool = False, preroll_s: float = 0.4,
                 tail_s: float = 0.25, max_s: float = 300.0, *, stream_factory=None,
                 on_level: Callable[[float, float], None] | None = None,
                 on_segment: Callable[[np.ndarray], None] | None = None,
                 on_provisional: Callable[[np.ndarray], None] | None = None,
                 on_warning: Callable[[str], None] | None = None,
                 on_live: Callable[[float], None] | None = None,
                 segment_silence_s: float = SEGMENT_SILENCE_S, live_vad: bool | None = None,
                 idle_block_s: float = IDLE_BLOCK_S) -> None:
        if max_s <= 0 or tail_s < 0 or preroll_s < 0:
            raise ValueError("max_s must be positive; tail_s and preroll_s not negative")
        self.microphone = microphone
        self.keep_ready = keep_ready
        self.preroll_s, self.tail_s, self.max_s = preroll_s, tail_s, max_s
        self.segment_silence_s = segment_silence_s
        self.idle_block_s = idle_block_s
        self._factory = stream_factory
        self._on_level, self._on_segment = on_level, on_segment
        self._on_provisional = on_provisional
        self.live_vad = on_segment is not None if live_vad is None else live_vad
        self._on_warning, self._on_live = on_warning, on_live
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._recording = False
        self._closed = False
        self._worker = _Worker(self)
        self._thread = threading.Thread(target=self._worker.run, name="dictate-recorder", daemon=True)
        self._thread.start()
        if keep_ready:
            opened: concurrent.futures.Future = concurrent.futures.Future()
            self._queue.put((_OPEN, opened))
            try:
                opened.result(timeout=10)
            except BaseException:
                self.close()
                raise
        elif stream_factory is None:
            # Open on demand: pay PortAudio's cold first open now, not at the first key-down.
            self._queue.put((_WARM,))

    @property
    def is_recording(self) -> bool:
        """True from :meth:`start` until :meth:`stop`, :meth:`cancel`, a lost device or the limit."""
        return self._recording

    def start(self, on_segment: Callable[[np.ndarray], None] | None = None,
              on_provisional: Callable[[np.ndarray], None] | None = None,
              on_pause: Callable[[float, bool], None] | None = None, drop_spoken: bool = False) -> None:
        """Key down: begin a recording. Returns at once; the stream opens on the worker if needed.

        ``on_segment``/``on_provisional`` given here receive this take's live segments instead of
        the constructor's: a consumer bound to one recording never gets the next one's audio.
        ``on_pause(silence_s, speech_heard)`` after every block of this take: the seconds of silence
        the live VAD has heard at its end (:meth:`Take.silence_heard_s`) and whether it has heard
        speech at all (hands-free auto-stop decides with them). ``drop_spoken``: the segments'
        consumer keeps their audio, so the take forgets it once handed out and only the unsent
        rest counts towards ``max_s`` (no time limit, flat memory; the :class:`Recording` then
        starts at ``head_dropped``).
        """
        if self._closed:
            raise DictateError("the recorder was closed; create a new one to record again")
        self._recording = True
        # A stream kept ready holds its idle blocks back (capture.IdleBatch): they go into the
        # queue now, ahead of the start, so the pre-roll has all the audio before this moment.
        self._worker.batch.set_idle(False)
        self._queue.put((_START, time.monotonic(), on_segment, on_provisional, on_pause, drop_spoken))

    def stop(self) -> concurrent.futures.Future:
        """Key up: returns at once a Future that resolves to the :class:`Recording` after the tail.

        The Future raises :class:`MicrophoneError` if the microphone could not be opened, and
        ``RuntimeError`` if nothing was being recorded.
        """
        future: concurrent.futures.Future = concurrent.futures.Future()
        self._recording = False
        self._queue.put((_STOP, time.monotonic(), future))
        return future

    def cancel(self) -> None:
        """Drop the current recording (a pending ``stop()`` Future is cancelled)."""
        self._recording = False
        self._queue.put((_CANCEL,))

    def close(self) -> None:
        """Cancel any recording, close the stream and end the worker thread."""
        if self._closed:
            return
        self._closed = True
        self._recording = False
        self._queue.put((_CLOSE,))
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> "Recorder":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Worker:
    """The recorder's thread: owns the stream, the pre-roll ring and the current take."""

    def __init__(self, rec: Recorder) -> None:
        self.rec = rec
        self.stream: StreamHandle | None = None
        self.block_s = BLOCK_S  # the open stream's
        # Blocks of a closed stream still in the queue carry another number than the open one's.
        self._numbers = itertools.count(1)
        self.generation = 0
        self.ring: list[np.ndarray] = []
        self.ring_samples = 0
        self.timeline: Timeline | None = None  # the open stream's samples in time
        self.handover: HandOver | None = None  # key-down: a 20 ms stream joining the idle one
        self.single_stream = rec.idle_block_s <= BLOCK_S  # or a second stream failed to open
        self.batch = IdleBatch(lambda blocks: None)  # the open stream's (see _callback_for)
        self.take: Take | None = None
        self.done: Recording | None = None  # finished before stop() (device lost, length limit)
        self.done_error: BaseException | None = None
        self.speech_stream = None  # the live VAD, loaded once (only with on_segment)
        # When to load it if nothing else happens first (see _maybe_preload).
        self.preload_at: float | None = time.monotonic() + 0.3 if rec.live_vad else None

    def _segmenter(self):
        if not self.rec.live_vad:
            return None
        if self.speech_stream is None:
            self.speech_stream = live_segmenter(self.rec.segment_silence_s)
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
                item = self.rec._queue.get(timeout=self._timeout())
            except queue.Empty:
                self._stalled()
                self._maybe_preload()
                continue
            self._maybe_preload()
            kind = item[0]
            if kind == _BLOCKS:
                for block in item[2]:
                    if self.handover is not None and item[1] == self.handover.idle_generation:
                        self._idle_block(*block)
                        continue
                    if item[1] != self.generation or self.stream is None:
                        break  # a closed stream's late blocks (a block may close it: device lost)
                    self._block(*block)
            elif kind == _START:
                self._start(*item[1:])
            elif kind == _STOP:
                self._stop(item[1], item[2])
            elif kind == _CANCEL:
                self._cancel()
            elif kind == _FINISHED:
                if self.handover is not None and item[1] == self.handover.idle_generation:
                    self._join(force=True)  # the idle stream is gone: what it gave is all there is
                elif item[1] == self.generation and self.stream is not None:
                    self._microphone_lost("the microphone stopped delivering audio")
            elif kind == _WARM:
                if self.stream is None:
                    warm_up(self.rec.microphone)
            elif kind == _OPEN:
                self._open_ready(item[1])
            elif kind == _CLOSE:
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
        put = self.rec._queue.put
        # Idle blocks reach the worker IDLE_BATCH x 20 ms at a time, whatever the block length.
        batch = IdleBatch(lambda blocks: put((_BLOCKS, generation, blocks)),
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
            put((_FINISHED, generation))

        return callback, finished, batch

    # ---- stream ----------------------------------------------------------------------------

    def _open(self, block_s: float = BLOCK_S) -> None:
        """Open a stream with ``block_s`` blocks as the worker's stream (the one before it, if
        any, is left as it is: the caller closes or keeps it). Raises :class:`DictateError`."""
        generation = next(self._numbers)
        callback, finished, batch = self._callback_for(generation, block_s)
        stream = open_stream(self.rec.microphone, self.rec._factory, callback, finished, block_s=block_s)
        self.stream, self.generation, self.batch, self.block_s = stream, generation, batch, block_s
        self.ring, self.ring_samples = [], 0
        self.timeline = Timeline(stream.rate, skip_first=True)  # its first ADC time may be late (handover)

    def _close_stream(self) -> None:
        if self.stream is not None:
            self.generation = next(self._numbers)  # its late blocks and finished_callback are now ignored
            stream, self.stream = self.stream, None
            stream.close()

    def _idle_block_s(self) -> float:
        return BLOCK_S if self.single_stream else self.rec.idle_block_s

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
        if self.handover is not None and any(isinstance(item[0], str) for item in self.handover.pending):
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
                self.rec._recording = False
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
                         tail_s=self.rec.tail_s, max_s=self.rec.max_s, metered=self.rec._on_level is not None,
                         segmenter=self._segmenter(), drop_spoken=drop_spoken)
        self.take.on_segment = on_segment or self.rec._on_segment
        self.take.on_provisional = on_provisional or self.rec._on_provisional
        self.take.on_pause = on_pause
        self.stream.notes = []  # said once per stream, not at every key-down
        if handover is not None:
            self.handover = handover  # the take gets its audio once the two streams are joined
        elif already_open and not other_device:
            self.take.add_preroll(self.ring, int(self.rec.preroll_s * self.stream.rate))
            self.ring, self.ring_samples = [], 0

    def _stop(self, t_stop: float, future: concurrent.futures.Future) -> None:
        if self.handover is not None:  # the key-up comes after the audio that came before it
            self.handover.pending.append(("stop", t_stop, future))
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
            if self.rec.keep_ready and self.rec.preroll_s > 0:
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
        joined = handover.join(int(self.rec.preroll_s * handover.new.rate), force)
        if joined is None:
            return
        self.handover = None
        handover.idle_stream.close()
        take = self.take
        take.add_head(*joined)
        for item in handover.pending:
            if self.take is not take:
                break  # it ended (key-up and tail, length limit): the rest belongs to no take
            if isinstance(item[0], str):  # ("stop", t_stop, future)
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
            if self.rec._on_live is not None:
                self._call(self.rec._on_live, take.start_latency_ms)
        if take.hit_max_length and take.future is None:
            self.rec._recording = False  # before the warning: its reader may check is_recording
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
            self._call(self.rec._on_level, *level)

    def _ring_add(self, mono: np.ndarray) -> None:
        self.ring.append(mono)
        self.ring_samples += mono.size
        self._ring_trim()

    def _ring_trim(self) -> None:
        keep = int(self.rec.preroll_s * self.stream.rate) if self.stream else 0
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
            self.rec._recording = False  # before the warning: its reader may check is_recording
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
            self.rec._recording = False
        self._after_take()

    def _after_take(self) -> None:
        if not self.rec.keep_ready:
            self._close_stream()
            return
        handover, self.handover = self.handover, None
        if handover is not None:  # cancelled before the join: the idle stream is still open
            for item in handover.pending:
                if isinstance(item[0], str):
                    item[2].cancel()  # a key-up's Future, as for a take cancelled in its tail
            self._close_stream()
            self.stream, self.generation, self.batch = handover.idle_stream, handover.idle_generation, handover.idle_batch
            self.block_s, self.timeline = self.rec.idle_block_s, handover.idle
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
        self._call(self.rec._on_warning, message)

    @staticmethod
    def _call(callback, *args) -> None:
        if callback is None:
            return
        try:
            callback(*args)
        except Exception:  # a consumer's bug must not kill capture; it is logged, not raised
            logging.getLogger(__name__).exception("recorder callback %r failed", callback)

