"""Device listing and selection by name, over a stand-in for sounddevice's query functions."""

from __future__ import annotations

import ctypes.util
import sys

import pytest

from dictate_app.audio import portaudio
from dictate_app.errors import MicrophoneError


class FakeSd:
    """The part of sounddevice that portaudio.py queries, with a device list we choose."""

    class PortAudioError(Exception):
        pass

    def __init__(self, listing, default=None, after_refresh=None):
        self.listing = listing
        self.default = default
        self.after_refresh = after_refresh
        self.refreshes = 0

    def query_devices(self, kind=None):
        if kind == "input":
            if self.default is None:
                raise self.PortAudioError("Error querying device -1")
            return self.listing[self.default]
        return self.listing

    def query_hostapis(self):
        return [{"name": "ALSA"}]

    def _terminate(self):
        pass

    def _initialize(self):
        self.refreshes += 1
        if self.after_refresh is not None:
            self.listing, self.default = self.after_refresh


def dev(index, name, ins=2, rate=48000.0):
    return {"index": index, "name": name, "hostapi": 0, "max_input_channels": ins,
            "max_output_channels": 2, "default_samplerate": rate}


LISTING = [dev(0, "HDA Intel PCH: ALC892 Analog (hw:0,0)"), dev(1, "HDMI 0", ins=0),
           dev(2, "pulse", 32, 44100.0), dev(3, "default", 32, 44100.0)]


@pytest.fixture
def fake(monkeypatch):
    sd = FakeSd(list(LISTING), default=3)
    monkeypatch.setattr(portaudio, "sounddevice", lambda: sd)
    return sd


def test_inputs_only_with_the_default_marked(fake):
    listed = portaudio.list_input_devices()
    assert [d.name for d in listed] == ["HDA Intel PCH: ALC892 Analog (hw:0,0)", "pulse", "default"]
    assert [d.is_default for d in listed] == [False, False, True]
    assert listed[1].to_dict()["default_rate"] == 44100.0


@pytest.mark.parametrize("asked, found", [
    (None, "default"), ("", "default"), ("pulse", "pulse"), ("PULSE", "pulse"),
    ("alc892", "HDA Intel PCH: ALC892 Analog (hw:0,0)"),
])
def test_select_by_name_exact_then_case_then_unique_part(fake, asked, found):
    assert portaudio.find_input_device(asked).name == found


def test_an_unknown_name_lists_the_real_ones_after_one_refresh(fake):
    with pytest.raises(MicrophoneError, match='no microphone is called "USB".*"pulse"'):
        portaudio.find_input_device("USB")
    assert fake.refreshes == 1


def test_a_microphone_plugged_in_later_is_found_by_re_enumerating(fake):
    fake.after_refresh = (LISTING + [dev(4, "Blue Yeti USB")], 3)
    assert portaudio.find_input_device("yeti").index == 4


def test_no_refresh_while_a_stream_is_open(fake):
    portaudio.track_stream(True)
    try:
        assert portaudio.refresh_devices() is False and fake.refreshes == 0
    finally:
        portaudio.track_stream(False)
    assert portaudio.refresh_devices() is True and fake.refreshes == 1


def test_no_input_at_all_is_one_sentence(monkeypatch):
    sd = FakeSd([dev(0, "HDMI 0", ins=0)], default=None)
    monkeypatch.setattr(portaudio, "sounddevice", lambda: sd)
    with pytest.raises(MicrophoneError, match="^no microphone was found; connect one"):
        portaudio.find_input_device()


def test_no_default_but_some_input_takes_the_first(monkeypatch):
    sd = FakeSd([dev(0, "USB Mic")], default=None)
    monkeypatch.setattr(portaudio, "sounddevice", lambda: sd)
    assert portaudio.find_input_device().name == "USB Mic"


def test_a_missing_portaudio_library_is_one_sentence(monkeypatch):
    # The real import path: sounddevice raises OSError when find_library finds no PortAudio.
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    with pytest.raises(MicrophoneError, match="PortAudio audio library is not installed.*libportaudio2"):
        portaudio.sounddevice()
