"""The server's JSON bodies (server/shapes.py): ``/asr``'s fields with everything the tray shows and
``raw`` for the remote backend; OpenAI's ``verbose_json`` with its language names and one segment."""

from __future__ import annotations

from dictate_app.engine.result import Timings, Transcript
from dictate_app.engine.tags import parse_tagged
from dictate_app.server.shapes import asr_body, openai_language, openai_verbose

HEARD = Transcript("hello", "en", "HAPPY", ("Speech",), True, "<|en|><|HAPPY|><|Speech|><|withitn|>hello",
                   1.23456, Timings(1.04, 20.06, 30.44))


def test_asr_body_carries_the_transcript_rounded_and_its_raw_string():
    body = asr_body(HEARD)
    assert (body["code"], body["msg"], body["res"], body["text"]) == (0, "ok", "hello", "hello")
    assert (body["language"], body["emotion"], body["events"], body["itn"]) == ("en", "HAPPY", ["Speech"], True)
    assert body["duration_s"] == 1.235 and body["timings"] == {"feature_ms": 1.0, "model_ms": 20.1, "total_ms": 30.4}
    assert body["display"] == "hello😊"  # the popup's line: emotion emoji after the text
    assert parse_tagged(body["raw"]).text == "hello"  # the remote backend rebuilds the transcript from it


def test_languages_take_openais_names_and_unknown_ones_stay():
    assert [openai_language(c) for c in ("en", "zh", "yue", "ja", "ko")] == [
        "english", "chinese", "cantonese", "japanese", "korean"]
    assert openai_language("nospeech") == "nospeech"
    assert openai_language(None) == openai_language("") == "unknown"


def test_verbose_json_has_one_segment_over_the_clip_and_none_without_words():
    body = openai_verbose(HEARD)
    assert (body["task"], body["language"], body["duration"], body["text"]) == ("transcribe", "english", 1.235, "hello")
    assert body["segments"] == [{"id": 0, "seek": 0, "start": 0.0, "end": 1.235, "text": "hello", "tokens": [],
                                 "temperature": 0.0}]
    assert "avg_logprob" not in body["segments"][0]  # no log-probabilities are invented
    assert openai_verbose(Transcript("", "nospeech", duration_s=2.0))["segments"] == []
