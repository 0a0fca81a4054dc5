"""Two PortAudio streams on the bench's real PulseAudio microphone, lined up as the recorder's
hand-over does it (:mod:`dictate_app.audio.handover`, issue 26's idle CPU).

A stream kept ready between recordings uses 200 ms blocks (0.20 % of a core instead of 0.67 % at
20 ms) and a 20 ms stream takes over at key-down. The take stays continuous only if the recorder
can tell which sample of the idle stream the new stream's first sample is. Its rule: a block's first
sample was captured at PortAudio's ``inputBufferAdcTime``; a stream's sample ``i`` at
``offset + i / rate``, ``offset`` the median over its blocks, the new stream's first block left out.
No fakes: low-passed noise is played into the microphone and the truth comes from the audio itself
(normalised cross-correlation).

Measured here: the rule is within 0.2 ms of the truth; the new stream's **first** block's ADC time
alone is up to 19 ms late (PulseAudio through ALSA's pulse plugin), and arrival times less the block
length are 6-173 ms off (so the recorder does not hand over a stream without ADC times). The
recorder's own takes, against one 20 ms stream hearing the same noise, miss or repeat 0-1 samples at
16 kHz. Only PulseAudio was measured. Figures go to ``test-artifacts/stream-alignment.json`` and
``stream-handover.json``.
"""

from __future__ import annotations

import json
import statistics
import time

import numpy as np
import soundfile

from dictate_app.audio import portaudio
from tests.audio.conftest import lowpassed_noise, ncc_best

LARGE_S, SMALL_S = 0.2, 0.02
HANDOVERS = 6
# A hand-over that puts the small stream's first sample within this of where it is adds or drops
# at most this much audio at the seam: inaudible, and far below a 20 ms block.
TOLERANCE_MS = 2.0


class _Blocks:
    """What a recorder's callback keeps of each block: the samples, arrival and ADC time."""

    def __init__(self) -> None:
        self.blocks: list[tuple[np.ndarray, float, float]] = []  # samples, arrival, ADC time

    def callback(self, indata, frames, time_info, status) -> None:
        now = time.monotonic()
        self.blocks.append((np.frombuffer(bytes(indata), np.float32), now, float(time_info.inputBufferAdcTime)))

    def audio(self) -> np.ndarray:
        return np.concatenate([b[0] for b in self.blocks])

    def offset(self, rate: int, skip_first: bool, adc: bool = True) -> float:
        """The time of sample 0: the median over blocks of (first-sample time - index/rate), the
        first-sample time being the ADC time, or (``adc=False``) the arrival less the block length."""
        start, offsets = 0, []
        for samples, arrival, adc_time in self.blocks:
            offsets.append((adc_time if adc else arrival - samples.size / rate) - start / rate)
            start += samples.size
        return statistics.median(offsets[1:] if skip_first else offsets)


