"""Helpers for desktop tests that record from the bench's virtual microphone."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable

from dictate_app.audio.recorder import Recorder, Recording

# The two microphone modes, by the name the README uses.
MODES = {"on-demand": False, "keep-ready": True}
# An in-process recorder opened on demand delivers its first block within this time of start().
LIVE_TIMEOUT_S = 2.0


def wait_live(is_live: Callable[[], bool], timeout: float = LIVE_TIMEOUT_S) -> None:
    """Wait until the microphone delivers audio (``is_live()``): where a user starts speaking
    (the app's start cue plays just before); fail if it never does."""
    deadline = time.monotonic() + timeout
    while not is_live():
        assert time.monotonic() < deadline, f"the microphone never delivered audio ({timeout} s)"
        time.sleep(0.005)


def bench_microphone_live(desktop) -> bool:
    """True while a program records from the bench's microphone: PulseAudio has an uncorked
    source output, i.e. it is streaming the microphone to that program (another process, such as
    the app, whose recorder the test cannot ask)."""
    listing = subprocess.run(["pactl", "list", "source-outputs"], env=desktop.env, capture_output=True,
                             text=True, timeout=10).stdout
    return "Corked: no" in listing


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
            wait_live(live.is_set)
        desktop.speak(wav)
        return rec.stop().result(timeout=10)
