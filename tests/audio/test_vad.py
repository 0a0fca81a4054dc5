"""Silero VAD on onnxruntime: the model file, its thread budget, and parity with the torch model.

The parity tests (slow: they import torch) hold the ``silero-vad`` package's own torch path as the
reference: the same speech probability per frame (within 1e-4) and identical ``speech_spans`` /
``model_windows`` on synthesized fixture speech, silence, noise and a >30 s recording. (The span
rules alone: test_vad_spans.py.)
"""

from __future__ import annotations

import functools
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from dictate_app.audio import silero_runtime
from dictate_app.audio import vad as vad_module
from dictate_app.audio.convert import MODEL_RATE
from dictate_app.audio.vad import (STREAM_WINDOW, FrameScorer, SileroVad, Span, SpeechStream, VadError,
                                   load_session, model_path, session_backend, speech_probabilities)
from tests.audio.conftest import silence


def test_the_model_ships_as_package_data_with_its_licence():
    path = model_path()
    assert path.parent.parent == Path(vad_module.__file__).resolve().parents[1] / "data"  # dictate_app/data/vad
    assert path.stat().st_size == 2_327_524
    assert "MIT License" in (path.parent / "LICENSE").read_text()


def test_a_missing_model_is_a_sentence_for_the_user(monkeypatch, tmp_path):
    monkeypatch.setattr(vad_module, "resource_dir", lambda name: tmp_path / name)
    monkeypatch.setattr(vad_module, "find_spec", lambda name: None)
    with pytest.raises(VadError, match="model .* is missing; reinstall Dictate"):
        model_path()


def test_the_session_is_shared_and_runs_on_sherpa_onnxs_library_with_one_thread():
    """Linux with sherpa-onnx installed (every install here): its onnxruntime, not the Python package."""
    session = load_session()
    assert session is load_session()
    assert isinstance(session, silero_runtime.CApiSession) and session.threads == 1
    assert "(sherpa-onnx's, C API" in session_backend(session)


def test_without_sherpa_onnxs_library_the_python_package_runs_it_on_one_thread(monkeypatch, speech_16k):
    onnxruntime = pytest.importorskip("onnxruntime")
    monkeypatch.setattr(silero_runtime, "library_candidates", lambda: [])
    monkeypatch.setattr(vad_module, "_session", None)  # restored after the test
    session = load_session()
    assert isinstance(session, onnxruntime.InferenceSession)
    assert session.get_session_options().intra_op_num_threads == 1
    assert session.get_session_options().inter_op_num_threads == 1
    assert session.get_providers() == ["CPUExecutionProvider"]
    assert session_backend(session) == f"onnxruntime {onnxruntime.__version__} (Python package)"
    assert speech_probabilities(speech_16k).max() > 0.9


def test_without_either_runtime_the_user_reads_what_to_install(monkeypatch):
    monkeypatch.setattr(silero_runtime, "library_candidates", lambda: [])
    monkeypatch.setattr(vad_module, "_session", None)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime -> ImportError
    with pytest.raises(VadError, match="Neither sherpa-onnx's onnxruntime library nor onnxruntime's Python "
                                       "package was found.*install requirements/cpu.txt"):
        load_session()


