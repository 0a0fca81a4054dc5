"""What a person reads for SenseVoice's tags: words for the popup, history and AI prompt, emoji for
the display line (SenseVoice's demo: ``😀hello😊``). The tags themselves are parsed once, by
:mod:`dictate_app.engine.tags`; typed text never carries any of this.
"""

from __future__ import annotations

from dictate_app.engine.result import Transcript

# Emoji as SenseVoice's demo shows them: events before the text, emotion after it.
EVENT_EMOJI = {
    "BGM": "🎼", "Applause": "👏", "Laughter": "😀", "Cry": "😭", "Sneeze": "🤧", "Cough": "😷",
}
EMOTION_EMOJI = {
    "HAPPY": "😊", "SAD": "😔", "ANGRY": "😡", "FEARFUL": "😰", "DISGUSTED": "🤢", "SURPRISED": "😮",
}
# Words for the popup (next to the emoji), the history window and the AI prompt.
EVENT_WORDS = {
    "BGM": "music", "Applause": "applause", "Laughter": "laughter", "Cry": "crying",
    "Sneeze": "sneeze", "Cough": "cough", "Breath": "breath", "Sing": "singing",
}
EMOTION_WORDS = {
    "HAPPY": "happy", "SAD": "sad", "ANGRY": "angry", "NEUTRAL": "neutral", "FEARFUL": "fearful",
    "DISGUSTED": "disgusted", "SURPRISED": "surprised",
}
LANGUAGE_NAMES = {
    "zh": "Mandarin", "en": "English", "yue": "Cantonese", "ja": "Japanese", "ko": "Korean",
    "nospeech": "no speech",
}


def display_line(result: Transcript) -> str:
    """The line SenseVoice's demo shows: event emoji, text, emotion emoji (``😀hello😊``).

    For the popup and the server only; never typed.
    """
    if result.language == "nospeech" and not result.text:
        return "❓"
    head = "".join(EVENT_EMOJI.get(event, "") for event in result.events)
    tail = EMOTION_EMOJI.get(result.emotion or "", "")
    return f"{head}{result.text}{tail}"
