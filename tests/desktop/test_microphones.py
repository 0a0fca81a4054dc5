"""Microphones by the sound server's names, through real PortAudio and the bench's PulseAudio: the
listing matches what the server reports, a source named by its stable id is the one recorded
(not the default), and one that is gone falls back to the default with a note."""

from __future__ import annotations

import json
import subprocess
import time

import numpy as np
import pytest
import soundfile

from dictate_app.audio.recorder import Recorder
from dictate_app.audio.sources import find_microphone, list_microphones

SINK = "dictate_test_headset"


def pactl(desktop, *args: str) -> str:
    done = subprocess.run(["pactl", *args], env=desktop.env, capture_output=True, text=True, timeout=10)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def headset(desktop):
    """A second source with its own name: a null sink's monitor, loaded for the test."""
    module = pactl(desktop, "load-module", "module-null-sink", f"sink_name={SINK}", "rate=48000", "channels=1",
                   "norewinds=1", "sink_properties=device.description=Test-Headset")
    yield f"pulse:{SINK}.monitor"
    subprocess.run(["pactl", "unload-module", module], env=desktop.env, capture_output=True, timeout=10)


@pytest.fixture(scope="module")
def tone(tmp_path_factory):
    path = tmp_path_factory.mktemp("tone") / "tone.wav"
    t = np.arange(48_000 * 3) / 48_000
    soundfile.write(path, (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 48_000)
    return path


def record_while_playing(desktop, device, tone, sink=SINK):
    """Peak level and warnings of a 1 s recording from ``device`` while ``tone`` plays into ``sink``."""
    player = subprocess.Popen(["paplay", f"--device={sink}", str(tone)], env=desktop.env)
    try:
        time.sleep(0.3)
        with Recorder(microphone=device) as rec:
            rec.start()
            time.sleep(1.0)
            recording = rec.stop().result(timeout=10)
    finally:
        player.kill()
        player.wait()
    return float(np.abs(recording.samples).max()), recording


def test_the_listing_is_what_the_server_reports(desktop):
    default = pactl(desktop, "get-default-source")
    described = {s["name"]: s["description"] for s in json.loads(pactl(desktop, "-f", "json", "list", "sources"))}
    mics = list_microphones()
    assert mics[0].id == "" and mics[0].label == f"System default ({described[default]})"
    assert (mics[1].id, mics[1].label, mics[1].is_default) == (f"pulse:{default}", described[default], True)


def test_the_named_source_is_recorded_not_the_default(desktop, headset, tone):
    assert find_microphone(headset).id == headset  # an id that is not listed (a monitor) still works
    peak, recording = record_while_playing(desktop, headset, tone)
    assert peak > 0.2, f"the tone did not arrive from {headset}"
    assert recording.microphone_name == headset and not recording.warnings
    quiet, _ = record_while_playing(desktop, None, tone)  # the default source hears nothing of it
    assert quiet < 0.01


def test_a_source_that_is_gone_falls_back_to_the_default_with_a_note(desktop, tone):
    peak, recording = record_while_playing(desktop, f"pulse:{SINK}-unplugged", tone, sink="vmic_sink")
    assert any(f'the microphone "{SINK}-unplugged" was not found; using the system default instead' in w
               for w in recording.warnings), recording.warnings
    assert peak > 0.2  # the default source (the bench's microphone) was recorded
