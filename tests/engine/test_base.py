"""What every backend shares (engine/base.py): the language check, transcribe_many's choice between a
batch and a loop, and the split of long audio at pauses (both local backends call it)."""

from __future__ import annotations

import numpy as np
import pytest

from dictate_app.audio.convert import MODEL_RATE
from dictate_app.audio.files import decode_file
from dictate_app.audio.vad import SileroVad
from dictate_app.engine.base import LANGUAGE_CHOICES, MAX_PASS_S, check_language, long_audio_windows, transcribe_many
from dictate_app.engine.result import Transcript
from dictate_app.errors import BadAudioError
from tests.conftest import REPO

CLIP = REPO / "tests" / "packaging" / "clips" / "please-open-the-door.wav"


def test_known_languages_pass_and_others_are_one_sentence():
    assert [check_language(code) for code in LANGUAGE_CHOICES] == list(LANGUAGE_CHOICES)
    with pytest.raises(BadAudioError, match="language 'de' is not one of auto, zh, en, yue, ja, ko"):
        check_language("de")


class _Engine:
    """Records how it was called; ``batch`` decides whether it offers transcribe_batch."""

    backend, device = "fake", "cpu"

    def __init__(self, batch: bool):
        self.calls: list[tuple] = []
        if batch:
            self.transcribe_batch = lambda items, language, itn: (
                self.calls.append(("batch", len(items), language, itn))
                or [Transcript(f"b{i}") for i in range(len(items))])

    def transcribe(self, samples, sample_rate, language="auto", itn=True):
        self.calls.append(("one", sample_rate, language, itn))
        return Transcript(f"o{len(self.calls)}")


def test_transcribe_many_batches_several_clips_and_loops_without_a_batch():
    clips = [(np.zeros(160, np.float32), 16000), (np.zeros(80, np.float32), 8000)]
    batching = _Engine(batch=True)
    assert [t.text for t in transcribe_many(batching, clips, "en", False)] == ["b0", "b1"]
    assert batching.calls == [("batch", 2, "en", False)]
    looping = _Engine(batch=False)
    assert [t.text for t in transcribe_many(looping, clips, "zh")] == ["o1", "o2"]
    assert looping.calls == [("one", 16000, "zh", True), ("one", 8000, "zh", True)]
    single = _Engine(batch=True)  # one clip: no padded pass for nothing
    transcribe_many(single, clips[:1])
    assert single.calls == [("one", 16000, "auto", True)]


def test_long_audio_is_cut_at_pauses_into_passes_the_model_takes():
    """Over a minute of speech with pauses: windows of at most MAX_PASS_S, in order, each starting
    and ending at a pause, exactly what a fresh Silero VAD gives (the backends each had one)."""
    speech = decode_file(CLIP)
    pause = np.zeros(int(0.8 * MODEL_RATE), np.float32)
    audio = np.concatenate([piece for _ in range(int(70 * MODEL_RATE / (speech.size + pause.size)) + 1)
                            for piece in (speech, pause)])
    windows = long_audio_windows(audio)
    assert windows == SileroVad().model_windows(audio, MAX_PASS_S)
    assert len(windows) >= 3 and all(0 < w.duration_s <= MAX_PASS_S for w in windows)
    assert all(a.end <= b.start for a, b in zip(windows, windows[1:]))
    assert long_audio_windows(np.zeros(40 * MODEL_RATE, np.float32)) == []  # no speech, no passes
