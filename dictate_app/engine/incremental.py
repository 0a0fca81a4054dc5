"""Incremental transcription: transcribe speech segments while the key is still held.

The recorder's VAD closes a segment at each pause (``on_segment(samples16k)``); each one is
transcribed in the background at once, so at key release only the last, still-open stretch of
speech (the tail) is left to transcribe. The final result joins the segments' tagged outputs in
order and parses them once with :func:`dictate_app.engine.tags.parse_tagged`, exactly what
transcribing the same segments one by one after release and joining them gives (the funasr
backend joins its long-audio passes the same way). Nothing is dropped or doubled at the seams:
the VAD's segments do not overlap, and every segment handed in is transcribed exactly once and
placed by arrival order.

Speculation: the recorder can also hand out a segment as soon as its pause begins
(``on_provisional``, ~0.1 s after the last word instead of ``min_silence`` later). It is
transcribed at once; when the same samples then arrive as a closed segment, or as the tail at
release, that result is used instead of a second pass. So a user who releases the key right after
speaking waits only for what is left of that pass. Speech that resumes makes it stale: it is
dropped (cancelled if not started yet), never joined.

A running pass cannot be stopped (neither sherpa-onnx nor torch can abandon a forward pass), so
a stale speculative pass that is already running delays the next pass by what is left of it; a
queued one is cancelled as soon as it is known to be stale (a newer provisional segment, or a
closed segment with other samples), so at most one stale pass can ever stand in the way.

Threading: every pass runs on one thread, so the engine is only ever called from one thread
(:class:`dictate_app.engine.base.Engine` is not required to be thread-safe). By default that is the
transcriber's own worker thread; ``executor`` (anything with ``submit(fn, *args) -> Future``) puts
the passes on a thread the caller owns instead: the tray app passes its ASR worker, so the app has
exactly one thread that calls the engine (``dictate_app.app.worker``). ``on_segment`` only queues
work: it is cheap enough for an audio callback.

Text so far (live words, issue 24): :meth:`IncrementalTranscriber.so_far` gives the closed segments
transcribed so far, in order (final: they will not change), and the open segment's speculative
text once its pass is done (provisional: speech may resume and replace it). A closed segment still
being transcribed hides everything after it, the provisional text too, so what is shown is always
a prefix of the take in spoken order. ``on_progress`` (a constructor argument) is called, on
whichever thread made the change (the executor's, or the recorder's), whenever ``so_far`` may
have changed; it must only hand over (a queued signal), never call back in.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from dictate_app.audio.convert import MODEL_RATE
from dictate_app.engine.base import Engine
from dictate_app.engine.result import Timings, Transcript
from dictate_app.engine.tags import parse_tagged

# A tail shorter than this holds no word (one LFR frame is 60 ms; SenseVoice's query frames
# alone would decode to tags); it is not worth a model pass at release.
MIN_TAIL_S = 0.1


def join_transcripts(parts: Sequence[Transcript]) -> Transcript:
    """One transcript from consecutive pieces: their tagged outputs joined and parsed once.

    Text pieces are joined by :func:`dictate_app.engine.join.join_pieces` (inside ``parse_tagged``);
    language, emotion and events are decided over all pieces. Durations and timings add up.
    """
    raw = "".join(part.raw for part in parts)
    timings = Timings(
        sum(p.timings.feature_ms for p in parts),
        sum(p.timings.model_ms for p in parts),
        sum(p.timings.total_ms for p in parts),
    )
    return parse_tagged(raw, sum(p.duration_s for p in parts), timings)


@dataclass(frozen=True)
class Progress:
    """A take's text so far (see the module notes): ``parts`` are the closed segments transcribed
    so far, in order; ``provisional`` the open segment's speculative pass (None: none yet)."""

    parts: tuple[Transcript, ...] = ()
    provisional: Transcript | None = None

    @property
    def final(self) -> Transcript:
        """The closed segments' text so far, joined exactly as the take's result will be."""
        return join_transcripts(self.parts)

    @property
    def whole(self) -> Transcript:
        """Final and provisional together: the text and tags (language, emotion, events) so far."""
        return join_transcripts(self.parts + ((self.provisional,) if self.provisional else ()))


