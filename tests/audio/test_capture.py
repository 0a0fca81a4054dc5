"""audio/capture.py without a recorder or a microphone: a Take alone (what it is told by
construction decides its limits and whether it measures the level), and opening the microphone
(open_stream, StreamHandle, warm_up) over a stand-in for sounddevice: the system default, a named
microphone that is gone, a sound-server source held by its name while open, a stereo-only device,
a stale device list retried, one sentence when nothing opens. (Takes inside the recorder:
test_recorder.py; a real microphone: tests/desktop/test_capture.py.)"""

from __future__ import annotations

import os

import numpy as np
import pytest

from dictate_app.audio import capture, portaudio
from dictate_app.audio.capture import MAX_WARNING_S, Take
from dictate_app.audio.sources import ENV_SOURCE
from dictate_app.errors import MicrophoneError
from tests.audio.test_portaudio import LISTING, FakeSd, dev


def take(**kwargs) -> Take:
    options = {"tail_s": 0.25, "max_s": 60.0, "metered": False} | kwargs
    return Take(16_000, "test mic", 0.0, opened_on_demand=False, notes=[], **options)


def test_tail_and_length_limit_in_samples():
    t = take(tail_s=0.25, max_s=60.0)
    assert (t.tail_samples, t.max_samples, t.max_s) == (4_000, 960_000, 60.0)
    assert t.warn_at == round(60.0 * 0.8 * 16_000)  # the warning comes at most a fifth of the limit early
    assert take(max_s=600.0).warn_at == round((600.0 - MAX_WARNING_S) * 16_000)


def test_the_level_is_measured_only_when_someone_listens():
    block = np.full(16_000, 0.5, np.float32)
    quiet = take(metered=False)
    quiet.add_block(block, arrival=0.0, age=0.0, overflow=False)
    assert quiet.levels() == []
    metered = take(metered=True)
    metered.add_block(block, arrival=0.0, age=0.0, overflow=False)
    levels = metered.levels()
    assert levels and all(abs(rms - 0.5) < 1e-6 and abs(peak - 0.5) < 1e-6 for rms, peak in levels)


class Stream:
    def __init__(self, sd, **kwargs):
        self.kwargs, self.started, self.aborted, self.closed = kwargs, False, False, False
        self.source = os.environ.get(ENV_SOURCE)  # what libpulse would read at the open

    def start(self):
        self.started = True

    def abort(self):
        self.aborted = True

    def stop(self):
        pass

    def close(self):
        self.closed = True


class OpeningSd(FakeSd):
    """FakeSd that also opens streams; ``failures`` opens fail first, ``mono`` names the devices
    that take one channel (others only stereo)."""

    def __init__(self, *args, failures=0, mono=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.failures, self.mono, self.opened = failures, mono, []

    def check_input_settings(self, device, samplerate, channels, dtype):
        if self.mono is not None and device not in self.mono:
            raise self.PortAudioError("Invalid number of channels")

    def RawInputStream(self, **kwargs):  # noqa: N802 - sounddevice's name
        if self.failures:
            self.failures -= 1
            raise self.PortAudioError("Device unavailable [PaErrorCode -9985]")
        self.opened.append(Stream(self, **kwargs))
        return self.opened[-1]


@pytest.fixture
def use(monkeypatch):
    def install(sd: OpeningSd) -> OpeningSd:
        monkeypatch.setattr(portaudio, "sounddevice", lambda: sd)
        return sd
    return install


def open_default(name=None, **kwargs):
    return capture.open_stream(name, None, lambda *a: None, lambda: None, **kwargs)


def test_the_default_microphone_opens_at_its_rate_in_20_ms_blocks_and_closes(use):
    sd = use(OpeningSd(list(LISTING), default=3))
    before = portaudio.open_stream_count()
    handle = open_default()
    stream = sd.opened[0]
    assert (handle.name, handle.rate, handle.channels, handle.notes) == ("default", 44100, 1, [])
    assert stream.kwargs["device"] == 3 and stream.kwargs["blocksize"] == 882 and stream.started
    assert portaudio.open_stream_count() == before + 1
    handle.close()
    assert stream.aborted and stream.closed and portaudio.open_stream_count() == before


def test_a_named_microphone_that_is_gone_falls_back_to_the_default_and_says_so(use):
    use(OpeningSd(list(LISTING), default=3))
    handle = open_default("USB Headset")
    assert handle.name == "default"
    assert handle.notes == ['the microphone "USB Headset" was not found; using "default" instead']
    handle.close()


def test_a_server_source_is_named_to_libpulse_while_the_stream_is_open(use, monkeypatch):
    monkeypatch.delenv(ENV_SOURCE, raising=False)
    sd = use(OpeningSd(list(LISTING), default=3))
    handle = open_default("pulse:alsa_input.usb-Headset-00.mono-fallback")
    assert sd.opened[0].kwargs["device"] == 2  # PortAudio's "pulse" device reaches the server
    assert sd.opened[0].source == "alsa_input.usb-Headset-00.mono-fallback"
    assert handle.name == "pulse:alsa_input.usb-Headset-00.mono-fallback"
    handle.close()
    assert ENV_SOURCE not in os.environ


def test_a_stereo_only_device_is_opened_in_stereo(use):
    sd = use(OpeningSd([dev(0, "USB Audio (hw:1,0)", ins=2)], default=0, mono=()))
    handle = open_default()
    assert handle.channels == 2 and sd.opened[0].kwargs["channels"] == 2
    handle.close()


def test_a_stale_device_list_is_refreshed_once_and_retried(use):
    sd = use(OpeningSd(list(LISTING), default=3, failures=1))
    handle = open_default()
    assert sd.refreshes == 1 and handle.name == "default"
    handle.close()


def test_nothing_opens_is_one_sentence_with_what_to_check(use):
    sd = use(OpeningSd(list(LISTING), default=3, failures=5))
    before = portaudio.open_stream_count()
    with pytest.raises(MicrophoneError) as caught:
        open_default()
    assert str(caught.value) == ('the microphone "default" could not be opened (Device unavailable '
                                 '[PaErrorCode -9985]); check that it is connected and not in use by another program')
    assert sd.refreshes == 1 and portaudio.open_stream_count() == before


def test_warm_up_opens_without_starting_and_never_raises(use):
    sd = use(OpeningSd(list(LISTING), default=3))
    capture.warm_up(None)
    assert not sd.opened[0].started and sd.opened[0].closed
    use(OpeningSd([], default=None))
    capture.warm_up(None)  # no microphone at all: left for the real open to say


def test_an_injected_stream_names_itself_and_its_failure_is_one_sentence():
    class Injected:
        samplerate, channels, device_name = 16000, 1, "fake microphone"

        def __init__(self, **kwargs):
            self.kwargs = kwargs

        def start(self):
            pass

        def stop(self):
            pass

        def close(self):
            pass

    handle = capture.open_stream("USB", Injected, lambda *a: None, lambda: None)
    assert (handle.name, handle.rate, handle.stream.kwargs["device"]) == ("fake microphone", 16000, "USB")
    handle.close()

    def broken(**kwargs):
        raise OSError("no such device")

    with pytest.raises(MicrophoneError, match='^the microphone "USB" could not be opened \\(no such device\\)'):
        capture.open_stream("USB", broken, lambda *a: None, lambda: None)
