"""`dictate-app devices`: the listing with its marks, and one sentence when there is no input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dictate_app.audio import portaudio, sources
from dictate_app.cli import main
from tests.audio.test_portaudio import LISTING, FakeSd
from tests.audio.test_sources import FakePactl


@pytest.fixture
def no_server(monkeypatch):
    """No sound server: PortAudio's devices are the microphones (Windows, macOS, bare ALSA)."""
    monkeypatch.setattr(portaudio, "sounddevice", lambda: FakeSd(list(LISTING), default=3))
    monkeypatch.setattr(sources, "_run", FakePactl(fail=FileNotFoundError("pactl")))


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setattr(portaudio, "sounddevice", lambda: FakeSd(list(LISTING), default=3))
    monkeypatch.setattr(sources, "_run", FakePactl())


def test_the_sound_servers_names_with_their_ids(server, capsys):
    assert main(["devices"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        " > System default (USB Headset Mono)",
        "*  USB Headset Mono  (pulse:alsa_input.usb-Logitech_USB_Headset_0123-00.mono-fallback)",
        "   Built-in Audio Analog Stereo  (pulse:alsa_input.pci-0000_00_1f.3.analog-stereo)",
    ]
    assert main(["devices", "--microphone", "built-in"]) == 0  # by a part of its label
    assert capsys.readouterr().out.splitlines()[2].startswith(" > Built-in Audio Analog Stereo")


def test_marks_the_default_and_the_one_in_use_without_a_server(no_server, capsys):
    assert main(["devices", "--microphone", "HDA Intel"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "   System default",
        " > HDA Intel PCH: ALC892 Analog (hw:0,0)",  # "pulse" and "default" are the system default
    ]
    assert main(["devices"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == " > System default"


def test_the_saved_microphone_is_the_one_in_use(server, capsys, private_folders):
    (private_folders / "config").mkdir()
    (private_folders / "config" / "settings.ini").write_text(
        "[dictate]\nmicrophone=pulse:alsa_input.pci-0000_00_1f.3.analog-stereo\n")
    assert main(["devices", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["label"], r["is_default"], r["in_use"]) for r in rows] == [
        ("System default (USB Headset Mono)", False, False), ("USB Headset Mono", True, False),
        ("Built-in Audio Analog Stereo", False, True)]


def test_an_unknown_name_is_one_sentence_exit_4(server, capsys):
    assert main(["devices", "--microphone", "Blue Yeti"]) == 4
    err = capsys.readouterr().err
    assert err.startswith('error: "Blue Yeti" is not one of them: the microphones are "USB Headset Mono", ')
    assert err.count("\n") == 1


def _has_sound_cards() -> bool:
    try:
        cards = Path("/proc/asound/cards").read_text()
    except OSError:
        return False
    return "no soundcards" not in cards and cards.strip() != ""


@pytest.mark.skipif(_has_sound_cards(), reason="this machine has sound cards; CI machines have none")
def test_no_audio_at_all_through_the_real_portaudio(cli):
    # No sound card and no reachable audio server: the real PortAudio lists no input device.
    proc = cli("devices", env={"PULSE_SERVER": "unix:/nonexistent"})
    assert proc.returncode == 4
    assert proc.stderr.strip() == ("error: no microphone was found; connect one (or start the audio "
                                   "server) and try again")