class IncrementalTranscriber:
    """Transcribes VAD-closed segments during a recording; :meth:`finish` adds the tail and joins.

    Feed :meth:`on_segment` from the recorder and call :meth:`finish` (or :meth:`cancel`) at
    release; after either, the transcriber is ready for the next recording (same settings). With
    an ``executor`` of the caller's (see the module notes) one transcriber per recording is cheap
    (the tray app's worker makes one per take), and :meth:`finish` may be called on the
    executor's own thread once the passes queued before it have run: the tail's pass then runs
    inline.
    """

    def __init__(self, engine: Engine, language: str = "auto", itn: bool = True,
                 executor: Executor | None = None, on_progress: Callable[[], None] | None = None) -> None:
        self.engine = engine
        self.language = language
        self.itn = itn
        self._owns_pool = executor is None
        self._pool = executor or ThreadPoolExecutor(max_workers=1, thread_name_prefix="incremental-asr")
        self.pieces = 0  # model passes joined by the last finish (0: no speech, the model never ran)
        self.on_progress = on_progress
        # Reentrant: a pass submitted on the executor's own thread runs inline, and its done
        # callback (which reads nothing under the lock today) must never deadlock us.
        self._lock = threading.RLock()
        self._futures: list[Future] = []
        self._speculation: tuple[np.ndarray, Future] | None = None

    def on_segment(self, samples16k: np.ndarray) -> None:
        """Queue a closed speech segment (16 kHz mono float32) for transcription. Returns at once."""
        segment = np.array(samples16k, dtype=np.float32, copy=True)  # the caller may reuse its buffer
        with self._lock:
            self._futures.append(self._claim_or_submit(segment))
        self._progressed()  # a finished speculative pass may just have become final

    def on_provisional(self, samples16k: np.ndarray) -> None:
        """Start transcribing a segment whose pause has just begun (see the module notes)."""
        segment = np.array(samples16k, dtype=np.float32, copy=True)
        with self._lock:
            self._drop_speculation()  # an older one is stale: speech resumed after it
            self._speculation = (segment, self._submit(segment))
        # An executor that ran the pass inline (called on its own thread) finished it before it
        # became the speculation: its done callback could not show it yet.
        self._progressed()

    def _claim_or_submit(self, segment: np.ndarray) -> Future:
        """The speculative pass if it was over exactly these samples, else a new one (lock held)."""
        if self._speculation is not None:
            audio, future = self._speculation
            self._speculation = None
            if audio.size == segment.size and np.array_equal(audio, segment):
                return future
            future.cancel()
        return self._submit(segment)

    def _submit(self, segment: np.ndarray) -> Future:
        future = self._pool.submit(self._transcribe, segment, self.language, self.itn)
        future.add_done_callback(lambda _f: self._progressed())
        return future

    def _progressed(self) -> None:
        if self.on_progress is not None:
            self.on_progress()

    def so_far(self) -> Progress:
        """The text so far (see the module notes). Cheap: joins what is done, waits for nothing."""
        with self._lock:
            futures = list(self._futures)
            speculation = self._speculation
        parts: list[Transcript] = []
        for future in futures:
            if not future.done() or future.cancelled() or future.exception() is not None:
                return Progress(tuple(parts))  # in spoken order: nothing after a gap
            parts.append(future.result())
        provisional = None
        if speculation is not None:
            future = speculation[1]
            if future.done() and not future.cancelled() and future.exception() is None:
                provisional = future.result()
        return Progress(tuple(parts), provisional)

    def _drop_speculation(self) -> None:
        if self._speculation is not None:
            self._speculation[1].cancel()
            self._speculation = None

    @property
    def pending(self) -> int:
        """Segments queued or being transcribed right now."""
        with self._lock:
            return sum(1 for future in self._futures if not future.done())

    def finish(self, tail16k: np.ndarray | None = None, timeout: float | None = None) -> Transcript:
        """Transcribe the tail (if it is long enough), wait for every segment, and join in order.

        Raises what the engine raised for any piece (a :class:`DictateError` for bad audio).
        """
        with self._lock:
            if tail16k is not None and np.asarray(tail16k).size >= MIN_TAIL_S * MODEL_RATE:
                self._futures.append(self._claim_or_submit(np.array(tail16k, dtype=np.float32, copy=True)))
            self._drop_speculation()
            futures, self._futures = self._futures, []
        self.pieces = len(futures)
        return join_transcripts([future.result(timeout=timeout) for future in futures])

    def finish_recording(self, recording, timeout: float | None = None) -> Transcript:
        """:meth:`finish` for a :class:`dictate_app.audio.recorder.Recording` whose live segments
        were fed to :meth:`on_segment`: its tail is the open segment (``tail_start`` to
        ``tail_end``), skipped when the VAD heard no speech there."""
        tail = recording.samples[recording.tail_start:recording.tail_end] if recording.tail_has_speech else None
        return self.finish(tail, timeout)

    def cancel(self) -> None:
        """Drop the current recording: queued segments are not transcribed (a running one finishes)."""
        with self._lock:
            futures, self._futures = self._futures, []
            self._drop_speculation()
        for future in futures:
            future.cancel()

    def close(self) -> None:
        """Stop the worker thread (after the segment it is on); a caller's executor is left alone."""
        self.cancel()
        if self._owns_pool:
            self._pool.shutdown(wait=True)

    def _transcribe(self, segment: np.ndarray, language: str, itn: bool) -> Transcript:
        return self.engine.transcribe(segment, MODEL_RATE, language=language, itn=itn)
