"""Trim a recording to its speech, or say there is none (so nothing is typed and no model runs).

Text invented from silence is a top complaint about dictation tools (heyito/ito #360, OpenWhispr
#842): a recording in which Silero VAD finds no speech never reaches the model. The live segments
a recorder cuts while the key is held (:func:`live_segmenter`) keep the same lead-in as the trim.
"""

from __future__ import annotations

import threading

import numpy as np

from dictate_app.audio.convert import MODEL_RATE
from dictate_app.audio.vad import SileroVad, SpeechStream

# Context kept around the speech: SenseVoice mis-hears words that start at sample 0, and the
# VAD's own boundary can clip a soft onset or a trailing consonant.
PAD_S = 0.2
# Shortest speech that counts; a short "yes" or a digit is about 0.2-0.3 s long.
MIN_SPEECH_MS = 120
# The speech spans' own pad (Silero's rule; the trim adds PAD_S around the spans).
SPAN_PAD_MS = 30
# Audio kept before the first frame Silero scores as speech: the trim's lead-in (PAD_S plus the
# spans' pad, 230 ms). Live segments get at least as much (live_segmenter): Silero fires
# one to three 32 ms frames after a soft onset, so its own 96 ms pad left live segments starting
# only about 45 ms before the speech, and a soft first word could be lost (issue 26).
LEAD_IN_S = PAD_S + SPAN_PAD_MS / 1000
# Audio live segments keep after their speech: two 32 ms windows, so a segment is handed out (its
# speculative final pass starts) once two windows of its pause are heard, 32 ms sooner than with
# Silero's 96 ms pad (issue 26). A segment's speech ends where Silero's own spans end (the first
# window of the pause: windows where Silero is unsure stay in). Measured on espeak-ng speech
# (benchmarks/vad_tail.py, benchmarks/results/vad-tail-2026-12-06.json, 156 segments): that end is
# 0.01 s before to 0.66 s after the acoustic end of the last word (its last 10 ms within 40 dB of
# the loudest; median 0.05-0.08 s after), so every segment keeps the last word and at least 0.05 s
# after it (median 0.11-0.15 s); the trim after release keeps 0.22 s or more. One window (32 ms)
# would start the pass another 32 ms sooner, but a stop's closure inside a word (one quiet window)
# then hands out a copy that goes stale when the word resumes, and its pass, which cannot be
# stopped, can hold up the final one: 0.51 stale copies per benchmark clause against 0.09 (and
# 0.02 with 96 ms); in the 10 s benchmark take the last word has one.
LIVE_TRAIL_MS = 64
# Silence that closes a live segment (the app's; `dictate-app listen --pause` sets its own).
SEGMENT_SILENCE_S = 0.5

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


def live_segmenter(segment_silence_s: float = SEGMENT_SILENCE_S, trail_ms: int | None = None) -> SpeechStream:
    """The live VAD a recorder cuts its segments with; ``trail_ms`` (default ``LIVE_TRAIL_MS``)
    is the audio kept after each segment's speech (measurements only)."""
    # The shortest speech the after-release trim keeps (a short "yes") is a segment too, and a
    # segment starts as early before its speech as the trim's output does (LEAD_IN_S). Its short
    # trailing pad (LIVE_TRAIL_MS) hands it out as soon as two windows of the pause are heard.
    return SpeechStream(min_silence_ms=int(segment_silence_s * 1000), min_speech_ms=MIN_SPEECH_MS,
                        pad_ms=LIVE_TRAIL_MS if trail_ms is None else trail_ms,
                        lead_in_ms=round(LEAD_IN_S * 1000))
