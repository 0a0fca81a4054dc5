"""A recorder with start and stop cues, keeping the cues out of the audio.

Wraps :class:`dictate_app.audio.recorder.Recorder` (same ``start/stop/cancel/close`` surface, so
the coordinator does not know cues exist):

- ``start()`` plays the start cue and starts the real recorder only once the cue has been heard
  (:meth:`CuePlayer.play` reports that); a ``stop()`` or ``cancel()`` that arrives while the cue is
  still playing is honoured when it ends;
- the resulting recording has the pre-roll that may hold the cue cut off (keep-ready microphone);
- the stop cue plays after the recording has ended (after the tail), so it is not recorded either.
With cues off (``player.enabled`` False) it is the plain recorder.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from dataclasses import replace
from typing import Any

from dictate_app.audio.cues import CuePlayer, cue_skip_samples


class CuedRecorder:
    """``recorder`` with ``player``'s cues around each recording."""

    def __init__(self, recorder: Any, player: CuePlayer):
        self.recorder = recorder
        self.player = player
        self._lock = threading.Lock()
        self._pending = False  # the start cue is playing; the recorder has not started yet
        self._after_cue: str | None = None  # "stop" or "cancel" asked for while the cue played
        self._stop_future: concurrent.futures.Future | None = None
        self._started_at = 0.0
        self._cued = False  # this recording began with a cue
        self._take: dict[str, Any] = {}  # start()'s per-take arguments (segment consumers)

    def __getattr__(self, name: str) -> Any:  # is_recording, device info...: the real recorder's
        return getattr(self.recorder, name)

    def start(self, **take: Any) -> None:
        with self._lock:
            self._take = take
            self._after_cue = None
            self._cued = self.player.enabled and self.player.volume > 0
            if not self._cued:
                self._begin()
                return
            self._pending = True
        self.player.play("start", self._cue_heard)

    def _begin(self) -> None:
        self._started_at = time.monotonic()
        self.recorder.start(**self._take)

    def _cue_heard(self) -> None:
        """On the player's thread, once the start cue has been heard."""
        with self._lock:
            if not self._pending:
                return
            self._pending = False
            after, self._after_cue = self._after_cue, None
            if after == "cancel":
                return
            self._begin()
            if after == "stop":
                self._chain(self.recorder.stop(), self._stop_future)

    def stop(self) -> concurrent.futures.Future:
        """Resolves to the recording without the cue (then the stop cue plays)."""
        future: concurrent.futures.Future = concurrent.futures.Future()
        with self._lock:
            if self._pending:  # released during the cue: stop as soon as the recorder has started
                self._after_cue, self._stop_future = "stop", future
                return future
        self._chain(self.recorder.stop(), future)
        return future

    def _chain(self, inner: concurrent.futures.Future, outer: concurrent.futures.Future) -> None:
        def done(f: concurrent.futures.Future) -> None:
            if f.cancelled():
                outer.cancel()
                return
            exc = f.exception()
            if exc is not None:
                outer.set_exception(exc)
                return
            outer.set_result(self._without_cue(f.result()))
            if self._cued:
                self.player.play("stop")

        inner.add_done_callback(done)

    def _without_cue(self, recording: Any) -> Any:
        """The recording with any pre-roll that overlaps the start cue removed."""
        if not self._cued or not getattr(recording, "preroll_ms", 0):
            return recording
        skip = cue_skip_samples(recording.preroll_ms, self.player.last_audible_until, self._started_at,
                                recording.sample_rate)
        if skip <= 0:
            return recording
        samples = recording.samples[skip:]
        changes = {"samples": samples, "duration_s": len(samples) / recording.sample_rate,
                   "preroll_ms": max(0.0, recording.preroll_ms - skip * 1000 / recording.sample_rate)}
        # Sample indices into ``samples`` move with the head that was cut.
        if getattr(recording, "tail_start", None) is not None:
            changes["tail_start"] = max(0, recording.tail_start - skip)
        if getattr(recording, "tail_end", None) is not None:
            changes["tail_end"] = max(0, recording.tail_end - skip)
        return replace(recording, **changes)

    def cancel(self) -> None:
        with self._lock:
            if self._pending:
                self._after_cue = "cancel"
                return
        self.recorder.cancel()

    def close(self) -> None:
        with self._lock:
            if self._pending:
                self._after_cue = "cancel"
        self.recorder.close()
