"""The ONNX backend against funasr on the trained fixture model: same words, same tags.

The fixture is exported once per session through the real command (`dictate-app model
export-onnx --fp32`, the ``fixture_onnx_dir`` fixture in tests/conftest.py), then both backends transcribe held-out synthesized speech (voices the
fixture never heard in training). fp32 ONNX must agree with funasr on every clip, and so must int8
with fp32: that is what is measured (the agreement is printed too; run with ``-s`` to see it).
"""

from __future__ import annotations

import json
import shutil
import sys

import pytest

from dictate_app.audio.convert import MODEL_RATE, resample
from dictate_app.engine.incremental import IncrementalTranscriber, join_transcripts
from dictate_app.engine.onnx_backend import OnnxEngine
from tests.conftest import run_cli

pytestmark = pytest.mark.slow

CLIPS = 24
# int8 vs fp32 on this fixture: 24 of 24 clips agree in text, language, emotion and events (the
# printed report). On 200 held-out clips (seed 7) they agreed on 200 of 200 with itn and on 198 of
# 200 without it (int8 added a first word fp32 did not hear: "on call message you turn", "zero
# seven six"), so exact agreement on these 24 with itn is the measured behaviour, not luck; and
# everything here is deterministic: a difference means the quantisation or the export changed.


@pytest.fixture(scope="session")
def heldout_clips():
    from tools.minisv import corpus

    specs = corpus.make_specs(CLIPS, seed=7, split="heldout")
    return [(spec, resample(corpus.render(spec), corpus.ESPEAK_RATE, MODEL_RATE)) for spec in specs]


@pytest.fixture(scope="session")
def onnx_fp32(fixture_onnx_dir):
    return OnnxEngine.load(fixture_onnx_dir, precision="fp32")


@pytest.fixture(scope="session")
def onnx_int8(fixture_onnx_dir):
    return OnnxEngine.load(fixture_onnx_dir, precision="int8")


def fields(t):
    return (t.text, t.language, t.emotion, t.events, t.itn)


@pytest.mark.parametrize("itn", [True, False])
def test_fp32_onnx_gives_funasrs_transcripts_and_tags(fixture_engine, onnx_fp32, heldout_clips, itn):
    mismatches = []
    for spec, audio in heldout_clips:
        ours, theirs = onnx_fp32.transcribe(audio, MODEL_RATE, itn=itn), fixture_engine.transcribe(audio, MODEL_RATE, itn=itn)
        if fields(ours) != fields(theirs):
            mismatches.append((spec.uid, fields(theirs), fields(ours)))
    assert not mismatches, mismatches
    assert any(fixture_engine.transcribe(a, MODEL_RATE).is_speech for _, a in heldout_clips), "real words were compared"


def test_fp32_onnx_follows_the_language_setting_like_funasr(fixture_engine, onnx_fp32, heldout_clips):
    for _, audio in heldout_clips[:6]:
        for language in ("zh", "en"):
            assert fields(onnx_fp32.transcribe(audio, MODEL_RATE, language=language)) == fields(
                fixture_engine.transcribe(audio, MODEL_RATE, language=language))


def test_int8_gives_fp32s_transcripts_and_tags(onnx_fp32, onnx_int8, heldout_clips, fixture_onnx_dir):
    text = language = emotion = event = 0
    mismatches = []
    for spec, audio in heldout_clips:
        a, b = onnx_fp32.transcribe(audio, MODEL_RATE), onnx_int8.transcribe(audio, MODEL_RATE)
        text += a.text == b.text
        language += a.language == b.language
        emotion += a.emotion == b.emotion
        event += a.events == b.events
        if fields(a) != fields(b):
            mismatches.append((spec.uid, fields(a), fields(b)))
    n = len(heldout_clips)
    sizes = {p.name: p.stat().st_size for p in fixture_onnx_dir.iterdir() if p.suffix == ".onnx"}
    report = {"clips": n, "text": text / n, "language": language / n, "emotion": emotion / n,
              "events": event / n, "bytes": sizes}
    print("\nint8 vs fp32 agreement on the fixture:", json.dumps(report), file=sys.stderr)
    assert not mismatches, mismatches  # (uid, fp32, int8); see CLIPS for what was measured


