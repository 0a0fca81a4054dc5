"""Hands-free auto-stop: when a recording should end by itself, decided from the live VAD.

Pure and Qt-free. The recorder reports, after every block, how much silence its live VAD has heard
at the end of the take and whether it has heard speech at all (``Recorder.start(on_pause=...)``);
:class:`AutoStop` turns that into what the popup shows (a countdown once a pause is long enough to
be one) and the moment the take ends: ``after_s`` of silence after speech, or ``no_speech_s`` of
silence from the start when nothing was said at all ("No speech heard").

When it applies (:func:`auto_stop_after`): in toggle mode with the ``auto_stop_s`` setting (0 turns
it off), and for every hands-free start (``dictate-app start --hands-free``, the tray's "Start
hands-free dictation"), which uses the setting or :data:`DEFAULT_AFTER_S` when it is off. In hold
mode the key decides: the take ends when it comes up.
"""

from __future__ import annotations

from dataclasses import dataclass

# The default for toggle mode: long enough for a breath between sentences.
DEFAULT_AFTER_S = 2.0
# A take in which nobody has said anything ends after this: long enough to gather one's
# thoughts after pressing, short enough that a forgotten take does not record for minutes.
NO_SPEECH_S = 8.0
# The countdown shows once a pause lasts this long: the live VAD's segment pause
# (speech.SEGMENT_SILENCE_S), so the gaps between words never make it flicker.
COUNTDOWN_FROM_S = 0.5


def auto_stop_after(mode: str, hands_free: bool, setting_s: float) -> float | None:
    """Seconds of silence after which a take started now ends by itself, or None (it does not).

    ``mode`` is ``"hold"`` or ``"toggle"``, ``setting_s`` the ``auto_stop_s`` setting (0: off).
    """
    if hands_free:
        return setting_s if setting_s > 0 else DEFAULT_AFTER_S
    if mode == "toggle" and setting_s > 0:
        return setting_s
    return None


@dataclass(frozen=True)
class Verdict:
    """What one pause report means: ``stop`` now (``no_speech``: nothing was said), and the
    seconds left to show (None: no countdown now)."""

    stop: bool = False
    no_speech: bool = False
    countdown_s: float | None = None


class AutoStop:
    """Decides when one take ends by itself. Feed :meth:`check` every pause report, in order;
    it says ``stop`` once (later reports give an empty verdict)."""

    def __init__(self, after_s: float, no_speech_s: float = NO_SPEECH_S) -> None:
        if after_s <= 0 or no_speech_s <= 0:
            raise ValueError("after_s and no_speech_s must be positive")
        self.after_s = after_s
        self.no_speech_s = max(no_speech_s, after_s)
        self.stopped = False

    def check(self, silence_s: float, speech_heard: bool) -> Verdict:
        """``silence_s``: silence heard at the end of the take (from its start when no speech was
        heard); ``speech_heard``: the VAD has heard speech in this take."""
        if self.stopped:
            return Verdict()
        limit = self.after_s if speech_heard else self.no_speech_s
        if silence_s >= limit:
            self.stopped = True
            return Verdict(stop=True, no_speech=not speech_heard)
        # Before any speech the countdown waits until the usual pause would have ended: someone
        # who has not started talking yet needs no clock running at them.
        shown_from = COUNTDOWN_FROM_S if speech_heard else self.no_speech_s - self.after_s
        if silence_s >= shown_from:
            return Verdict(countdown_s=limit - silence_s)
        return Verdict()
