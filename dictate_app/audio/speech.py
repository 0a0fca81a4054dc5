"""Trim a recording to its speech, or say there is none (so nothing is typed and no model runs).

Text invented from silence is a top complaint about dictation tools (heyito/ito #360, OpenWhispr
#842): a recording in which Silero VAD finds no speech never reaches the model.
"""

from __future__ import annotations

import threading

import numpy as np

from dictate_app.audio.convert import MODEL_RATE
from dictate_app.audio.vad import SileroVad

# Context kept around the speech: SenseVoice mis-hears words that start at sample 0, and the
# VAD's own boundary can clip a soft onset or a trailing consonant.
PAD_S = 0.2
# Shortest speech that counts; a short "yes" or a digit is about 0.2-0.3 s long.
MIN_SPEECH_MS = 120
# The speech spans' own pad (Silero's rule; the trim adds PAD_S around the spans).
SPAN_PAD_MS = 30
# Audio kept before the first frame Silero scores as speech: the trim's lead-in (PAD_S plus the
# spans' pad, 230 ms). Live segments get at least as much (recorder.live_segmenter): Silero fires
# one to three 32 ms frames after a soft onset, so its own 96 ms pad left live segments starting
# only about 45 ms before the speech, and a soft first word could be lost (issue 26).
LEAD_IN_S = PAD_S + SPAN_PAD_MS / 1000

_shared: SileroVad | None = None
_shared_lock = threading.Lock()


def shared_vad() -> SileroVad:
    """One Silero VAD for the process (thread-safe; loaded on first use)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SileroVad()
        return _shared


def trim_to_speech(samples16k: np.ndarray, vad: SileroVad | None = None,
                   pad_s: float = PAD_S) -> np.ndarray | None:
    """The audio from just before the first speech to just after the last, or None if no speech.

    Silence between words is kept (the model wants the whole utterance); only the leading and
    trailing silence go, with ``pad_s`` of margin on each side.
    """
    audio = np.asarray(samples16k, dtype=np.float32)
    if audio.size == 0:
        return None
    spans = (vad or shared_vad()).speech_spans(audio, min_speech_ms=MIN_SPEECH_MS, pad_ms=SPAN_PAD_MS)
    if not spans:
        return None
    pad = int(pad_s * MODEL_RATE)
    return audio[max(0, spans[0].start - pad):min(audio.size, spans[-1].end + pad)]
