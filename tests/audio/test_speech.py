"""Trimming to speech, and recordings with none: nothing typed, no model run (Silero VAD)."""

import numpy as np

from dictate_app.audio.convert import MODEL_RATE
from dictate_app.audio.speech import PAD_S, trim_to_speech
from dictate_app.audio.vad import SileroVad, SpeechStream
from tests.audio.conftest import ncc_best, silence


def test_silence_and_noise_hold_no_speech():
    rng = np.random.default_rng(0)
    assert trim_to_speech(silence(2.0)) is None
    assert trim_to_speech((0.01 * rng.standard_normal(2 * MODEL_RATE)).astype(np.float32)) is None
    assert trim_to_speech(np.zeros(0, np.float32)) is None


def test_leading_and_trailing_silence_go_the_words_stay(speech_16k):
    audio = np.concatenate([silence(1.5), speech_16k, silence(2.0)])
    trimmed = trim_to_speech(audio)
    assert trimmed is not None
    (span,) = SileroVad().speech_spans(speech_16k)
    words = speech_16k[span.start:span.end]
    assert ncc_best(trimmed, words)[0] > 0.999
    assert trimmed.size <= words.size + 2 * PAD_S * MODEL_RATE + 0.1 * MODEL_RATE


def test_the_stream_vad_closes_a_segment_after_the_pause_not_before(speech_16k):
    (span,) = SileroVad().speech_spans(speech_16k, pad_ms=0)
    words = speech_16k[span.start:span.end]
    stream = SpeechStream(min_silence_ms=500)
    closed = []
    for block in np.array_split(np.concatenate([silence(0.3), words]), 40):
        closed += stream.feed(block)
    assert closed == [] and stream.in_speech
    closed += stream.feed(silence(0.3))
    assert closed == [] and stream.in_speech
    closed += stream.feed(silence(0.4))
    assert len(closed) == 1 and not stream.in_speech
    assert ncc_best(closed[0], words)[0] > 0.999


def test_a_short_click_is_not_a_segment():
    stream = SpeechStream(min_silence_ms=200)
    click = np.zeros(MODEL_RATE, np.float32)
    click[8000:8040] = 0.8
    assert stream.feed(np.concatenate([click, silence(1.0)])) == []
