"""Popup contents for every language, emotion and event SenseVoice can report."""

from __future__ import annotations

import pytest

from dictate_app.app.popup_text import NO_SPEECH, describe, tag_labels
from dictate_app.engine.result import Transcript
from dictate_app.engine.tags import EMOTIONS, EVENTS, LANGUAGES

# What the popup must show for each tag (emoji first where SenseVoice's demo has one).
EXPECTED_EMOTION = {
    "HAPPY": "😊 happy", "SAD": "😔 sad", "ANGRY": "😡 angry", "FEARFUL": "😰 fearful",
    "DISGUSTED": "🤢 disgusted", "SURPRISED": "😮 surprised", "NEUTRAL": "neutral",
    "EMO_UNKNOWN": None,
}
EXPECTED_EVENT = {
    "BGM": "🎼 music", "Applause": "👏 applause", "Laughter": "😀 laughter", "Cry": "😭 crying",
    "Sneeze": "🤧 sneeze", "Cough": "😷 cough", "Breath": "breath", "Sing": "singing",
    "Speech": None, "Event_UNK": None, "Speech_Noise": None, "GBG": None,
}
EXPECTED_LANGUAGE = {
    "zh": "Mandarin", "en": "English", "yue": "Cantonese", "ja": "Japanese", "ko": "Korean",
    "nospeech": None,
}


def test_tables_cover_every_tag():
    assert set(EXPECTED_EMOTION) == set(EMOTIONS)
    assert set(EXPECTED_EVENT) == set(EVENTS)
    assert set(EXPECTED_LANGUAGE) == set(LANGUAGES)


@pytest.mark.parametrize("emotion", EMOTIONS)
def test_every_emotion(emotion):
    labels = tag_labels(Transcript(text="hi", language="en", emotion=emotion, events=("Speech",)))
    expected = EXPECTED_EMOTION[emotion]
    assert labels == (("English", expected) if expected else ("English",))


@pytest.mark.parametrize("event", EVENTS)
def test_every_event(event):
    labels = tag_labels(Transcript(text="hi", events=(event,)))
    expected = EXPECTED_EVENT[event]
    assert labels == ((expected,) if expected else ())


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language(language):
    labels = tag_labels(Transcript(text="hi", language=language))
    expected = EXPECTED_LANGUAGE[language]
    assert labels == ((expected,) if expected else ())


def test_full_result_in_order():
    t = Transcript(text="你好", language="zh", emotion="HAPPY", events=("Laughter", "BGM"))
    content = describe(t)
    assert content.text == "你好"
    assert content.tags == ("Mandarin", "😊 happy", "😀 laughter", "🎼 music")
    assert content.note == "" and not content.warning


def test_no_speech_keeps_the_events_it_heard():
    # Laughter alone: nothing to type, but the user should see what was heard.
    t = Transcript(text="", language="nospeech", emotion="EMO_UNKNOWN", events=("Laughter",))
    assert describe(t).text == NO_SPEECH and describe(t).tags == ("😀 laughter",)
    assert describe(None).text == NO_SPEECH and describe(None).tags == ()


def test_note_and_warning_pass_through():
    content = describe(Transcript(text="x", language="en"), "on the clipboard", warning=True)
    assert content.note == "on the clipboard" and content.warning
