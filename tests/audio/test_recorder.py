"""The recorder's real capture logic, fed by a fake stream through the same callback PortAudio uses."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from dictate_app.audio import portaudio, recorder_worker
from dictate_app.audio.capture import BLOCK_S
from dictate_app.audio.convert import MODEL_RATE, resample
from dictate_app.audio.recorder import Recorder
from dictate_app.audio.vad import SileroVad
from dictate_app.errors import MicrophoneError
from tests.audio.conftest import ncc_best, ramp, silence, wait_for
from testkit.audio.acoustic import audible
from testkit.audio.fake_stream import FakeStreamFactory


def test_keep_ready_prepends_the_preroll_and_keeps_the_tail_sample_exact(make):
    source = ramp(3.0)
    factory = FakeStreamFactory(source, MODEL_RATE)
    rec = make(factory, keep_ready=True, preroll_s=0.4, tail_s=0.25, idle_block_s=BLOCK_S)
    stream = factory.stream  # opened by the constructor: the microphone is ready
    stream.pump(1.0)
    rec.start()
    stream.pump(0.5)
    future = rec.stop()
    stream.pump(0.4)
    got = future.result(timeout=5)
    # 0.4 s before key-down, the 0.5 s held, then the tail rounded up to whole 20 ms blocks.
    assert np.array_equal(got.samples, source[9_600:24_000 + 4_160])
    assert got.preroll_ms == 400 and got.tail_ms == 260
    assert got.start_latency_ms == 0 and got.lost_ms == 0
    assert not got.microphone_lost and not got.hit_max_length and got.warnings == ()
    assert got.sample_rate == MODEL_RATE and got.duration_s == pytest.approx(1.16)
    assert not stream.closed, "keep-ready leaves the stream open for the next pre-roll"


def test_on_demand_opens_at_key_down_measures_the_gap_and_closes_after(make):
    source = ramp(2.0)
    factory = FakeStreamFactory(source, MODEL_RATE, open_delay_s=0.06)
    rec = make(factory, tail_s=0.1)
    assert not factory.streams, "nothing is opened before the first key-down"
    before = portaudio.open_stream_count()
    rec.start()
    stream = factory.stream
    stream.pump(0.5)
    future = rec.stop()
    stream.pump(0.2)
    got = future.result(timeout=5)
    assert np.array_equal(got.samples, source[:8_000 + 1_600])  # from the stream's first sample
    assert got.preroll_ms == 0
    assert got.start_latency_ms >= 60
    # The first block is 20 ms long and was delivered when full: its first sample is 20 ms older.
    assert got.lost_ms == pytest.approx(got.start_latency_ms - 20, abs=2)
    wait_for(lambda: stream.closed)
    assert portaudio.open_stream_count() == before
    assert got.microphone_name == "fake microphone"


def test_the_future_resolves_only_after_the_tail(make):
    factory = FakeStreamFactory(ramp(3.0), MODEL_RATE)
    rec = make(factory, tail_s=0.5)
    rec.start()
    stream = factory.stream
    stream.pump(1.0)
    future = rec.stop()
    assert not rec.is_recording
    stream.pump(0.3)
    with pytest.raises(TimeoutError):
        future.result(timeout=0.2)
    stream.pump(0.3)
    got = future.result(timeout=5)
    assert got.tail_ms == 500 and got.duration_s == pytest.approx(1.5)


def test_level_comes_25_times_a_second_from_the_worker_thread(make):
    rate = 48_000
    t = np.arange(3 * rate) / rate
    tone = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    levels: list[tuple[float, float, str]] = []
    factory = FakeStreamFactory(tone, rate)
    rec = make(factory, tail_s=0.0,
               on_level=lambda rms, peak: levels.append((rms, peak, threading.current_thread().name)))
    rec.start()
    factory.stream.pump(2.0)
    rec.stop().result(timeout=5)
    assert len(levels) == 50
    assert all(rms == pytest.approx(0.5 / np.sqrt(2), rel=0.01) for rms, _, _ in levels)
    assert all(peak == pytest.approx(0.5, rel=0.01) for _, peak, _ in levels)
    assert {name for _, _, name in levels} == {"dictate-recorder"}


def test_48k_stereo_is_down_mixed_and_resampled_with_soxr(make):
    rate = 48_000
    t = np.arange(2 * rate) / rate
    left = (0.4 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    stereo = np.stack([left, 0.5 * left], axis=1)
    factory = FakeStreamFactory(stereo, rate)
    rec = make(factory, tail_s=0.0)
    rec.start()
    factory.stream.pump(1.5)
    got = rec.stop().result(timeout=5)
    expected = resample(0.75 * left[:72_000], rate, MODEL_RATE)
    assert got.samples.size == 24_000
    assert np.allclose(got.samples, expected, atol=1e-6)
    spectrum = np.abs(np.fft.rfft(got.samples))
    assert np.fft.rfftfreq(got.samples.size, 1 / MODEL_RATE)[np.argmax(spectrum)] == pytest.approx(1000, abs=2)


def test_max_length_warns_before_and_stops_at_the_limit(make):
    warnings: list[str] = []
    factory = FakeStreamFactory(ramp(5.0), MODEL_RATE)
    rec = make(factory, max_s=2.0, on_warning=warnings.append)
    rec.start()
    stream = factory.stream
    stream.pump(1.7)  # past the warning point: 80 % of a short limit (15 s before a long one)
    wait_for(lambda: len(warnings) == 1)
    assert warnings[0].startswith("the recording stops in 0.4 s (limit 2.0 s)")
    stream.pump(0.5)
    wait_for(lambda: not rec.is_recording)
    assert "limit" in warnings[1]
    got = rec.stop().result(timeout=5)
    assert got.hit_max_length and got.duration_s == 2.0
    assert np.array_equal(got.samples, ramp(5.0)[:32_000])


def test_a_device_that_vanishes_keeps_what_was_captured_and_says_so(make):
    warnings: list[str] = []
    factory = FakeStreamFactory(ramp(3.0), MODEL_RATE)
    rec = make(factory, on_warning=warnings.append)
    rec.start()
    stream = factory.stream
    stream.pump(0.8)
    stream.lose()  # PortAudio's finished_callback
    wait_for(lambda: not rec.is_recording)
    assert len(warnings) == 1 and "0.8 s recorded so far are kept" in warnings[0]
    got = rec.stop().result(timeout=5)
    assert got.microphone_lost
    assert np.array_equal(got.samples, ramp(3.0)[:12_800])
    assert got.warnings == tuple(warnings)


def test_a_device_that_silently_stops_delivering_is_noticed(make, monkeypatch):
    # Short enough for a quick test, long enough that a busy machine's scheduling hiccup
    # between 10 ms blocks is not taken for a lost device.
    monkeypatch.setattr(recorder_worker, "STALL_S", 0.5)
    warnings: list[str] = []
    factory = FakeStreamFactory(ramp(3.0), MODEL_RATE, realtime=True, speed=2.0,
                                lose_after_s=1.0, lose_silently=True)
    rec = make(factory, on_warning=warnings.append)
    rec.start()
    wait_for(lambda: not rec.is_recording)
    got = rec.stop().result(timeout=5)
    assert got.microphone_lost and "stopped delivering audio" in warnings[0]
    assert got.duration_s == pytest.approx(1.0, abs=0.021)


def test_a_device_that_fails_to_open_gives_one_sentence(make):
    warnings: list[str] = []
    factory = FakeStreamFactory(ramp(1.0), MODEL_RATE,
                                fail_on_start=RuntimeError("Error opening InputStream: Device unavailable"))
    rec = make(factory, microphone="USB mic", on_warning=warnings.append)
    rec.start()
    future = rec.stop()
    with pytest.raises(MicrophoneError, match='microphone "USB mic" could not be opened'):
        future.result(timeout=5)
    assert len(warnings) == 1
    with pytest.raises(MicrophoneError):
        Recorder(stream_factory=factory, keep_ready=True)


def test_cancel_drops_the_take_and_releases_the_microphone(make):
    factory = FakeStreamFactory(ramp(2.0), MODEL_RATE)
    rec = make(factory)
    rec.start()
    stream = factory.stream
    stream.pump(0.5)
    rec.cancel()
    wait_for(lambda: stream.closed)
    with pytest.raises(RuntimeError, match="without a recording"):
        rec.stop().result(timeout=5)


def test_a_new_press_during_the_tail_ends_the_previous_take_and_starts_another(make):
    factory = FakeStreamFactory(ramp(4.0), MODEL_RATE)
    rec = make(factory, keep_ready=True, preroll_s=0.0, tail_s=0.5, idle_block_s=BLOCK_S)
    stream = factory.stream
    rec.start()
    stream.pump(0.5)
    first = rec.stop()
    stream.pump(0.1)
    rec.start()
    second_start = first.result(timeout=5)
    assert second_start.tail_ms == 100
    stream.pump(0.3)
    second = rec.stop()
    stream.pump(0.6)
    assert second.result(timeout=5).duration_s == pytest.approx(0.8)


def test_live_segments_are_emitted_when_the_vad_closes_them(make, speech_16k):
    segments: list[np.ndarray] = []
    audio = np.concatenate([silence(0.5), speech_16k, silence(1.0), speech_16k, silence(1.0)])
    factory = FakeStreamFactory(resample(audio, MODEL_RATE, 48_000), 48_000)
    rec = make(factory, tail_s=0.0, on_segment=segments.append, segment_silence_s=0.5)
    # Silero loads beside the capture loop (audio waits for it meanwhile); pumping seconds of
    # audio in an instant would end the take before the VAD ever ran.
    wait_for(lambda: rec._worker.speech_stream is not None and rec._worker.speech_stream.loaded,
             timeout=60)
    rec.start()
    factory.stream.pump(audio.size / MODEL_RATE)
    got = rec.stop().result(timeout=30)
    assert len(segments) == 2
    # The words between their acoustic ends (a live segment keeps only 64 ms after its speech).
    words = audible(speech_16k)
    for segment in segments:
        score, _ = ncc_best(segment, words)
        assert score > 0.99, "each segment holds one whole utterance"
        assert segment.size < words.size + 0.5 * MODEL_RATE, "and not much more"
    assert got.duration_s == pytest.approx(audio.size / MODEL_RATE, abs=0.02)


def test_keep_ready_reopens_a_microphone_lost_between_recordings(make):
    warnings: list[str] = []
    factory = FakeStreamFactory(ramp(3.0), MODEL_RATE)
    rec = make(factory, keep_ready=True, on_warning=warnings.append, idle_block_s=BLOCK_S)
    first = factory.stream
    first.pump(0.5)
    first.lose()
    wait_for(lambda: len(warnings) == 1)
    assert "opened again at the next key press" in warnings[0]
    rec.start()
    wait_for(lambda: len(factory.streams) == 2)
    second = factory.stream
    second.pump(0.5)
    got = rec.stop()
    second.pump(0.3)
    recording = got.result(timeout=5)
    assert recording.preroll_ms == 0 and recording.start_latency_ms > 0  # reopened on demand
    assert not recording.microphone_lost and not second.closed  # and kept ready again afterwards


@pytest.fixture(scope="module")
def words_16k(speech_16k) -> np.ndarray:
    """The speech without espeak's own leading and trailing silence."""
    (span,) = SileroVad().speech_spans(speech_16k)
    return speech_16k[span.start:span.end]


