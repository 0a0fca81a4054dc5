"""`dictate-app listen` in-process, over the fake stream: what stops it, what it prints, and that
a recording without speech never reaches the model. (With real audio and the real model: the
desktop tier, tests/desktop/test_listen_desktop.py.)"""

from __future__ import annotations

import io
import json
import threading

import numpy as np
import pytest

from dictate_app.audio.convert import MODEL_RATE
from dictate_app.cli import build_parser
from dictate_app.commands import listen
from dictate_app.engine.result import Transcript
from tests.audio.conftest import silence, speech_16k  # noqa: F401 (a fixture)
from testkit.audio.fake_stream import FakeStreamFactory


class SpyEngine:
    """Records what reached the model; answers like the real engine's result type."""

    backend, device = "spy", "cpu"

    def __init__(self):
        self.calls: list[np.ndarray] = []

    def transcribe(self, samples, sample_rate, language="auto", itn=True):
        self.calls.append(samples)
        return Transcript(text="hello world", language="en", emotion="NEUTRAL", events=("Speech",),
                          itn=itn, raw="<|en|><|NEUTRAL|><|Speech|><|withitn|>hello world",
                          duration_s=samples.size / sample_rate)


def args_for(*argv: str):
    return build_parser().parse_args(["listen", *argv])


def run_listen(audio, *argv, stdin=None):
    engine = SpyEngine()
    factory = FakeStreamFactory(audio, MODEL_RATE, realtime=True, speed=4.0)
    code = listen.run(args_for(*argv), stream_factory=factory, load=lambda: engine,
                      stdin=stdin or io.StringIO(""))
    return code, engine, factory


def test_silence_prints_no_speech_and_the_model_is_never_called(capsys):
    code, engine, _ = run_listen(silence(3.0), "--seconds", "1.0", "--json")
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["no_speech"] is True and out["text"] == ""
    assert engine.calls == []
    assert out["recording"]["duration_s"] >= 1.0


def test_with_vad_it_stops_at_the_pause_and_transcribes_only_the_speech(capsys, speech_16k):
    audio = np.concatenate([silence(0.5), speech_16k, silence(3.0), speech_16k])
    code, engine, factory = run_listen(audio, "--vad", "--pause", "0.5", "--json")
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["text"] == "hello world" and out["language"] == "en"
    assert out["events"] == ["Speech"] and out["display"]
    (sent,) = engine.calls
    # Trimmed: the 0.5 s of leading silence is gone; the second utterance was never recorded.
    assert sent.size < speech_16k.size + 0.5 * MODEL_RATE
    assert out["recording"]["duration_s"] < (audio.size / MODEL_RATE) - 2.0


def test_enter_stops_the_recording(capsys, speech_16k):
    read_end = threading.Event()

    class Stdin:  # a terminal: Enter arrives after a while
        def readline(self):
            read_end.wait(5)
            return "\n"

    audio = np.concatenate([speech_16k, silence(10.0)])
    timer = threading.Timer(1.0, read_end.set)
    timer.start()
    code, engine, _ = run_listen(audio, stdin=Stdin())
    captured = capsys.readouterr()
    assert code == 0 and len(engine.calls) == 1
    assert captured.out.splitlines()[0] == "hello world"
    assert captured.out.splitlines()[1].startswith("[language en | emotion NEUTRAL | events Speech]")
    assert "press Enter to stop" in captured.err


def test_end_of_input_does_not_stop_a_recording(capsys):
    code, engine, _ = run_listen(silence(3.0), "--seconds", "0.6", "--json")
    assert json.loads(capsys.readouterr().out)["recording"]["duration_s"] >= 0.6


def test_parser_defaults():
    args = args_for()
    assert (args.device, args.microphone, args.model, args.vad, args.language, args.itn, args.json) == (
        "auto", None, None, False, "auto", True, False)
    assert args.max_seconds == 300.0


def test_device_is_where_the_model_runs_and_microphone_the_input(capsys):
    args = args_for("--device", "cpu", "--microphone", "USB Headset", "--model", "/m")
    assert (args.device, args.microphone, str(args.model)) == ("cpu", "USB Headset", "/m")
    assert listen.microphone(args) == "USB Headset"
    # Given before the command, the same options mean the same thing (and are not reset by it).
    args = build_parser().parse_args(["--device", "cuda", "--microphone", "USB", "--model", "/top", "listen"])
    assert (args.device, args.microphone, str(args.model)) == ("cuda", "USB", "/top")
    with pytest.raises(SystemExit):
        args_for("--device", "USB Headset")  # the old meaning: refused, pointing at --microphone
    assert "choose the microphone with --microphone NAME" in capsys.readouterr().err


def test_the_saved_microphone_is_the_default(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.ini").write_text("[dictate]\nmicrophone=Built-in Audio Analog Stereo\n")
    assert listen.microphone(args_for()) == "Built-in Audio Analog Stereo"
    assert listen.microphone(args_for("--microphone", "USB")) == "USB"
