"""The one result type (engine/result.py): when a transcript counts as speech, and its JSON form."""

from __future__ import annotations

import json

from dictate_app.engine.result import Timings, Transcript


def test_speech_needs_words_and_no_nospeech_tag():
    assert Transcript("hello", language="en").is_speech
    assert Transcript("hello").is_speech  # no language tag at all: the words still count
    assert not Transcript("   ", language="en").is_speech
    assert not Transcript("", language="en").is_speech
    assert not Transcript("hm", language="nospeech").is_speech


def test_the_dict_is_json_ready_with_events_as_a_list_and_timings_nested():
    t = Transcript("hi", "en", "HAPPY", ("Speech", "Laughter"), True, "<|en|>hi", 1.5, Timings(1.0, 2.0, 3.5))
    data = t.to_dict()
    assert data == {"text": "hi", "language": "en", "emotion": "HAPPY", "events": ["Speech", "Laughter"],
                    "itn": True, "raw": "<|en|>hi", "duration_s": 1.5,
                    "timings": {"feature_ms": 1.0, "model_ms": 2.0, "total_ms": 3.5}}
    assert json.loads(json.dumps(data)) == data
    assert Transcript("x").timings == Timings(0.0, 0.0, 0.0)
