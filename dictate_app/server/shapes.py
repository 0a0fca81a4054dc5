"""The JSON bodies the server answers with, built from a :class:`Transcript`.

``/asr`` keeps the write-up's ``code``/``msg``/``res`` and adds everything the tray shows, plus
``raw`` so that :class:`~dictate_app.engine.remote_backend.RemoteEngine` rebuilds the very same
Transcript. ``verbose_json`` follows OpenAI's field names; SenseVoice gives no word or segment
timing, so its one segment spans the whole clip, and no log-probabilities are invented.
"""

from __future__ import annotations

from dictate_app.engine.result import Transcript
from dictate_app.text.labels import display_line


def asr_body(t: Transcript) -> dict:
    """``/asr``'s success body."""
    return {
        "code": 0,
        "msg": "ok",
        "res": t.text,
        "text": t.text,
        "language": t.language,
        "emotion": t.emotion,
        "events": list(t.events),
        "itn": t.itn,
        "display": display_line(t),
        "raw": t.raw,
        "duration_s": round(t.duration_s, 3),
        "timings": {
            "feature_ms": round(t.timings.feature_ms, 1),
            "model_ms": round(t.timings.model_ms, 1),
            "total_ms": round(t.timings.total_ms, 1),
        },
    }


# OpenAI reports the language by Whisper's lower-case English names; tools map these back to codes.
OPENAI_LANGUAGE_NAMES = {"zh": "chinese", "yue": "cantonese", "en": "english", "ja": "japanese", "ko": "korean"}


def openai_language(code: str | None) -> str:
    """SenseVoice's language code as OpenAI names it ("english"); ``nospeech`` stays as it is."""
    if not code:
        return "unknown"
    return OPENAI_LANGUAGE_NAMES.get(code, code)


def openai_verbose(t: Transcript) -> dict:
    """``response_format=verbose_json``: OpenAI's fields, then SenseVoice's extras."""
    duration = round(t.duration_s, 3)
    return {
        "task": "transcribe",
        "language": openai_language(t.language),
        "duration": duration,
        "text": t.text,
        "segments": [
            {"id": 0, "seek": 0, "start": 0.0, "end": duration, "text": t.text, "tokens": [],
             "temperature": 0.0}
        ] if t.text else [],
        "emotion": t.emotion,
        "events": list(t.events),
        "display": display_line(t),
    }
