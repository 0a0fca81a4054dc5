"""The start cue must not be in the recording: played through the real sound server into the
bench's null sink, whose monitor IS the microphone, so the microphone hears every cue.

- the app's order (cue, then record once it has been heard) records no trace of the cue;
- the control (record, then cue) does record it: proof that the microphone would hear it;
- with the microphone kept ready the pre-roll holds the cue, and cue_skip_samples removes it.
Figures (cue-to-recording delay, peaks) go to ``test-artifacts/cues.json``.
"""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest

from dictate_app.audio.recorder import Recorder
from dictate_app.output.sounds import CuePlayer, cue_skip_samples, gain, load_cue
from dictate_app.store.settings import Settings

RECORD_S = 0.7
# The bench's silence is digital zero (shared/reference/desktop-testing.md: leading-silence RMS
# 0.00000); the cue at full volume peaks at 0.5.
SILENT = 1e-3


def _record_after_cue(player: CuePlayer, recorder: Recorder) -> tuple[np.ndarray, float, float]:
    started = threading.Event()
    times = {}

    def begin():
        times["start"] = time.monotonic()
        recorder.start()
        started.set()

    times["cue"] = time.monotonic()
    player.play("start", begin)
    assert started.wait(5), "the cue never finished"
    time.sleep(RECORD_S)  # the recording's length: what the test records, not a wait for a result
    recording = recorder.stop().result(timeout=10)
    return recording, times["cue"], times["start"]


@pytest.fixture
def player(desktop):
    return CuePlayer(Settings(sound_volume=100))


@pytest.fixture(scope="module")
def figures(desktop):
    data: dict = {}
    yield data
    desktop.artifact("cues.json").write_text(json.dumps(data, indent=1) + "\n")


def test_recording_started_after_the_cue_does_not_contain_it(player, figures):
    recorder = Recorder(keep_ready=False)
    try:
        time.sleep(0.3)  # the app makes its recorder at start-up, long before the first key-down
        recording, cue_at, start_at = _record_after_cue(player, recorder)
    finally:
        recorder.close()
    peak = float(np.max(np.abs(recording.samples)))
    figures["on_demand"] = {"cue_to_start_ms": round((start_at - cue_at) * 1000, 1), "peak": peak,
                            "cue_ms": round(player.duration("start") * 1000, 1),
                            "recorded_s": round(recording.duration_s, 3)}
    assert recording.duration_s > 0.5
    assert peak < SILENT, f"the cue leaked into the recording (peak {peak:.4f})"


def test_control_a_cue_during_the_recording_is_heard(player, figures):
    recorder = Recorder(keep_ready=True)  # live at once, so the cue lands inside the recording
    try:
        recorder.start()
        time.sleep(0.2)
        done = threading.Event()
        player.play("start", done.set)
        assert done.wait(5)
        time.sleep(0.2)
        recording = recorder.stop().result(timeout=10)
    finally:
        recorder.close()
    peak = float(np.max(np.abs(recording.samples)))
    figures["control_peak"] = peak
    assert peak > 0.3 * gain(100) * float(np.max(np.abs(load_cue("start")[0])))


def test_keep_ready_preroll_holds_the_cue_and_the_skip_removes_it(player, figures):
    recorder = Recorder(keep_ready=True, preroll_s=0.4)
    try:
        time.sleep(0.6)  # the ring fills with silence first
        recording, cue_at, start_at = _record_after_cue(player, recorder)
    finally:
        recorder.close()
    samples = recording.samples
    skip = cue_skip_samples(recording.preroll_ms, player.last_audible_until, start_at, recording.sample_rate)
    head_peak = float(np.max(np.abs(samples[:skip]))) if skip else 0.0
    rest_peak = float(np.max(np.abs(samples[skip:])))
    figures["keep_ready"] = {"preroll_ms": recording.preroll_ms, "skip_ms": skip / 16, "head_peak": head_peak,
                             "rest_peak": rest_peak}
    assert recording.preroll_ms >= 300
    assert head_peak > 0.05, "the pre-roll should have caught the cue (else this test proves nothing)"
    assert rest_peak < SILENT, f"the cue is still in the recording after the skip (peak {rest_peak:.4f})"
