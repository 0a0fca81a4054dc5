"""What the popup says about a transcript: Qt-free so every emotion and event is testable alone."""

from __future__ import annotations

from dataclasses import dataclass

from dictate_app.engine.result import Transcript
from dictate_app.text.labels import (
    EMOTION_EMOJI,
    EMOTION_WORDS,
    EVENT_EMOJI,
    EVENT_WORDS,
    LANGUAGE_NAMES,
)

NO_SPEECH = "No speech heard"


@dataclass(frozen=True)
class PopupContent:
    """``text``: the big line; ``tags``: small labels (language, emotion, events); ``note``: a
    remark about insertion (focus moved, failure), empty when the text simply landed; ``raw``: the
    words as spoken, shown small above ``text`` when an AI mode made ``text`` of them; ``mode``: the
    AI mode that ran (or was tried), for the status line."""

    text: str
    tags: tuple[str, ...] = ()
    note: str = ""
    warning: bool = False
    raw: str = ""
    mode: str = ""


def _label(emoji: str, word: str) -> str:
    return f"{emoji} {word}" if emoji else word


def tag_labels(transcript: Transcript) -> tuple[str, ...]:
    """Language, then emotion, then events, each as "emoji word" (word alone if no emoji).

    Left out: the "Speech" event (it is what dictation expects) and tags SenseVoice uses for
    "unknown" (EMO_UNKNOWN, Event_UNK, GBG, Speech_Noise), which carry nothing for the user.
    """
    labels: list[str] = []
    if transcript.language and transcript.language != "nospeech":
        labels.append(LANGUAGE_NAMES.get(transcript.language, transcript.language))
    if transcript.emotion in EMOTION_WORDS:
        labels.append(_label(EMOTION_EMOJI.get(transcript.emotion, ""), EMOTION_WORDS[transcript.emotion]))
    for event in transcript.events:
        if event in EVENT_WORDS:
            labels.append(_label(EVENT_EMOJI.get(event, ""), EVENT_WORDS[event]))
    return tuple(labels)


def describe(transcript: Transcript | None, note: str = "", warning: bool = False) -> PopupContent:
    """The popup contents after an utterance; ``None`` or a non-speech transcript: "No speech heard"."""
    if transcript is None or not transcript.is_speech:
        tags = tag_labels(transcript) if transcript is not None else ()
        return PopupContent(NO_SPEECH, tags, note, warning)
    return PopupContent(transcript.text, tag_labels(transcript), note, warning)
