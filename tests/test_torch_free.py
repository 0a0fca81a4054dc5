"""The CPU path runs with neither torch nor funasr: engine, VAD, recorder, worker and commands.

The slow checks run in fresh interpreters whose ``sitecustomize`` makes torch, funasr, silero_vad,
torchaudio, kaldi-native-fbank and librosa impossible to import (as in the CPU flavour, where
they are not installed) and logs any attempt. They load the fixture model's int8 ONNX export
(``fixture_onnx_dir``: the real ``dictate-app model export-onnx``) on the auto-picked backend,
transcribe a fixture clip to its words, split a >30 s file at pauses, record through the
recorder with the live VAD, run the tray app's ASR worker, and run ``transcribe``, ``model
verify``, ``listen`` and ``serve`` as the user does. No attempt may be logged and neither module
may end up in ``sys.modules``. A fast check: a funasr model directory in such a build is a
sentence saying which model to download. (The installed CPU flavour itself, requirements/cpu.txt,
is proven in a fresh venv and by packaging/'s frozen cpu bundle tests.)
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import urllib.request

import importlib.util

import numpy as np
import pytest
import soundfile

from dictate_app.engine.loader import load_engine
from dictate_app.errors import ModelError
from tests.conftest import REPO, run_cli
from tests.fixtures.test_mini_sensevoice import RATE, speak

BLOCKED = ("torch", "torchaudio", "funasr", "silero_vad", "kaldi_native_fbank", "librosa")

_SITECUSTOMIZE = f'''
"""Test only: make the full flavour's packages unimportable, and log who tried."""
import atexit, os, sys, traceback

_BLOCKED = {BLOCKED!r}
_LOG = os.environ["DICTATE_BLOCK_LOG"]


class _Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in _BLOCKED:
            with open(_LOG, "a") as log:
                log.write(f"import {{name}} from\\n{{''.join(traceback.format_stack(limit=6)[:-1])}}\\n")
            raise ModuleNotFoundError(f"No module named {{name!r}} (blocked by the torch-free test)", name=name)
        return None


sys.meta_path.insert(0, _Blocker())


@atexit.register
def _check_modules():
    loaded = [name for name in _BLOCKED if name in sys.modules]
    if loaded:
        with open(_LOG, "a") as log:
            log.write(f"in sys.modules at exit: {{loaded}}\\n")
'''

# The in-process part: engine, long file, recorder with live VAD, the tray app's worker.
_PROBE = r'''
import json, sys, threading, time
import numpy as np
from dictate_app.audio.convert import MODEL_RATE, to_model_input
from dictate_app.audio.files import read_audio_file
from dictate_app.audio.recorder import Recorder
from dictate_app.audio.vad import SileroVad
from dictate_app.engine.loader import choose_backend, load_engine
from testkit.audio.fake_stream import FakeStreamFactory

onnx_dir, clip_path, long_path = sys.argv[1:4]
out = {"backend_auto": choose_backend(onnx_dir)}
engine = load_engine(onnx_dir)  # backend and device "auto"
out["engine"] = [engine.backend, engine.device]
clip = read_audio_file(clip_path)
out["clip_text"] = engine.transcribe(*clip, itn=False).text
long_audio = read_audio_file(long_path)
out["long_windows"] = [[w.start, w.end] for w in SileroVad().model_windows(to_model_input(*long_audio))]
out["long_text"] = engine.transcribe(*long_audio, itn=False).text

segments = []
audio16 = to_model_input(*clip)
speech = np.concatenate([np.zeros(8000, np.float32), audio16, np.zeros(16000, np.float32)] * 2)
factory = FakeStreamFactory(speech, MODEL_RATE)
recorder = Recorder(stream_factory=factory, tail_s=0.0, on_segment=segments.append, segment_silence_s=0.5)
deadline = time.monotonic() + 30
while not (recorder._worker.speech_stream is not None and recorder._worker.speech_stream.loaded):
    assert time.monotonic() < deadline, "the live VAD never loaded"
    time.sleep(0.02)