def test_two_streams_line_up_by_their_adc_times_within_two_ms(desktop, tmp_path):
    """The rule itself, on raw PortAudio streams (200 ms and 20 ms blocks)."""
    sd = portaudio.sounddevice()
    device = portaudio.find_input_device("pulse")
    rate = int(device.default_rate)
    soundfile.write(tmp_path / "noise.wav", lowpassed_noise(20, rate, seed=11), rate)
    player = desktop.speak(tmp_path / "noise.wav", wait=False)
    large = _Blocks()
    idle = sd.RawInputStream(device=device.index, samplerate=rate, channels=1, dtype="float32",
                             blocksize=int(rate * LARGE_S), callback=large.callback)
    results = []
    try:
        idle.start()
        time.sleep(1.2)
        for _ in range(HANDOVERS):
            small = _Blocks()
            key_down = time.monotonic()
            taking = sd.RawInputStream(device=device.index, samplerate=rate, channels=1, dtype="float32",
                                       blocksize=int(rate * SMALL_S), callback=small.callback)
            taking.start()
            time.sleep(0.8)  # the large stream runs 0.25-0.37 s behind: let it cover the overlap
            taking.close()
            a, b = large.audio(), small.audio()
            score, truth = ncc_best(a, b[:rate // 10])
            a_offset = large.offset(rate, skip_first=False)
            estimate = (small.offset(rate, skip_first=True) - a_offset) * rate
            first_only = (small.blocks[0][2] - a_offset) * rate
            by_arrival = (small.offset(rate, True, adc=False) - large.offset(rate, False, adc=False)) * rate
            results.append({
                "ncc": round(score, 4), "truth_sample": truth,
                "error_ms": round((estimate - truth) * 1000 / rate, 3),
                "error_first_block_only_ms": round((first_only - truth) * 1000 / rate, 3),
                "error_by_arrival_ms": round((by_arrival - truth) * 1000 / rate, 3),
                "first_block_after_key_down_ms": round((small.blocks[0][1] - key_down) * 1000, 1),
            })
            time.sleep(0.4)
    finally:
        idle.close()
        player.kill()
    desktop.artifact("stream-alignment.json").write_text(json.dumps(
        {"rate": rate, "large_block_s": LARGE_S, "small_block_s": SMALL_S, "handovers": results}, indent=1))
    assert all(r["ncc"] > 0.9 for r in results), results  # the truth itself is trustworthy
    assert all(abs(r["error_ms"]) <= TOLERANCE_MS for r in results), results


def _locate(reference: np.ndarray, recording: np.ndarray, window: int) -> tuple[int, float]:
    """Where the first and last ``window`` samples of ``recording`` lie in ``reference``: the audio
    missing (+) or repeated (-) between them, in samples, and the worse of the two correlations."""
    head_score, head = ncc_best(reference, recording[:window])
    tail_score, tail = ncc_best(reference, recording[-window:])
    return (tail - head) - (recording.size - window), min(head_score, tail_score)


def test_a_take_handed_over_to_a_20_ms_stream_has_no_gap_or_repeat_against_one_stream(desktop, tmp_path):
    """The recorder's own hand-over (idle stream with 200 ms blocks, 20 ms stream from key-down)
    against a reference recorder on one 20 ms stream hearing the same noise: the whole take, pre-roll
    to tail, lies in the reference without a sample missing or repeated beyond 1 ms."""
    from dictate_app.audio.capture import BLOCK_S
    from dictate_app.audio.convert import MODEL_RATE
    from testkit.desktop.mic import ready_recorder

    soundfile.write(tmp_path / "noise.wav", lowpassed_noise(12, 48_000, seed=5), 48_000)
    results = []
    player = desktop.speak(tmp_path / "noise.wav", wait=False)
    reference = ready_recorder(True, preroll_s=1.0, tail_s=0.6, idle_block_s=BLOCK_S)
    handed = ready_recorder(True, preroll_s=0.4, tail_s=0.1)
    try:
        time.sleep(1.0)
        for _ in range(3):
            handed.start()
            reference.start()
            time.sleep(0.7)
            got = handed.stop().result(timeout=10)
            ref = reference.stop().result(timeout=10)
            missing, score = _locate(ref.samples, got.samples, MODEL_RATE // 10)
            results.append({"missing_samples_16k": int(missing), "ncc": round(score, 4),
                            "preroll_ms": got.preroll_ms, "duration_s": round(got.duration_s, 3),
                            "start_latency_ms": got.start_latency_ms, "lost_ms": got.lost_ms})
            time.sleep(0.8)  # the idle stream comes back and fills the next pre-roll
    finally:
        handed.close()
        reference.close()
        player.kill()
    desktop.artifact("stream-handover.json").write_text(json.dumps({"takes": results}, indent=1))
    assert all(r["ncc"] > 0.9 for r in results), results
    assert all(abs(r["missing_samples_16k"]) <= MODEL_RATE // 1000 for r in results), results
    assert all(r["preroll_ms"] == 400 and r["start_latency_ms"] == 0 and r["lost_ms"] == 0 for r in results)
