"""What a person reads for the tags: the demo's display line, and words and emoji only for tags the
engine knows."""

import pytest

from dictate_app.engine.tags import EMOTIONS, EVENTS, LANGUAGES, parse_tagged
from dictate_app.text.labels import (
    EMOTION_EMOJI,
    EMOTION_WORDS,
    EVENT_EMOJI,
    EVENT_WORDS,
    LANGUAGE_NAMES,
    display_line,
)


def test_event_emoji_first_and_emotion_emoji_last_like_the_demo():
    result = parse_tagged("<|en|><|HAPPY|><|Laughter|><|withitn|>hello")
    assert display_line(result) == "😀hello😊"


def test_nospeech_with_event_unk_is_not_speech_and_shows_a_question_mark():
    result = parse_tagged("<|nospeech|><|Event_UNK|>")
    assert result.text == ""
    assert result.language == "nospeech"
    assert not result.is_speech
    assert display_line(result) == "❓"


@pytest.mark.parametrize("event", sorted(EVENT_EMOJI))
def test_every_event_has_its_emoji_before_the_text(event):
    line = display_line(parse_tagged(f"<|en|><|NEUTRAL|><|{event}|><|withitn|>x"))
    assert line == f"{EVENT_EMOJI[event]}x"


@pytest.mark.parametrize("emotion", sorted(EMOTION_EMOJI))
def test_every_emotion_has_its_emoji_after_the_text(emotion):
    line = display_line(parse_tagged(f"<|en|><|{emotion}|><|Speech|><|withitn|>x"))
    assert line == f"x{EMOTION_EMOJI[emotion]}"


def test_labels_name_only_tags_the_engine_parses():
    assert set(EVENT_EMOJI) | set(EVENT_WORDS) <= set(EVENTS)
    assert set(EMOTION_EMOJI) | set(EMOTION_WORDS) <= set(EMOTIONS)
    assert set(LANGUAGE_NAMES) == set(LANGUAGES)