def test_batch_equals_one_by_one(onnx_fp32, heldout_clips):
    items = [(audio, MODEL_RATE) for _, audio in heldout_clips[:5]]
    batched = onnx_fp32.transcribe_batch(items)
    assert [fields(t) for t in batched] == [fields(onnx_fp32.transcribe(a, r)) for a, r in items]


# The first four speech clips of the held-out set and their reference texts (with itn), which
# funasr and both ONNX precisions give exactly, clip by clip (the tests above): "on call send now
# dog" (en), "停止音乐" (zh), "6 thank" (en), "346" (zh). Joined, the English words keep their
# spaces, and there is none where a Chinese character meets the next piece (join_pieces' rule).
INCREMENTAL_TEXT = "on call send now dog停止音乐6 thank 346"


def test_incremental_with_the_fixture_equals_transcribing_the_segments_after_release(onnx_int8, fixture_engine,
                                                                                     heldout_clips):
    speech = [audio for spec, audio in heldout_clips if spec.language != "nospeech"][:4]
    references = [spec.text_withitn for spec, _ in heldout_clips if spec.language != "nospeech"][:4]
    assert references == ["on call send now dog", "停止音乐", "6 thank", "346"]
    for engine in (onnx_int8, fixture_engine):
        inc = IncrementalTranscriber(engine)
        for segment in speech[:-1]:
            inc.on_segment(segment)
        live = inc.finish(speech[-1])
        inc.close()
        after = join_transcripts([engine.transcribe(s, MODEL_RATE) for s in speech])
        assert fields(live) == fields(after)
        assert live.text == INCREMENTAL_TEXT, "the join drops, repeats or glues no words"


def test_auto_backend_picks_the_exported_int8_model_and_transcribe_uses_it(fixture_model_dir, fixture_onnx_dir,
                                                                          tmp_path, heldout_clips):
    import soundfile

    model = shutil.copytree(fixture_model_dir, tmp_path / "model")
    shutil.copytree(fixture_onnx_dir, model / "onnx", ignore=shutil.ignore_patterns("model.onnx"))
    spec, audio = next((s, a) for s, a in heldout_clips if s.language == "en")
    soundfile.write(tmp_path / "clip.wav", audio, MODEL_RATE)
    from dictate_app.engine.loader import choose_backend

    assert choose_backend(model, device="cpu") == "onnx"
    proc = run_cli("transcribe", "--model", model, "--json", tmp_path / "clip.wav")
    assert proc.returncode == 0, proc.stderr
    line = json.loads(proc.stdout.splitlines()[0])
    from dictate_app.audio.files import read_audio_file

    expected = OnnxEngine.load(model).transcribe(*read_audio_file(tmp_path / "clip.wav"))  # as 16-bit WAV
    assert line["text"] == expected.text and line["language"] == expected.language


def test_export_of_a_broken_model_dir_is_one_sentence(tmp_path):
    proc = run_cli("model", "export-onnx", tmp_path / "nothing-here")
    assert proc.returncode == 3
    assert "no model directory at" in proc.stderr and "Traceback" not in proc.stderr


def test_an_onnx_only_directory_verifies_and_loads_without_torch(fixture_onnx_dir, tmp_path):
    only = shutil.copytree(fixture_onnx_dir, tmp_path / "onnx-only", ignore=shutil.ignore_patterns("model.onnx"))
    proc = run_cli("model", "verify", only)
    assert proc.returncode == 0, proc.stderr
    assert "ok  model.int8.onnx" in proc.stdout and "loads on sherpa-onnx (onnx, cpu)" in proc.stdout
    code = ("import sys; from dictate_app.engine.loader import load_engine; "
            f"e = load_engine({str(only)!r}); print(e.backend, 'torch' in sys.modules)")
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["onnx", "False"], out.stderr