def test_speech_scores_high_and_silence_low(speech_16k):
    probs = speech_probabilities(np.concatenate([silence(1.0), speech_16k]))
    assert probs.shape == (-(-(MODEL_RATE + speech_16k.size) // STREAM_WINDOW),)
    assert probs[: MODEL_RATE // STREAM_WINDOW - 1].max() < 0.1
    assert np.median(probs[MODEL_RATE // STREAM_WINDOW + 5:]) > 0.8


def test_a_partial_last_frame_is_scored_zero_padded(speech_16k):
    clip = speech_16k[: 30 * STREAM_WINDOW + 100]
    padded = np.zeros(31 * STREAM_WINDOW, np.float32)
    padded[: clip.size] = clip
    scorer = FrameScorer()
    expected = [scorer(frame) for frame in padded.reshape(31, STREAM_WINDOW)]
    assert speech_probabilities(clip).tolist() == expected
    assert speech_probabilities(clip[: 30 * STREAM_WINDOW]).tolist() == expected[:30]


def test_scores_depend_on_the_state_and_reset_starts_over(speech_16k):
    scorer = FrameScorer()
    frames = speech_16k[: 20 * STREAM_WINDOW].reshape(20, STREAM_WINDOW)
    first = [scorer(f) for f in frames]
    again = [scorer(f) for f in frames]  # same audio, carried-over state
    scorer.reset()
    assert [scorer(f) for f in frames] == first
    assert again != first


def test_streams_share_the_session_but_not_the_state(speech_16k):
    """Two recordings at once (e.g. the recorder and a test) must not disturb each other."""
    a, b = SpeechStream(min_silence_ms=300), SpeechStream(min_silence_ms=300)
    clip = np.concatenate([silence(0.3), speech_16k, silence(0.6)])
    alone = SpeechStream(min_silence_ms=300).feed(clip)
    mixed_a, mixed_b = [], []
    for block in np.array_split(clip, 30):
        mixed_a += a.feed(block)
        mixed_b += b.feed(block[::-1].copy())  # other audio through the same session
    assert len(alone) == len(mixed_a) == 1 and np.array_equal(alone[0], mixed_a[0])


@functools.lru_cache(maxsize=1)
def _reference_model():
    """The package's torch model (imports torch: slow tests only)."""
    from silero_vad import load_silero_vad

    with warnings.catch_warnings():  # its loader's own deprecation notices
        warnings.simplefilter("ignore", DeprecationWarning)
        return load_silero_vad()


def _reference_probabilities(samples: np.ndarray) -> np.ndarray:
    import torch

    model = _reference_model()
    model.reset_states()
    frames = -(-samples.size // STREAM_WINDOW)
    padded = np.zeros(frames * STREAM_WINDOW, np.float32)
    padded[: samples.size] = samples
    with torch.no_grad():
        return np.array([model(torch.from_numpy(f.copy()), MODEL_RATE).item() for f in padded.reshape(frames, STREAM_WINDOW)])


def _reference_spans(samples: np.ndarray, **kwargs) -> list[Span]:
    import torch

    from silero_vad import get_speech_timestamps

    stamps = get_speech_timestamps(torch.from_numpy(samples), _reference_model(), sampling_rate=MODEL_RATE, **kwargs)
    return [Span(int(s["start"]), int(s["end"])) for s in stamps]


@pytest.fixture(scope="module")
def clips(vad_clips):
    """The VAD clips (tests/audio/conftest.py), for comparisons with the silero-vad package."""
    pytest.importorskip("silero_vad")
    return vad_clips


@pytest.mark.slow
def test_probabilities_match_the_torch_model(clips):
    worst = 0.0
    for name, samples in clips.items():
        ours, theirs = speech_probabilities(samples), _reference_probabilities(samples)
        assert ours.shape == theirs.shape, name
        worst = max(worst, float(np.abs(ours - theirs).max()))
    print(f"largest probability difference onnxruntime vs torch: {worst:.2e}")
    assert worst < 1e-4


@pytest.mark.slow
@pytest.mark.parametrize("kwargs", [
    {},
    {"pad_ms": 0},
    {"min_speech_ms": 120, "pad_ms": 30},  # audio/speech.py's trim
    {"min_silence_ms": 500, "pad_ms": 100},
    {"max_speech_s": 29.0},  # model_windows
    {"max_speech_s": 5.0, "pad_ms": 100},  # many cuts
])
def test_speech_spans_match_the_torch_path(clips, kwargs):
    vad = SileroVad()
    theirs_kwargs = {{"min_silence_ms": "min_silence_duration_ms", "pad_ms": "speech_pad_ms",
                      "min_speech_ms": "min_speech_duration_ms", "max_speech_s": "max_speech_duration_s"}[k]: v
                     for k, v in kwargs.items()}
    for name, samples in clips.items():
        assert vad.speech_spans(samples, **kwargs) == _reference_spans(samples, **theirs_kwargs), name
    assert len(vad.speech_spans(clips["long-40s"], **kwargs)) > 1


@pytest.mark.slow
def test_model_windows_of_a_long_recording_cut_at_pauses(clips):
    samples = clips["long-40s"]
    windows = SileroVad().model_windows(samples)
    assert len(windows) >= 2 and all(w.duration_s <= 30.0 for w in windows)
    spans = _reference_spans(samples, max_speech_duration_s=29.0)
    assert windows[0].start == spans[0].start and windows[-1].end == spans[-1].end


def test_the_cli_prints_spans_in_seconds_and_speaks_to_the_user(tmp_path, speech_16k, capsys):
    import soundfile

    from dictate_app.audio.vad import main

    path = tmp_path / "speech.wav"
    soundfile.write(path, np.concatenate([silence(1.0), speech_16k, silence(0.5)]), MODEL_RATE)
    assert main([str(path)]) == 0
    spans = [tuple(map(float, line.split())) for line in capsys.readouterr().out.splitlines()]
    assert spans and 0.9 < spans[0][0] < 1.1 and spans[-1][1] > spans[0][0] + 1.5
    assert spans == sorted(spans) and all(start < end for start, end in spans)
    assert main([str(tmp_path / "missing.wav")]) == 2
    assert capsys.readouterr().err.startswith(f"error: {tmp_path / 'missing.wav'}: ")


# ---- the lead-in, independent of any model: scripted probabilities, marked windows -------------

class ScriptedScorer:
    """Stands in for FrameScorer: the probability of each successive window, from a script."""

    def __init__(self, probs):
        self.probs = list(probs)
        self.n = 0

    def __call__(self, frame):
        self.n += 1
        return self.probs[self.n - 1]

    def reset(self):
        self.n = 0


def marked_windows(count: int) -> np.ndarray:
    """``count`` windows of audio whose every sample is distinct (rising), so a sample says where
    in the audio it came from (:func:`position`)."""
    return np.arange(count * STREAM_WINDOW, dtype=np.float32) / 1e6


def position(sample: float) -> int:
    """Where a sample of :func:`marked_windows` sits in it."""
    return int(round(float(sample) * 1e6))


def window_of(sample: float) -> int:
    return position(sample) // STREAM_WINDOW


def scripted_stream(monkeypatch, probs, **kwargs) -> SpeechStream:
    import dictate_app.audio.vad as vad

    monkeypatch.setattr(vad, "FrameScorer", lambda *a, **k: ScriptedScorer(probs))
    return SpeechStream(**kwargs)


def test_a_segment_starts_its_lead_in_before_the_first_speech_window_and_ends_a_pad_after(monkeypatch):
    # Speech scored in windows 20-39; 500 ms of silence closes it; 256 ms = 8 windows of lead-in.
    probs = [0.0] * 20 + [0.9] * 20 + [0.0] * 30
    stream = scripted_stream(monkeypatch, probs, min_silence_ms=500, pad_ms=100, lead_in_ms=230)
    assert stream.lead_in_windows == 8 and stream.pad_windows == 3
    audio = marked_windows(len(probs))
    closed, provisional = [], []
    for block in np.array_split(audio, 35):
        closed += stream.feed(block)
        provisional += stream.provisional()
        if stream.in_speech:  # the open segment (the tail at a release now) starts there too
            assert stream.tail_start == 12 * STREAM_WINDOW
    (segment,) = closed
    assert window_of(segment[0]) == 12 and window_of(segment[-1]) == 42
    assert segment.size == (43 - 12) * STREAM_WINDOW
    (early,) = provisional  # the speculative copy is the same samples
    assert np.array_equal(early, segment)


def test_without_a_lead_in_a_segment_starts_one_pad_before(monkeypatch):
    probs = [0.0] * 20 + [0.9] * 20 + [0.0] * 30
    stream = scripted_stream(monkeypatch, probs, min_silence_ms=500, pad_ms=100)
    (segment,) = stream.feed(marked_windows(len(probs)))
    assert window_of(segment[0]) == 17


def test_the_lead_in_never_reaches_back_into_the_segment_before(monkeypatch):
    # A 160 ms pause closes the first segment (windows 5-14, ends after its pad at window 17);
    # speech resumes at window 20: its 8-window lead-in would start at 12, inside the first.
    probs = [0.0] * 5 + [0.9] * 10 + [0.0] * 5 + [0.9] * 10 + [0.0] * 12
    stream = scripted_stream(monkeypatch, probs, min_silence_ms=160, pad_ms=100, lead_in_ms=230)
    first, second = stream.feed(marked_windows(len(probs)))
    assert window_of(first[0]) == 0 and window_of(first[-1]) == 17
    assert window_of(second[0]) == 18  # right after the first, no sample twice
    assert first.size + second.size == (18 + 15) * STREAM_WINDOW


def test_windows_where_silero_is_unsure_stay_in_the_segment_and_the_pad_counts_from_the_pause(monkeypatch):
    # Speech in windows 20-39; 40-42 unsure (between 0.35 and 0.5: a soft trailing consonant);
    # one low window, one unsure, then the pause. The speech ends at window 43, the first below
    # 0.35 (Silero's own spans end there); the 3-window pad follows it; an unsure window in the
    # pause does not restart it, speech (window 60) would.
    probs = [0.0] * 20 + [0.9] * 20 + [0.4] * 3 + [0.0] + [0.4] + [0.0] * 30
    stream = scripted_stream(monkeypatch, probs, min_silence_ms=500, pad_ms=100, lead_in_ms=230)
    closed, provisional = [], []
    for window in range(len(probs)):
        closed += stream.feed(marked_windows(len(probs))[window * STREAM_WINDOW:(window + 1) * STREAM_WINDOW])
        provisional += [(window, segment) for segment in stream.provisional()]
        if window == 40:
            assert stream.speech_end == 40 * STREAM_WINDOW and stream.tail_end is None
    (segment,) = closed
    [(at, early)] = provisional
    assert window_of(segment[0]) == 12 and window_of(segment[-1]) == 45
    assert at == 46, "handed out once three windows of the pause are scored"
    assert np.array_equal(early, segment)
    assert stream.speech_end is None  # closed: no open segment
