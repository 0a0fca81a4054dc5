"""Parse SenseVoice's rich tags (what a person reads for them: :mod:`dictate_app.text.labels`).

SenseVoice's output starts with four tags, ``<|en|><|HAPPY|><|Speech|><|withitn|>``, followed by
the text. A query frame can decode to blank, so a tag may be missing, and results of several
segments bring their own tags mid-string. So every ``<|...|>`` token is classified by the set it
belongs to, never by its position, and the text between tags is joined as transcript pieces.
"""

from __future__ import annotations

import re
from collections import Counter

from dictate_app.engine.join import join_pieces
from dictate_app.engine.result import Timings, Transcript

LANGUAGES = ("zh", "en", "yue", "ja", "ko", "nospeech")
EMOTIONS = ("HAPPY", "SAD", "ANGRY", "NEUTRAL", "FEARFUL", "DISGUSTED", "SURPRISED", "EMO_UNKNOWN")
EVENTS = (
    "Speech", "BGM", "Applause", "Laughter", "Cry", "Sneeze", "Breath", "Cough",
    "Event_UNK", "Sing", "Speech_Noise", "GBG",
)
ITN_TAGS = {"withitn": True, "woitn": False}

_TAG = re.compile(r"<\|([^|<>]*)\|>")


def parse_tagged(
    raw: str, duration_s: float = 0.0, timings: Timings | None = None
) -> Transcript:
    """Turn SenseVoice's tagged output into a :class:`Transcript`.

    Unknown tags are dropped from the text (they stay in ``raw``) so no ``<|...|>`` is ever typed.
    Across several segments the language is the first real one, the emotion the most frequent
    concrete one, and the events are listed once each in order of appearance.
    """
    languages: list[str] = []
    emotions: list[str] = []
    events: list[str] = []
    itn: bool | None = None
    for name in _TAG.findall(raw):
        if name in LANGUAGES:
            languages.append(name)
        elif name in EMOTIONS:
            emotions.append(name)
        elif name in EVENTS:
            if name not in events:
                events.append(name)
        elif name in ITN_TAGS and itn is None:
            itn = ITN_TAGS[name]
    text = join_pieces(_TAG.split(raw)[::2])
    spoken = [lang for lang in languages if lang != "nospeech"]
    language = spoken[0] if spoken else (languages[0] if languages else None)
    if text and language == "nospeech":
        # A segment of silence next to one of speech: the speech decides.
        language = None
    concrete = [e for e in emotions if e != "EMO_UNKNOWN"]
    emotion = Counter(concrete).most_common(1)[0][0] if concrete else (emotions[0] if emotions else None)
    return Transcript(
        text=text,
        language=language,
        emotion=emotion,
        events=tuple(events),
        itn=itn,
        raw=raw,
        duration_s=duration_s,
        timings=timings or Timings(),
    )
