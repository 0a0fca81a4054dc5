"""The frozen ``dictate-app`` as a command: its version, every subcommand, real transcription.

Speech is synthesized with espeak-ng in voices the fixture model never heard in training; the
bundle transcribes it with the fixture's ONNX export (``fixture_onnx_dir``, made by the test venv's
own ``dictate-app model export-onnx``) and must give the real words and tags. Files at 48 kHz and
in FLAC go through the bundle's soundfile/libsndfile and soxr, not just the model.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import soundfile

from dictate_app import __version__
from dictate_app.audio.convert import resample
from dictate_app.cli import build_parser
from tests.fixtures.test_mini_sensevoice import RATE, speak
from tests.packaging.conftest import bundle_dir, run_frozen

pytestmark = pytest.mark.slow

# (spoken, voice, speed, pitch, file rate, format) -> (text, language, emotion); ITN on (default).
CLIPS = [
    (("please open the door", "en-us+m3", 170, 50, 48000, "wav"), ("please open the door", "en", "NEUTRAL")),
    (("打开电话三七一", "cmn-latn-pinyin+f2", 170, 50, RATE, "flac"), ("打开电话371", "zh", "NEUTRAL")),
    (("good morning", "en-gb-x-rp+norbert", 235, 92, RATE, "wav"), ("good morning", "en", "HAPPY")),
]


@pytest.fixture(scope="module")
def speech_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("frozen-speech")
    paths = []
    for i, ((spoken, voice, speed, pitch, rate, fmt), _) in enumerate(CLIPS):
        audio = speak(spoken, voice, speed, pitch)
        path = folder / f"clip{i}.{fmt}"
        soundfile.write(path, resample(audio, RATE, rate) if rate != RATE else audio, rate)
        paths.append(path)
    return paths


def test_version(frozen_exe, build_info):
    done = run_frozen(frozen_exe, "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"dictate-app {__version__}"
    assert build_info["version"] == __version__ and build_info["flavour"] in ("cpu", "full")


def test_help_lists_every_command(frozen_exe):
    # The CLI imports its command modules by name: one the spec failed to collect would be missing
    # here (or --help would fail outright).
    done = run_frozen(frozen_exe, "--help")
    assert done.returncode == 0, done.stderr
    listed = re.findall(r"^    (\S+)", done.stdout, flags=re.MULTILINE)  # the COMMAND entries
    assert listed == list(build_parser()._subparsers._group_actions[0].choices), done.stdout


def _records(done) -> list[tuple]:
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return [(r["text"], r["language"], r["emotion"], tuple(r["events"])) for r in rows]


def test_transcribe_gives_the_real_words_with_the_onnx_model(frozen_exe, fixture_onnx_dir, speech_files):
    done = run_frozen(frozen_exe, "transcribe", "--model", fixture_onnx_dir, "--device", "cpu", "--json",
                      *speech_files)
    assert _records(done) == [(*expected, ("Speech",)) for _, expected in CLIPS]


def test_transcribe_with_funasr_in_the_full_flavour(frozen_exe, build_info, fixture_model_dir, speech_files):
    """funasr frozen: its version.txt and its class registry (model, frontend, tokenizer) must be
    there, or loading fails (FunASR #2491, #2220). A model directory without ONNX files takes funasr."""
    if build_info["flavour"] != "full":
        pytest.skip("the cpu flavour has no funasr")
    done = run_frozen(frozen_exe, "transcribe", "--model", fixture_model_dir, "--device", "cpu", "--json",
                      *speech_files, timeout=300)
    assert _records(done) == [(*expected, ("Speech",)) for _, expected in CLIPS]


def test_the_cpu_flavour_carries_neither_torch_nor_funasr(frozen_exe, build_info):
    if build_info["flavour"] != "cpu":
        pytest.skip("only the cpu flavour leaves torch out")
    internal = bundle_dir(frozen_exe) / "_internal"
    # onnxruntime: Silero VAD runs on sherpa-onnx's own library (issue 26), not the Python package.
    present = [name for name in ("torch", "funasr", "silero_vad", "onnx", "onnxruntime") if (internal / name).exists()]
    assert not present
    assert (internal / "dictate_app" / "data" / "vad" / "silero_vad.onnx").is_file()
    assert (internal / "dictate_app" / "data" / "sounds" / "start.wav").is_file()


def test_silero_vad_runs_on_sherpa_onnxs_library_inside_the_bundle(frozen_exe, fixture_onnx_dir, tmp_path):
    """A recording over 30 s is cut at its pauses by Silero VAD, which must find libonnxruntime
    in sherpa_onnx's folder of the bundle (and, in the cpu flavour, has nothing else to run on)."""
    clip = speak("please open the door", "en-us+m3")
    pause = np.zeros(RATE, np.float32)
    audio = np.tile(np.concatenate([clip, pause]), -(-35 * RATE // (clip.size + pause.size)))
    path = tmp_path / "long.wav"
    soundfile.write(path, audio, RATE)
    done = run_frozen(frozen_exe, "--debug", "transcribe", "--model", fixture_onnx_dir, path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Silero VAD runs on onnxruntime" in done.stderr and "(sherpa-onnx's, C API" in done.stderr
    assert done.stdout.count("please open the door") >= 2


def test_a_missing_model_is_one_sentence_not_a_traceback(frozen_exe, tmp_path, speech_files):
    done = run_frozen(frozen_exe, "transcribe", "--model", tmp_path / "no-model", speech_files[0])
    assert done.returncode != 0
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr, done.stderr


def test_the_cpu_flavour_sends_a_funasr_model_to_the_onnx_download(frozen_exe, build_info, fixture_model_dir,
                                                                    speech_files):
    if build_info["flavour"] != "cpu":
        pytest.skip("the full flavour runs funasr models")
    done = run_frozen(frozen_exe, "transcribe", "--model", fixture_model_dir, speech_files[0])
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith("error: ") and "model download` to fetch the int8 ONNX model" in done.stderr, done.stderr


def test_the_full_flavour_exports_onnx_and_transcribes_with_it(frozen_exe, build_info, fixture_model_dir,
                                                              speech_files, tmp_path):
    """`model export-onnx` frozen: torch's exporter and onnxscript (which reads its own source)."""
    if build_info["flavour"] != "full":
        pytest.skip("exporting needs torch: the full flavour")
    out = tmp_path / "onnx"
    done = run_frozen(frozen_exe, "model", "export-onnx", fixture_model_dir, "--out", out, timeout=900)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-3000:]
    done = run_frozen(frozen_exe, "transcribe", "--model", out, "--device", "cpu", "--json", *speech_files)
    assert _records(done) == [(*expected, ("Speech",)) for _, expected in CLIPS]
