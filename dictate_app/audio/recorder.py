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
import queue
import threading
import time
from typing import Callable

import numpy as np

from dictate_app.audio.capture import Recording  # noqa: F401 (re-exported: what stop() gives)
from dictate_app.audio.handover import IDLE_BLOCK_S
from dictate_app.audio.recorder_worker import CANCEL, CLOSE, OPEN, START, STOP, WARM, RecorderSettings, RecorderWorker
from dictate_app.audio.speech import SEGMENT_SILENCE_S
from dictate_app.errors import DictateError


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
        self.settings = RecorderSettings(
            microphone=microphone, keep_ready=keep_ready, preroll_s=preroll_s, tail_s=tail_s, max_s=max_s,
            segment_silence_s=segment_silence_s, idle_block_s=idle_block_s,
            live_vad=on_segment is not None if live_vad is None else live_vad, stream_factory=stream_factory,
            on_level=on_level, on_segment=on_segment, on_provisional=on_provisional, on_warning=on_warning,
            on_live=on_live)
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._recording = False
        self._closed = False
        self._worker = RecorderWorker(self.settings, self._queue, self._ended)
        self._thread = threading.Thread(target=self._worker.run, name="dictate-recorder", daemon=True)
        self._thread.start()
        if keep_ready:
            opened: concurrent.futures.Future = concurrent.futures.Future()
            self._queue.put((OPEN, opened))
            try:
                opened.result(timeout=10)
            except BaseException:
                self.close()
                raise
        elif stream_factory is None:
            # Open on demand: pay PortAudio's cold first open now, not at the first key-down.
            self._queue.put((WARM,))

    def _ended(self) -> None:
        self._recording = False

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
        self._queue.put((START, time.monotonic(), on_segment, on_provisional, on_pause, drop_spoken))

    def stop(self) -> concurrent.futures.Future:
        """Key up: returns at once a Future that resolves to the :class:`Recording` after the tail.

        The Future raises :class:`MicrophoneError` if the microphone could not be opened, and
        ``RuntimeError`` if nothing was being recorded.
        """
        future: concurrent.futures.Future = concurrent.futures.Future()
        self._recording = False
        self._queue.put((STOP, time.monotonic(), future))
        return future

    def cancel(self) -> None:
        """Drop the current recording (a pending ``stop()`` Future is cancelled)."""
        self._recording = False
        self._queue.put((CANCEL,))

    def close(self) -> None:
        """Cancel any recording, close the stream and end the worker thread."""
        if self._closed:
            return
        self._closed = True
        self._recording = False
        self._queue.put((CLOSE,))
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> "Recorder":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