def ready_vad(factory, make, **kwargs) -> Recorder:
    rec = make(factory, live_vad=True, **kwargs)
    wait_for(lambda: rec._worker.speech_stream is not None and rec._worker.speech_stream.loaded, timeout=60)
    return rec


def test_segment_consumers_given_to_start_get_that_take_only(make, words_16k):
    audio = np.concatenate([silence(0.3), words_16k, silence(0.8)])
    factory = FakeStreamFactory(audio, MODEL_RATE)  # each stream opened replays it from the start
    rec = ready_vad(factory, make, tail_s=0.0)
    first, second = [], []
    for n, consumer in enumerate((first, second)):
        rec.start(on_segment=consumer.append)
        wait_for(lambda: len(factory.streams) == n + 1)
        factory.stream.pump(audio.size / MODEL_RATE)
        recording = rec.stop().result(timeout=30)
        assert recording.segmented and not recording.tail_has_speech
    assert len(first) == 1 and len(second) == 1
    assert ncc_best(second[0], words_16k)[0] > 0.99


def test_the_tail_is_skipped_when_the_vad_already_heard_that_much_silence(make, words_16k):
    audio = np.concatenate([silence(0.3), words_16k, silence(0.6)])
    factory = FakeStreamFactory(audio, MODEL_RATE)
    rec = ready_vad(factory, make, tail_s=0.25)
    rec.start()
    wait_for(lambda: factory.streams)
    factory.stream.pump(audio.size / MODEL_RATE)
    recording = rec.stop().result(timeout=30)  # no more audio needed
    assert recording.tail_ms == 0 and recording.samples.size == audio.size


