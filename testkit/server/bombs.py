"""Issue 20's hostile audio against a real ``dictate-app serve`` process, and how its memory is read.

Shared by ``tests/server/test_serve_bombs.py`` (asserts the statuses and the memory bound) and
``benchmarks/decode_bombs.py`` (writes the table). Every file is generated here, in memory.
Memory comes from the server's own ``/proc/<pid>/status``: ``VmHWM`` (peak resident set) is
reset to the current ``VmRSS`` before each case by writing ``5`` to ``/proc/<pid>/clear_refs``
(Linux 4.0+), so a case's peak is its own.
"""

from __future__ import annotations

import base64
import functools
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from testkit.audio.bombs import FLAC_MAX_RATE, encode, ogg_bomb, silent_file, with_unknown_length


@dataclass(frozen=True)
class Case:
    """One request (or several sent at once) and what a bounded server must answer."""

    name: str
    build: Callable[[], list[bytes]]  # the file(s) to send; more than one: sent at the same time
    status: int  # what every request of the case must get
    words: str  # in every answer's error message (or, for a 200, its text); "" checks nothing more


@functools.lru_cache(maxsize=None)
def _flac_655k_30s() -> bytes:
    return silent_file(8, FLAC_MAX_RATE, 30)  # 171 KB, as in the issue


@functools.lru_cache(maxsize=None)
def _flac_655k_299s() -> bytes:
    return silent_file(8, FLAC_MAX_RATE, 299)  # 1.7 MB


@functools.lru_cache(maxsize=None)
def _ogg_255ch() -> bytes:
    return ogg_bomb(255, 48_000, 10)  # 35 KB


@functools.lru_cache(maxsize=None)
def _flac_384k_299s() -> bytes:
    return silent_file(8, 384_000, 299)  # the largest file the limits let through


@functools.lru_cache(maxsize=None)
def _ogg_32ch() -> bytes:
    return ogg_bomb(32, 48_000, 60)  # the most channels the limits let through


@functools.lru_cache(maxsize=None)
def _flac_unknown_400s() -> bytes:
    return with_unknown_length(silent_file(8, 384_000, 400))


def speech_flac_of_unknown_length(wav: bytes) -> bytes:
    """A speech WAV as FLAC whose header says the length is unknown (a streaming encoder's)."""
    import io

    import soundfile

    samples, rate = soundfile.read(io.BytesIO(wav), dtype="float32")
    return with_unknown_length(encode(samples, rate, "FLAC"))


def cases(speech_wav: bytes, expected_text: str) -> list[Case]:
    """Smallest first. ``speech_wav``/``expected_text``: a phrase the model recognizes, for the
    legal unknown-length FLAC."""
    issue = [_flac_655k_30s, _ogg_255ch, _flac_655k_299s]
    return [
        Case("unknown-length FLAC of speech (legal)", lambda: [speech_flac_of_unknown_length(speech_wav)],
             200, expected_text),
        Case("FLAC 8 ch x 655,350 Hz x 30 s (171 KB)", lambda: [_flac_655k_30s()], 400, "655350 Hz"),
        Case("Ogg Vorbis 255 ch x 48 kHz x 10 s", lambda: [_ogg_255ch()], 400, "255 channels"),
        Case("FLAC 8 ch x 655,350 Hz x 299 s (1.7 MB)", lambda: [_flac_655k_299s()], 400, "655350 Hz"),
        Case("the three bombs above at once", lambda: [f() for f in issue], 400, ""),
        Case("Ogg Vorbis 32 ch x 48 kHz x 60 s (most channels accepted)", lambda: [_ogg_32ch()], 200, ""),
        Case("FLAC 8 ch x 384 kHz x 299 s (largest accepted)", lambda: [_flac_384k_299s()], 200, ""),
        Case("three of the largest accepted at once", lambda: [_flac_384k_299s()] * 3, 200, ""),
        Case("unknown-length FLAC 8 ch x 384 kHz x 400 s", lambda: [_flac_unknown_400s()], 413,
             "longer than 300 s"),
    ]


def vm_kb(pid: int, field: str) -> int:
    """A ``VmRSS``/``VmHWM``-style field of ``/proc/<pid>/status``, in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def reset_peak(pid: int) -> int:
    """Reset the process's ``VmHWM`` to its current RSS; returns that RSS (kB)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    return vm_kb(pid, "VmRSS")


def post_asr(url: str, audio: bytes, timeout: float = 600) -> tuple[int, dict]:
    import requests

    response = requests.post(f"{url}/asr", json={"wav": base64.b64encode(audio).decode()}, timeout=timeout)
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, {"not_json": response.text[:200]}


def run_case(url: str, pid: int, files: list[bytes], idle_kb: int) -> dict:
    """Send ``files`` (all at once) and measure: statuses, bodies, wall time, and the server's peak
    RSS above ``idle_kb``."""
    reset_peak(pid)
    started = time.perf_counter()
    with ThreadPoolExecutor(len(files)) as pool:
        answers = list(pool.map(lambda audio: post_asr(url, audio), files))
    seconds = time.perf_counter() - started
    peak_kb = vm_kb(pid, "VmHWM")
    return {
        "statuses": [status for status, _ in answers],
        "bodies": [body for _, body in answers],
        "seconds": round(seconds, 3),
        "peak_mb_above_idle": round((peak_kb - idle_kb) / 1024, 1),
        "file_kb": [round(len(f) / 1024, 1) for f in files],
    }


def message(body: dict) -> str:
    """The sentence of a JSON error, or the text of a 200 answer."""
    if "error" in body:
        return body["error"]["message"]
    return body.get("res", body.get("not_json", ""))
