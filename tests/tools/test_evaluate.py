"""The evaluation's ``live`` case hands the engine what the recorder's live VAD cuts, not the whole clip."""

from __future__ import annotations

import numpy as np

from dictate_app.audio.convert import MODEL_RATE, resample
from tools.minisv import corpus, evaluate


def test_live_case_starts_a_lead_in_before_the_speech_and_keeps_all_of_it():
    speech, _ = corpus.espeak("hello world", "en-us+m3", 160, 50)
    speech16 = resample(speech, corpus.ESPEAK_RATE, MODEL_RATE)
    lead = np.zeros(int(0.4 * MODEL_RATE), np.float32)
    segment = evaluate.live_segments(np.concatenate([lead, speech16]))

    loud = np.flatnonzero(np.abs(speech16) > 0.05 * np.max(np.abs(speech16)))
    lead_in = int(np.argmax(np.abs(segment) > 0.05 * np.max(np.abs(segment))))
    # The 0.7 s of silence before is cut to the live lead-in (issue 26): at least the 200 ms the
    # after-release trim keeps, at most its 256 ms (8 Silero windows) before the window that fired.
    assert 0.2 * MODEL_RATE <= lead_in <= 0.256 * MODEL_RATE, lead_in / MODEL_RATE
    spoken = loud[-1] - loud[0]
    assert segment.size > spoken  # all of the speech is in


def test_live_case_passes_a_clip_without_speech_through():
    quiet = np.zeros(MODEL_RATE, np.float32)
    assert evaluate.live_segments(quiet) is quiet