recorder.start()
factory.stream.pump(speech.size / MODEL_RATE)
recording = recorder.stop().result(timeout=30)
recorder.close()
out["segments"] = len(segments)
out["segment_texts"] = [engine.transcribe(s, MODEL_RATE, itn=False).text for s in segments]
out["recording_s"] = round(recording.duration_s, 2)

from dictate_app.app.worker import AsrWorker  # the tray app's worker, with its default load and trim
from dictate_app.store.settings import Settings
worker = AsrWorker(settings=Settings(itn=False))
got = {}
worker.loaded.connect(lambda description: got.setdefault("loaded", description))
worker.load_failed.connect(lambda message: got.setdefault("load_failed", message))
worker.transcribed.connect(lambda uid, result, timings: got.setdefault("text", result.text if result else None))
worker.failed.connect(lambda uid, message: got.setdefault("failed", message))
worker.load(onnx_dir, "auto")
worker.transcribe(1, speech[: speech.size // 2], "auto")  # silence, the phrase, silence
out["worker"] = got
import dictate_app.app.coordinator, dictate_app.commands.app  # the tray app's modules import cleanly
out["modules"] = [name for name in ("torch", "funasr") if name in sys.modules]
print(json.dumps(out))
'''

# `listen` as the command runs it, with the fake stream as its microphone.
_LISTEN = r'''
import sys
from dictate_app.cli import build_parser
from dictate_app.commands import listen
from testkit.audio.fake_stream import FakeStreamFactory
from dictate_app.audio.convert import to_model_input
from dictate_app.audio.files import read_audio_file
import numpy as np
audio = to_model_input(*read_audio_file(sys.argv[2]))
audio = np.concatenate([np.zeros(8000, np.float32), audio, np.zeros(48000, np.float32)])
factory = FakeStreamFactory(audio, 16000, realtime=True, speed=4.0)
args = build_parser().parse_args(["listen", "--model", sys.argv[1], "--vad", "--pause", "0.5", "--no-itn", "--json"])
sys.exit(listen.run(args, stream_factory=factory, stdin=open("/dev/null")))
'''


@pytest.fixture(scope="module")
def blocked_env(tmp_path_factory):
    folder = tmp_path_factory.mktemp("torch-free")
    (folder / "sitecustomize.py").write_text(_SITECUSTOMIZE)
    log = folder / "blocked.log"
    env = {"PYTHONPATH": os.pathsep.join([str(folder), str(REPO)]), "DICTATE_BLOCK_LOG": str(log),
           "QT_QPA_PLATFORM": "offscreen", "DICTATE_DATA_DIR": str(folder / "data"),
           "DICTATE_CONFIG_DIR": str(folder / "config")}
    return env, log


# Phrases the fixture model transcribes exactly in these held-out voices (as funasr, in
# tests/fixtures/test_mini_sensevoice.py, and through the int8 export here): the right text of each
# is the spoken phrase itself, lower case and unpunctuated as the fixture's corpus writes English,
# with the numbers in words because these tests transcribe without itn.
PHRASES = [("call my mother", "en-us+f2", 170, 50), ("call three seven one", "en-us+Michael", 170, 50),
           ("go home now", "en-us+m3", 170, 50), ("good morning", "en-gb-x-rp+norbert", 235, 92)]
CLIP_TEXT = "call my mother"
# The long clip is the four phrases four times: cut at a pause into two passes (4128-464352 and
# 485920-574432 samples at 16 kHz), joined with one space. Earlier fixtures dropped words in the
# middle of a long pass (so they were counted here); the sixth (3b78da5) gives every word.
LONG_TEXT = " ".join(phrase for phrase, *_ in PHRASES * 4)


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """A fixture phrase, and 37 s of four phrases with pauses (more than one 30 s model pass)."""
    folder = tmp_path_factory.mktemp("torch-free-clips")
    clip = folder / "call.wav"
    soundfile.write(clip, speak(CLIP_TEXT, "en-us+f2"), RATE)
    parts = []
    for _ in range(4):
        for phrase in PHRASES:
            parts += [speak(*phrase), np.zeros(int(0.8 * RATE), np.float32)]
    long_clip = folder / "long.wav"
    soundfile.write(long_clip, np.concatenate(parts), RATE)
    return clip, long_clip


def _no_blocked_imports(log) -> None:
    assert not log.exists() or not log.read_text(), log.read_text()


@pytest.mark.slow
def test_engine_vad_recorder_and_worker_run_without_torch_or_funasr(blocked_env, fixture_onnx_dir, clips):
    env, log = blocked_env
    proc = subprocess.run([sys.executable, "-c", _PROBE, str(fixture_onnx_dir), *map(str, clips)],
                          cwd=REPO, env={**os.environ, **env}, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    _no_blocked_imports(log)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["modules"] == []
    assert out["backend_auto"] == "onnx" and out["engine"] == ["onnx", "cpu"]
    assert out["clip_text"] == CLIP_TEXT
    # 37 s: cut at pauses into passes of at most 30 s; both passes reach the model.
    windows = out["long_windows"]
    assert len(windows) == 2 and all(end - start <= 30 * 16000 for start, end in windows)
    assert out["long_text"] == LONG_TEXT
    assert out["segments"] == 2 and out["segment_texts"] == [CLIP_TEXT] * 2
    assert out["worker"] == {"loaded": "onnx on cpu", "text": CLIP_TEXT}


@pytest.mark.slow
def test_commands_run_without_torch_or_funasr(blocked_env, fixture_onnx_dir, clips):
    env, log = blocked_env
    clip, long_clip = clips
    done = run_cli("transcribe", "--backend", "onnx", "--model", fixture_onnx_dir, "--no-itn", "--json",
                   clip, long_clip, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert (first["text"], second["text"]) == (CLIP_TEXT, LONG_TEXT)

    auto = run_cli("transcribe", "--model", fixture_onnx_dir, "--no-itn", clip, env=env)
    assert auto.returncode == 0 and auto.stdout == f"{CLIP_TEXT}\n", (auto.stdout, auto.stderr)

    verify = run_cli("model", "verify", fixture_onnx_dir, env=env)
    assert verify.returncode == 0, verify.stderr
    assert "loads on sherpa-onnx" in verify.stdout

    listened = subprocess.run([sys.executable, "-c", _LISTEN, str(fixture_onnx_dir), str(clip)], cwd=REPO,
                              env={**os.environ, **env}, capture_output=True, text=True, timeout=300)
    assert listened.returncode == 0, listened.stderr
    assert json.loads(listened.stdout)["text"] == CLIP_TEXT
    _no_blocked_imports(log)


@pytest.mark.slow
def test_serve_runs_without_torch_or_funasr(blocked_env, fixture_onnx_dir, clips):
    from testkit.server.harness import ServerProcess

    env, log = blocked_env
    server = ServerProcess("--model", str(fixture_onnx_dir), env=env)
    try:
        body = json.dumps({"wav": base64.b64encode(clips[0].read_bytes()).decode()}).encode()
        request = urllib.request.Request(f"{server.url}/asr", data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            result = json.loads(response.read())
    finally:
        code = server.stop()
    # With itn (the server's default) the phrase has nothing to rewrite: the same words.
    assert result["code"] == 0 and (result["res"], result["language"]) == (CLIP_TEXT, "en"), result
    assert code in (0, -15), "".join(server.lines)
    assert any("(onnx on cpu)" in line for line in server.lines), server.lines
    _no_blocked_imports(log)


def test_a_funasr_model_in_the_cpu_build_is_a_sentence_saying_what_to_download(monkeypatch, fixture_model_dir):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in ("torch", "funasr") else real(name, *a))
    with pytest.raises(ModelError, match=r"no torch or funasr \(the CPU build\); run `dictate-app model download` "
                                         r"to fetch the int8 ONNX model"):
        load_engine(fixture_model_dir, device="cpu")
