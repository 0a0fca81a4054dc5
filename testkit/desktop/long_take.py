"""One long dictation on the real bench, measured: used by the slow test (a minute) and by
``benchmarks/long_take.py`` (10 minutes, and the CPU share of 10 s and 60 s takes).

The real tray app in toggle mode with auto-stop off: F9 once, then a long recording of espeak-ng
phrases with a pause after each (so the live VAD closes one segment per phrase, transcribed while
the next is spoken), played into the virtual microphone in one piece, then F9 again. Meanwhile the
app's resident memory (``VmRSS``) is sampled every ``sample_s`` and its CPU time (every thread
and child: ``/proc/<pid>/stat``) is read when the speech starts and when it ends. At the end the
target must hold every phrase's words, in order.
"""

from __future__ import annotations

import difflib
import re
import subprocess
import threading
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dictate_app.audio.convert import MODEL_RATE
from dictate_app.audio.files import decode_file
from testkit.desktop.app_harness import APP_LIVE_TIMEOUT_S, LEAD_S, TEXT_TIMEOUT_S, settled_text, wait_for
from testkit.desktop.mic import bench_microphone_live, wait_live

# Phrases of the fixture model's corpus (tools/minisv/lexicon.py EN_TEMPLATES, without digits).
PHRASES = ("call my friend", "close the window", "please open the door", "turn on the light",
           "play music", "call my mother", "good morning", "thank you", "open the book",
           "send a message", "go home now", "we are happy", "turn off the light", "stop the music")
PAUSE_S = 1.0  # after each phrase: twice the live VAD's segment pause
PAGE = 4096


@dataclass
class TakeResult:
    """What one long take gave: the figures and the word check."""

    spoken_s: float
    phrases: list[str]
    text: str = ""
    cpu_s: float = 0.0
    rss_mb: list[tuple[float, float]] = field(default_factory=list)  # (seconds into the speech, MB)
    busy_threads_cpu_s: dict[str, float] = field(default_factory=dict)
    stop_to_text_s: float = 0.0

    @property
    def cpu_percent_of_one_core(self) -> float:
        return 100.0 * self.cpu_s / self.spoken_s

    def words_in_order(self) -> tuple[bool, str]:
        """Whether every phrase's words arrived, in order, none lost and no phrase twice; and what
        differs. A lost or doubled segment is the pipeline's fault; a single stray word is the
        recognizer's (the fixture model is tiny), so it is reported but does not fail."""
        expected = " ".join(self.phrases).split()
        got = re.sub(r"[^\w\s']", " ", self.text.lower()).split()
        missing, extra = [], []
        for op, e1, e2, g1, g2 in difflib.SequenceMatcher(None, expected, got, autojunk=False).get_opcodes():
            if op in ("delete", "replace"):
                missing.append((e1, expected[e1:e2]))
            if op in ("insert", "replace"):
                extra.append((e1, got[g1:g2]))
        # A run of stray words is a piece transcribed twice (or a segment cut in two), not a slip.
        doubled = [(at, words) for at, words in extra if len(words) > 1]
        if not missing and not extra:
            return True, ""
        where = f"{len(got)} words for {len(expected)} expected; missing {missing}; extra {extra}"
        return not missing and not doubled, where

    def rss_growth_mb(self, from_s: float = 60.0) -> float:
        """How far RSS went above its value at ``from_s`` (minute 1) afterwards; 0 for shorter takes."""
        base = next((mb for t, mb in self.rss_mb if t >= from_s), None)
        return max((mb - base for t, mb in self.rss_mb if t >= from_s), default=0.0) if base else 0.0


def phrase_audio(desktop, folder: Path) -> dict[str, np.ndarray]:
    """Each phrase once, spoken by espeak-ng (en-us), as 16 kHz float32."""
    out = {}
    for n, phrase in enumerate(PHRASES):
        path = folder / f"phrase-{n}.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(path), phrase], env=desktop.env, check=True,
                       stdout=subprocess.DEVNULL)
        out[phrase] = decode_file(path)
    return out


def long_recording(desktop, folder: Path, seconds: float) -> tuple[Path, list[str], float]:
    """A WAV of phrases (cycling through :data:`PHRASES`) with a pause after each, about
    ``seconds`` long; gives its path, the phrases in order and its exact length."""
    audio = phrase_audio(desktop, folder)
    pause = np.zeros(int(PAUSE_S * MODEL_RATE), np.float32)
    parts, phrases, total = [], [], 0
    while total < seconds * MODEL_RATE:
        phrase = PHRASES[len(phrases) % len(PHRASES)]
        phrases.append(phrase)
        parts += [audio[phrase], pause]
        total += audio[phrase].size + pause.size
    samples = np.concatenate(parts)
    path = folder / f"long-{int(seconds)}s.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(MODEL_RATE)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path, phrases, samples.size / MODEL_RATE


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` in MB (``VmRSS``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def dictate_long(desktop, app, target, folder: Path, seconds: float, sample_s: float = 10.0) -> TakeResult:
    """Press F9, speak about ``seconds`` of phrases, press F9; see the module notes."""
    from testkit.proc import TICK, cpu_ticks, descendants, thread_ticks

    wav, phrases, spoken_s = long_recording(desktop, folder, seconds)
    result = TakeResult(spoken_s, phrases)
    target.reset()
    desktop.xdotool("key", "F9")
    wait_live(lambda: bench_microphone_live(desktop), APP_LIVE_TIMEOUT_S)
    time.sleep(LEAD_S)
    pid = app.proc.pid
    procs = [pid, *descendants(pid)]
    before, threads_before = {p: cpu_ticks(p) for p in procs}, thread_ticks(pid)
    playing = desktop.speak(wav, wait=False)
    started = time.monotonic()
    done = threading.Event()

    def sample() -> None:
        while not done.wait(max(0.0, sample_s * (len(result.rss_mb) + 1) - (time.monotonic() - started))):
            result.rss_mb.append((round(time.monotonic() - started, 1), round(rss_mb(pid), 1)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    playing.wait(seconds + 120)
    done.set()
    sampler.join()
    after, threads_after = {p: cpu_ticks(p) for p in procs}, thread_ticks(pid)
    result.cpu_s = sum(after[p] - before[p] for p in procs) / TICK
    busy: dict[str, float] = {}  # by thread name, summed (Python's threads are all "python")
    for key, ticks in threads_after.items():
        name = key.split(" ", 1)[1]
        busy[name] = busy.get(name, 0.0) + (ticks - threads_before.get(key, 0)) / TICK
    # Threads that ended within the window (and child processes) count in the total only.
    busy["(ended threads, children)"] = result.cpu_s - sum(busy.values())
    result.busy_threads_cpu_s = {name: round(s, 2) for name, s in sorted(busy.items(), key=lambda kv: -kv[1]) if s > 0}
    desktop.xdotool("key", "F9")
    stopped = time.monotonic()
    wait_for(target.text, TEXT_TIMEOUT_S, "text in the target")
    result.stop_to_text_s = round(time.monotonic() - stopped, 3)
    result.text = settled_text(target)
    return result