def test_a_release_mid_word_keeps_the_whole_tail_and_a_short_pause_keeps_the_rest(make, words_16k):
    for after_s, expected_ms in ((0.0, (250, 280)), (0.15, (60, 230))):
        audio = np.concatenate([silence(0.3), words_16k, silence(after_s)])
        factory = FakeStreamFactory(np.concatenate([audio, silence(1.0)]), MODEL_RATE)
        rec = ready_vad(factory, make, tail_s=0.25)
        rec.start()
        wait_for(lambda: factory.streams)
        factory.stream.pump(audio.size / MODEL_RATE)
        future = rec.stop()
        factory.stream.pump(0.3)
        recording = future.result(timeout=30)
        assert expected_ms[0] <= recording.tail_ms <= expected_ms[1], (after_s, recording.tail_ms)


def test_without_a_live_vad_the_recording_is_not_segmented(make):
    factory = FakeStreamFactory(ramp(1.0), MODEL_RATE)
    rec = make(factory, tail_s=0.0)
    rec.start()
    wait_for(lambda: factory.streams)
    factory.stream.pump(0.5)
    assert not rec.stop().result(timeout=5).segmented


def test_a_take_that_drops_spoken_audio_has_no_length_limit_and_keeps_only_the_unsent_rest(make, words_16k):
    # Eight sentences with pauses, 48 kHz like most microphones: 3x the 10 s limit of this recorder.
    phrase = np.concatenate([words_16k, silence(1.0)])
    audio = np.concatenate([silence(0.5)] + [phrase] * 8 + [words_16k[: words_16k.size // 2]])
    at48 = resample(audio, MODEL_RATE, 48_000)
    results = {}
    for drop in (True, False):
        factory = FakeStreamFactory(at48, 48_000)
        rec = ready_vad(factory, make, tail_s=0.0, max_s=10.0)
        segments: list[np.ndarray] = []
        kept: list[int] = []
        rec.start(on_segment=segments.append, drop_spoken=drop)
        wait_for(lambda: factory.streams)
        for _ in range(int(audio.size / MODEL_RATE / 0.5)):
            factory.stream.pump(0.5)
            kept.append(rec._worker.take.kept_samples() if rec._worker.take is not None else 0)
        factory.stream.pump(audio.size / MODEL_RATE % 0.5)
        results[drop] = (rec.stop().result(timeout=30), segments, max(kept))
    dropped, segments, most_kept = results[True]
    assert not dropped.hit_max_length and len(segments) == 8
    # Memory: never more than one phrase and a second in hand, however long the take.
    assert most_kept < (phrase.size / MODEL_RATE + 1.0) * 48_000, most_kept / 48_000
    assert dropped.duration_s == pytest.approx(audio.size / MODEL_RATE, abs=0.05)
    assert dropped.head_dropped > 20 * MODEL_RATE and dropped.samples.size < 4 * MODEL_RATE
    # The kept rest is exactly the end of the whole take (the same samples, the same positions).
    undropped = FakeStreamFactory(at48, 48_000)
    whole_rec = ready_vad(undropped, make, tail_s=0.0, max_s=100.0)
    whole_rec.start()
    wait_for(lambda: undropped.streams)
    undropped.stream.pump(audio.size / MODEL_RATE)
    whole = whole_rec.stop().result(timeout=30)
    assert np.array_equal(dropped.samples, whole.samples[dropped.head_dropped:])
    assert dropped.tail_start + dropped.head_dropped == whole.tail_start and dropped.tail_has_speech
    assert ncc_best(dropped.samples[dropped.tail_start:], words_16k[: words_16k.size // 2])[0] > 0.99
    # Without dropping (a take that cannot be incremental) today's bound and warning stay.
    bounded = results[False][0]
    assert bounded.hit_max_length and bounded.duration_s == pytest.approx(10.0, abs=0.03)
    assert any("limit" in warning for warning in bounded.warnings)


def test_on_pause_reports_the_silence_after_the_speech(make, words_16k):
    audio = np.concatenate([silence(1.0), words_16k, silence(2.0)])
    factory = FakeStreamFactory(audio, MODEL_RATE)
    rec = ready_vad(factory, make, tail_s=0.0)
    pauses: list[tuple[float, bool]] = []
    rec.start(on_pause=lambda silence_s, heard: pauses.append((silence_s, heard)))
    wait_for(lambda: factory.streams)
    factory.stream.pump(0.9)
    wait_for(lambda: len(pauses) >= 45)
    before = pauses[-1]
    factory.stream.pump(audio.size / MODEL_RATE - 0.9)
    rec.stop().result(timeout=30)
    assert before[1] is False and 0.7 < before[0] <= 0.9, "no speech yet: silence since the start"
    assert pauses[-1][1] is True
    # The end of the words to the end of the audio, less what espeak kept silent inside its span.
    assert 1.7 < pauses[-1][0] <= 2.1, pauses[-1]
    assert min(s for s, heard in pauses if heard) == 0.0, "mid-speech: no silence"


def test_keep_ready_preroll_includes_the_blocks_held_back_while_idle(make):
    source = ramp(2.0)
    factory = FakeStreamFactory(source, MODEL_RATE)
    rec = make(factory, keep_ready=True, preroll_s=0.4, tail_s=0.0, idle_block_s=BLOCK_S)
    stream = factory.stream
    # 15 blocks of 20 ms: the worker got one batch of 10; the newest 5 (100 ms) are held back.
    stream.pump(0.3)
    rec.start()
    stream.pump(0.2)
    future = rec.stop()
    stream.pump(0.02)
    got = future.result(timeout=5)
    # The pre-roll is all 0.3 s before key-down (less than preroll_s), the held 100 ms included.
    assert np.array_equal(got.samples[:8_000], source[:8_000])
    assert got.preroll_ms == 300


def test_with_a_segment_consumer_the_tail_ends_once_the_open_segment_is_complete(make, words_16k):
    """The incremental path transcribes the tail only to ``tail_end``: once the pause after the last
    word has begun, more tail only delays the text. The open segment is the same either way."""
    audio = np.concatenate([silence(0.3), words_16k])  # released right at the last word
    got = {}
    for consumer in (None, []):
        factory = FakeStreamFactory(np.concatenate([audio, silence(1.0)]), MODEL_RATE)
        rec = ready_vad(factory, make, tail_s=0.25)
        rec.start(on_segment=None if consumer is None else consumer.append)
        wait_for(lambda: factory.streams)
        factory.stream.pump(audio.size / MODEL_RATE)
        future = rec.stop()
        for _ in range(20):  # 20 ms blocks, as a device delivers them
            if future.done():
                break
            factory.stream.pump(0.02)
        got[consumer is not None] = recording = future.result(timeout=30)
        assert recording.tail_end is not None and recording.tail_end <= recording.samples.size
    early, full = got[True], got[False]
    assert full.tail_ms >= 250 and 0 < early.tail_ms <= 200, (early.tail_ms, full.tail_ms)
    assert np.array_equal(early.samples[early.tail_start:early.tail_end], full.samples[full.tail_start:full.tail_end])


def test_with_a_segment_consumer_a_release_mid_word_still_waits_for_the_word(make, words_16k):
    cut = words_16k.size - int(0.3 * MODEL_RATE)  # the key comes up 0.3 s before the last word ends
    audio = np.concatenate([silence(0.3), words_16k, silence(1.0)])
    factory = FakeStreamFactory(audio, MODEL_RATE)
    rec = ready_vad(factory, make, tail_s=0.5)
    rec.start(on_segment=[].append)
    wait_for(lambda: factory.streams)
    factory.stream.pump((int(0.3 * MODEL_RATE) + cut) / MODEL_RATE)
    future = rec.stop()
    while not future.done():
        factory.stream.pump(0.02)
    recording = future.result(timeout=30)
    words_end = int(0.3 * MODEL_RATE) + words_16k.size
    assert recording.tail_ms >= 300 and recording.tail_end >= words_end
