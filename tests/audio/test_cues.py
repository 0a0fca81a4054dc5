"""Cues: our own short sounds, played at the set volume through a (fake) output stream, with the
completion callback after the reported output latency; failures never block dictation."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from dictate_app.audio.cues import CUES, CuePlayer, cue_skip_samples, gain, load_cue, sounds_dir
from dictate_app.store.settings import Settings


class FakeOutput:
    """sounddevice.OutputStream's shape: records what was written and when it was stopped."""

    streams: list = []

    def __init__(self, samplerate, channels, dtype, device):
        self.samplerate, self.channels, self.dtype, self.device = samplerate, channels, dtype, device
        self.latency = 0.05
        self.written = []
        self.stopped_at = None
        FakeOutput.streams.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stopped_at = time.monotonic()

    def write(self, data):
        self.written.append(np.array(data))


@pytest.fixture(autouse=True)
def _clear():
    FakeOutput.streams = []


def _play(player, name):
    done = threading.Event()
    when = {}
    player.play(name, lambda: (when.setdefault("t", time.monotonic()), done.set()))
    assert done.wait(5)
    return when["t"]


def test_cue_files_are_short_mono_and_quiet_enough():
    for name in CUES:
        samples, rate = load_cue(name)
        assert rate == 48000 and samples.ndim == 1
        assert 0.08 < len(samples) / rate < 0.2
        assert 0.45 < np.max(np.abs(samples)) <= 0.51
        assert abs(samples[0]) < 1e-3 and abs(samples[-1]) < 1e-3  # faded: no click


def test_generator_reproduces_the_committed_files(tmp_path):
    subprocess.run([sys.executable, "tools/make_cues.py", "--out", str(tmp_path)], check=True,
                   capture_output=True, cwd=sounds_dir().parents[2])  # the checkout: dictate_app/data/sounds
    for name in CUES:
        assert (tmp_path / f"{name}.wav").read_bytes() == (sounds_dir() / f"{name}.wav").read_bytes()


def test_plays_at_volume_and_reports_after_the_latency():
    player = CuePlayer(Settings(sound_volume=50), output_factory=FakeOutput, device="speakers")
    done_at = _play(player, "start")
    stream = FakeOutput.streams[0]
    samples, rate = load_cue("start")
    assert stream.samplerate == rate and stream.device == "speakers"
    np.testing.assert_allclose(stream.written[0][:, 0], samples * 0.25, atol=1e-7)  # 50 % -> 0.25
    assert done_at - stream.stopped_at >= 0.05 + 0.03 - 0.005  # latency + margin
    assert player.last_audible_until >= stream.stopped_at


def test_disabled_or_silent_calls_back_at_once_without_playing():
    for player in (CuePlayer(Settings(sounds=False), output_factory=FakeOutput), CuePlayer(Settings(sound_volume=0), output_factory=FakeOutput)):
        called = []
        assert player.play("start", lambda: called.append(1)) is False
        assert called == [1]
    assert FakeOutput.streams == []


def test_no_output_device_still_calls_back():
    def broken(**kwargs):
        raise OSError("no default output device")

    player = CuePlayer(Settings(), output_factory=broken)
    _play(player, "stop")  # returns: the callback came


def test_gain_curve():
    assert gain(0) == 0 and gain(100) == 1 and gain(50) == 0.25 and gain(150) == 1


def test_skip_covers_the_cue_inside_the_preroll():
    # Recording started at t=10.0 with 400 ms of pre-roll; the cue was audible until 9.98.
    assert cue_skip_samples(400, 9.98, 10.0) == int(0.38 * 16000)
    assert cue_skip_samples(400, 9.5, 10.0) == 0  # the cue ended before the pre-roll began
    assert cue_skip_samples(400, 10.2, 10.0) == 6400  # never more than the pre-roll
    assert cue_skip_samples(0, 9.99, 10.0) == 0  # opened on demand: nothing before the start


def test_close_waits_for_the_cue_playing_and_plays_no_more():
    # At quit PortAudio is terminated; a cue thread still writing then crashed the app.
    release = threading.Event()

    class SlowOutput(FakeOutput):
        def write(self, data):
            release.wait(5)
            super().write(data)

    player = CuePlayer(Settings(), output_factory=SlowOutput)
    assert player.play("stop")
    closing = threading.Thread(target=player.close)
    closing.start()
    closing.join(0.2)
    assert closing.is_alive()  # still waiting for the cue being written
    release.set()
    closing.join(5)
    assert not closing.is_alive() and SlowOutput.streams[-1].written
    called = []
    assert player.play("start", lambda: called.append(1)) is False and called == [1]
