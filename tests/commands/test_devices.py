"""`dictate-app devices`: the listing with its marks, and one sentence when there is no input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dictate_app.audio import devices
from dictate_app.cli import main
from tests.audio.test_devices import LISTING, FakeSd


def test_marks_the_default_and_the_one_in_use(monkeypatch, capsys):
    monkeypatch.setattr(devices, "sounddevice", lambda: FakeSd(list(LISTING), default=3))
    assert main(["devices", "--microphone", "pulse"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "   HDA Intel PCH: ALC892 Analog (hw:0,0)  (ALSA, 2 ch, 48000 Hz)",
        " > pulse  (ALSA, 32 ch, 44100 Hz)",
        "*  default  (ALSA, 32 ch, 44100 Hz)",
    ]
    assert main(["devices"]) == 0
    assert capsys.readouterr().out.splitlines()[2].startswith("*> default")


def test_json_lines(monkeypatch, capsys):
    monkeypatch.setattr(devices, "sounddevice", lambda: FakeSd(list(LISTING), default=3))
    assert main(["devices", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["name"], r["is_default"], r["in_use"]) for r in rows][-1] == ("default", True, True)


def test_an_unknown_name_is_one_sentence_exit_4(monkeypatch, capsys):
    monkeypatch.setattr(devices, "sounddevice", lambda: FakeSd(list(LISTING), default=3))
    assert main(["devices", "--microphone", "USB"]) == 4
    err = capsys.readouterr().err
    assert err.startswith('error: no microphone is called "USB"') and err.count("\n") == 1


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
