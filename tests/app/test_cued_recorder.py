"""The cue wrapper: the recorder starts only after the start cue was heard, a stop or cancel that
comes during the cue is honoured after it, the pre-roll holding the cue is cut, and the stop cue
plays after the recording ended. Fakes at the two seams (recorder, cue player)."""

from __future__ import annotations

import concurrent.futures
import time
from dataclasses import dataclass

import numpy as np

from dictate_app.app.cued_recorder import CuedRecorder


@dataclass(frozen=True)
class Rec:
    samples: np.ndarray
    sample_rate: int = 16000
    duration_s: float = 1.0
    preroll_ms: float = 0.0
    tail_start: int = 0
    tail_end: int | None = None


class FakeRecorder:
    def __init__(self, preroll_ms=0.0):
        self.calls = []
        self.preroll_ms = preroll_ms
        self.is_recording = False

    def start(self):
        self.calls.append("start")
        self.is_recording = True

    def stop(self):
        self.calls.append("stop")
        f = concurrent.futures.Future()
        f.set_result(Rec(np.arange(16000, dtype=np.float32), preroll_ms=self.preroll_ms,
                         tail_start=12000, tail_end=14000))
        return f

    def cancel(self):
        self.calls.append("cancel")

    def close(self):
        self.calls.append("close")


class FakePlayer:
    """Holds each cue until the test says it was heard."""

    def __init__(self, enabled=True):
        self.enabled, self.volume = enabled, 50
        self.played, self.pending = [], []
        self.last_audible_until = 0.0

    def play(self, name, on_done=None):
        self.played.append(name)
        if on_done:
            self.pending.append(on_done)
        return True

    def heard(self):
        self.last_audible_until = time.monotonic()
        self.pending.pop(0)()


def test_recording_starts_only_after_the_cue():
    rec, player = FakeRecorder(), FakePlayer()
    cued = CuedRecorder(rec, player)
    cued.start()
    assert player.played == ["start"] and rec.calls == []
    player.heard()
    assert rec.calls == ["start"] and cued.is_recording  # other attributes pass through
    result = cued.stop().result(timeout=1)
    assert rec.calls == ["start", "stop"] and len(result.samples) == 16000
    assert player.played == ["start", "stop"]  # the stop cue after the recording ended


def test_stop_and_cancel_during_the_cue():
    rec, player = FakeRecorder(), FakePlayer()
    cued = CuedRecorder(rec, player)
    cued.start()
    future = cued.stop()
    assert not future.done() and rec.calls == []
    player.heard()
    assert rec.calls == ["start", "stop"] and future.result(timeout=1) is not None
    cued.start()
    cued.cancel()
    player.heard()
    assert rec.calls == ["start", "stop"]  # never started, nothing to cancel


def test_preroll_with_the_cue_is_cut():
    rec, player = FakeRecorder(preroll_ms=400), FakePlayer()
    cued = CuedRecorder(rec, player)
    cued.start()
    player.heard()  # the recorder starts right after: the whole pre-roll overlaps the cue
    result = cued.stop().result(timeout=1)
    assert 15999 - len(result.samples) >= int(0.39 * 16000) and result.preroll_ms < 10
    assert result.samples[0] >= 0.39 * 16000  # the head was dropped, not the tail
    # Indices into the samples still point at the same audio.
    assert result.samples[result.tail_start] == 12000 and result.samples[result.tail_end] == 14000


def test_without_cues_it_is_the_plain_recorder():
    rec, player = FakeRecorder(preroll_ms=400), FakePlayer(enabled=False)
    cued = CuedRecorder(rec, player)
    cued.start()
    assert rec.calls == ["start"] and player.played == []
    assert len(cued.stop().result(timeout=1).samples) == 16000 and player.played == []
