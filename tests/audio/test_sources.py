"""Microphones by the sound server's names: the listing from ``pactl -f json list sources`` (its
real output shape, captured from PulseAudio 16.1), ids that do not depend on order, the lookup by
label or id, and ``PULSE_SOURCE`` held only while a stream is open. (Recording from a named
source through PortAudio: tests/desktop/test_microphones.py.)"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from dictate_app.audio import portaudio, sources
from dictate_app.audio.sources import Microphone, find_microphone, hold_source, list_microphones
from dictate_app.errors import MicrophoneError
from tests.audio.test_portaudio import LISTING, FakeSd


def source(name, description, monitor=False):
    """One entry as pactl 16.1 prints it (trimmed to the fields that matter)."""
    entry = {"index": 0, "state": "IDLE", "name": name, "description": description,
             "driver": "module-alsa-card.c", "properties": {"device.description": description,
                                                             "device.class": "monitor" if monitor else "sound"}}
    if monitor:
        entry["monitor_source"] = name.removesuffix(".monitor")  # sic: pactl 16 names the sink here
    return entry


SOURCES = [
    source("alsa_output.pci-0000_00_1f.3.analog-stereo.monitor", "Monitor of Built-in Audio Analog Stereo", True),
    source("alsa_input.pci-0000_00_1f.3.analog-stereo", "Built-in Audio Analog Stereo"),
    source("alsa_input.usb-Logitech_USB_Headset_0123-00.mono-fallback", "USB Headset Mono"),
]
BUILTIN = "pulse:alsa_input.pci-0000_00_1f.3.analog-stereo"
HEADSET = "pulse:alsa_input.usb-Logitech_USB_Headset_0123-00.mono-fallback"


class FakePactl:
    """Answers ``pactl -f json list sources`` and ``pactl get-default-source``; records the calls."""

    def __init__(self, listing=SOURCES, default="alsa_input.usb-Logitech_USB_Headset_0123-00.mono-fallback",
                 fail=None):
        self.listing, self.default, self.fail, self.calls = listing, default, fail, []

    def __call__(self, argv, **kwargs):
        self.calls.append(argv)
        if self.fail is not None:
            raise self.fail
        out = json.dumps(self.listing) if argv[1:] == ["-f", "json", "list", "sources"] else self.default + "\n"
        return subprocess.CompletedProcess(argv, 0, out, "")


def test_the_servers_microphones_by_their_names_default_first_monitors_left_out():
    mics = list_microphones(FakePactl())
    assert [(m.id, m.label, m.is_default) for m in mics] == [
        ("", "System default (USB Headset Mono)", False),
        (HEADSET, "USB Headset Mono", True),
        (BUILTIN, "Built-in Audio Analog Stereo", False),
    ]


def test_ids_do_not_depend_on_order_or_on_what_else_is_plugged_in():
    alone = list_microphones(FakePactl(listing=[SOURCES[2]]))[1]
    reordered = list_microphones(FakePactl(listing=list(reversed(SOURCES))))
    assert alone.id == HEADSET and HEADSET in [m.id for m in reordered]


def test_a_monitor_counts_only_when_it_is_the_default_source():
    mics = list_microphones(FakePactl(default="alsa_output.pci-0000_00_1f.3.analog-stereo.monitor"))
    assert mics[1] == Microphone("pulse:alsa_output.pci-0000_00_1f.3.analog-stereo.monitor",
                                 "Monitor of Built-in Audio Analog Stereo", True)


@pytest.mark.parametrize("fail", [FileNotFoundError("pactl"), subprocess.TimeoutExpired("pactl", 2)])
def test_without_a_sound_server_the_portaudio_names_and_one_system_default(monkeypatch, fail):
    monkeypatch.setattr(portaudio, "sounddevice", lambda: FakeSd(list(LISTING), default=3))
    mics = list_microphones(FakePactl(fail=fail))
    # "pulse" and "default" are the system default under other names: listed once, as that.
    assert [m.label for m in mics] == ["System default", "HDA Intel PCH: ALC892 Analog (hw:0,0)"]


@pytest.mark.parametrize("given, found", [
    ("USB Headset Mono", HEADSET), ("usb headset mono", HEADSET), ("usb", HEADSET), ("Built-in", BUILTIN),
    (HEADSET, HEADSET), ("", ""), (None, ""), ("default", ""), ("pulse", ""), ("System default", ""),
])
def test_find_by_label_part_or_id(given, found):
    assert find_microphone(given, FakePactl()).id == found


def test_an_unknown_or_ambiguous_name_lists_the_microphones():
    with pytest.raises(MicrophoneError) as caught:
        find_microphone("Blue Yeti", FakePactl())
    assert str(caught.value) == ('"Blue Yeti" is not one of them: the microphones are "USB Headset Mono", '
                                 '"Built-in Audio Analog Stereo" (`dictate-app devices` lists them with their ids)')
    with pytest.raises(MicrophoneError, match='"o" matches more than one'):
        find_microphone("o", FakePactl())
    # A saved id whose device is unplugged now stays itself: recording falls back, with a note.
    assert find_microphone("pulse:alsa_input.gone", FakePactl()).id == "pulse:alsa_input.gone"


def test_the_source_is_named_to_libpulse_only_while_the_stream_is_open(monkeypatch):
    monkeypatch.setenv("PULSE_SOURCE", "users.own")
    release = hold_source("alsa_input.usb-x")
    assert os.environ["PULSE_SOURCE"] == "alsa_input.usb-x"
    release()
    assert os.environ["PULSE_SOURCE"] == "users.own"
    monkeypatch.delenv("PULSE_SOURCE")
    first = hold_source("a")
    second = hold_source("b")  # a newer stream named its own: the older one's release keeps it
    first()
    assert os.environ["PULSE_SOURCE"] == "b"
    second()
    assert "PULSE_SOURCE" not in os.environ  # as before the first
    third, fourth = hold_source("c"), hold_source("d")
    fourth()
    assert os.environ["PULSE_SOURCE"] == "c"
    third()
    assert "PULSE_SOURCE" not in os.environ
    hold_source(None)()
    assert sources.server_source(HEADSET) == HEADSET.removeprefix("pulse:") and sources.server_source("USB") is None
