"""Trimming to speech, and recordings with none: nothing typed, no model run (Silero VAD)."""

import numpy as np
import pytest

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


def test_live_segments_keep_at_least_the_lead_in_of_the_whole_recording_path(monkeypatch):
    """Model-independent (scripted probabilities): Silero fires late on a soft onset, so the audio
    before its first speech frame is what keeps a soft first word. The app's live segmenter keeps
    at least as much of it as the after-release trim does (issue 26), and not a window more."""
    import dictate_app.audio.vad as vad
    from dictate_app.audio.speech import LEAD_IN_S, live_segmenter
    from dictate_app.audio.vad_spans import FRAME
    from tests.audio.test_vad import ScriptedScorer, marked_windows, position

    probs = [0.0] * 30 + [0.9] * 25 + [0.0] * 40
    audio = marked_windows(len(probs))
    monkeypatch.setattr(vad, "FrameScorer", lambda *a, **k: ScriptedScorer(probs))
    monkeypatch.setattr(vad, "speech_probabilities", lambda samples, scorer=None: np.array(probs))
    first_speech = 30 * FRAME

    trimmed = trim_to_speech(audio, vad=SileroVad())
    whole_lead = first_speech - position(trimmed[0])
    assert whole_lead == round(LEAD_IN_S * MODEL_RATE)  # 230 ms: the trim's pad and the span's

    (segment,) = live_segmenter().feed(audio)
    live_lead = first_speech - position(segment[0])
    assert whole_lead <= live_lead < whole_lead + FRAME


@pytest.mark.parametrize("unsure", [0, 2])
def test_live_segments_end_two_windows_into_the_pause_and_are_handed_out_as_they_are_heard(monkeypatch, unsure):
    """Model-independent (scripted probabilities): a live segment's speech ends where Silero's own
    spans end, at the first window of the pause (below threshold - 0.15; ``unsure`` windows between
    0.35 and 0.5 before it stay in: a soft trailing consonant), and it keeps LIVE_TRAIL_MS (two
    windows) of the pause. The provisional copy comes out as soon as they are scored, the same
    samples the segment closes with: the speculative final pass starts a window sooner than with
    the 96 ms pad it had (issue 26), and the lead-in is untouched."""
    import dictate_app.audio.vad as vad
    from dictate_app.audio.speech import LEAD_IN_S, LIVE_TRAIL_MS, live_segmenter
    from dictate_app.audio.vad_spans import FRAME
    from tests.audio.test_vad import ScriptedScorer, marked_windows, position

    probs = [0.0] * 30 + [0.9] * 25 + [0.4] * unsure + [0.0] * 40
    pause = 55 + unsure  # the first window below 0.35
    audio = marked_windows(len(probs))
    monkeypatch.setattr(vad, "FrameScorer", lambda *a, **k: ScriptedScorer(probs))
    monkeypatch.setattr(vad, "speech_probabilities", lambda samples, scorer=None: np.array(probs))
    assert LIVE_TRAIL_MS == 64

    stream = live_segmenter()
    handed_out, closed = {}, []
    for window in range(len(probs)):
        closed += stream.feed(audio[window * FRAME:(window + 1) * FRAME])
        for segment in stream.provisional():
            handed_out[window] = segment
    [(at, early)] = handed_out.items()
    (segment,) = closed
    assert at == pause + 1, "handed out once the pause's second window is scored"
    assert np.array_equal(early, segment)
    assert position(segment[-1]) + 1 == (pause + 2) * FRAME, "two windows of the pause kept"
    assert 30 * FRAME - position(segment[0]) == 8 * FRAME >= round(LEAD_IN_S * MODEL_RATE)
    # The trim after release ends its speech at the same place and keeps 230 ms after it.
    trimmed = trim_to_speech(audio, vad=SileroVad())
    assert position(trimmed[-1]) + 1 - pause * FRAME == round(LEAD_IN_S * MODEL_RATE)
