"""Helpers for desktop tests that record from the bench's virtual microphone."""

from __future__ import annotations

import threading
import time

from dictate_app.audio.recorder import Recorder, Recording

# The two microphone modes, by the name the README uses.
MODES = {"on-demand": False, "keep-ready": True}


def ready_recorder(keep_ready: bool, **kwargs) -> Recorder:
    """A recorder as the app holds one: made at start-up, some time before the first key-down
    (the pre-roll ring fills; in on-demand mode PortAudio's cold first open is paid)."""
    rec = Recorder(keep_ready=keep_ready, **kwargs)
    time.sleep(0.6)
    return rec


def record_utterance(desktop, wav, keep_ready: bool, **kwargs) -> Recording:
    """Key down, speak ``wav`` into the microphone, key up; the finished recording.

    Keep-ready: the speaker starts at once (the pre-roll covers the key edge). On demand: the
    speaker starts when audio flows (``on_live``, where the app plays its start cue).
    """
    live = threading.Event()
    with ready_recorder(keep_ready, on_live=lambda _ms: live.set(), **kwargs) as rec:
        rec.start()
        if not keep_ready:
            assert live.wait(2.0), "the microphone never delivered audio"
        desktop.speak(wav)
        return rec.stop().result(timeout=10)
