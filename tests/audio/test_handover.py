"""The hand-over from a stream kept ready with 200 ms blocks to the 20 ms stream of a recording.

Pure placement (:class:`Timeline`, :func:`join_index`) and the recorder's real logic fed by fake
streams on one shared timeline (``FakeStreamFactory(shared_timeline=True)``): every open, close and
join is checked against the exact samples of a ramp, where any gap or duplicate shows.
The real PulseAudio figures are in tests/desktop/test_stream_alignment.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from dictate_app.audio.convert import MODEL_RATE
from dictate_app.audio.handover import HandOver, Timeline, join_index
from tests.audio.conftest import ramp, wait_for
from testkit.audio.fake_stream import FakeStreamFactory

RATE = MODEL_RATE
LAG = 208  # the 20 ms stream's first sample: 13 ms after the world's position when it opens


# ---- placement --------------------------------------------------------------------------------

def test_the_new_streams_first_block_is_left_out_and_adc_times_win_when_both_have_them():
    idle, new = Timeline(RATE), Timeline(RATE, skip_first=True)
    for k in range(3):  # 200 ms blocks from ADC time 10.0, arriving 0.3 s late
        idle.add(3200, arrival=50.5 + 0.2 * k, age=0.3, adc=10.0 + 0.2 * k)
    # The new stream starts at idle sample 4000 (ADC 10.25); its first block claims 19 ms later.
    new.add(320, arrival=60.0, age=0.0, adc=10.25 + 0.019)
    assert join_index(idle, new) is None  # not placed yet: the first block alone is not trusted
    for k in range(1, 4):
        new.add(320, arrival=70.0, age=0.0, adc=10.25 + 0.02 * k)
    assert join_index(idle, new) == pytest.approx(4000)


def test_without_adc_times_or_with_different_rates_there_is_no_join():
    idle, new = Timeline(RATE), Timeline(RATE, skip_first=True)
    for k in range(3):
        idle.add(3200, arrival=20.3 + 0.2 * k, age=0.3, adc=0.0)  # PortAudio gave no ADC time
        new.add(320, arrival=20.1 + 0.02 * k, age=0.02, adc=30.0 + 0.02 * k)
    assert not idle.has_adc() and join_index(idle, new) is None
    other = Timeline(48_000)
    other.add(960, 0.0, 0.02, adc=1.0)
    other.add(960, 0.0, 0.02, adc=1.02)
    assert other.has_adc() and join_index(new, other) is None


def test_the_join_waits_for_the_idle_stream_and_splits_pre_roll_from_after_key_down():
    source = ramp(2.0)
    idle = Timeline(RATE)
    for k in range(3):
        idle.add(3200, 0.0, -1.0, adc=100.0 + 0.2 * k)
    ring = [source[3200:6400], source[6400:9600]]
    handover = HandOver(None, 1, None, idle, ring, RATE, t_start=0.0)  # arrivals at 0: key-down before
    for k in range(4):  # the new stream starts at sample 10_000 (after what the ring holds)
        handover.add_new(source[10_000 + 320 * k:10_320 + 320 * k], 0.0, -1.0, 100.0 + (10_000 + 320 * k) / RATE,
                         False)
    assert handover.join(preroll=4000) is None  # the idle stream has not reached 10_000 yet
    handover.add_idle(source[9600:12_800], 0.0, -1.0, 100.0 + 9600 / RATE)
    head, preroll = handover.join(preroll=4000)
    assert np.array_equal(head, source[5600:10_000]) and preroll == 4000


# ---- the recorder ---------------------------------------------------------------------------------

def shared(seconds: float = 6.0, **kwargs) -> tuple[np.ndarray, FakeStreamFactory]:
    source = ramp(seconds)
    return source, FakeStreamFactory(source, RATE, shared_timeline=True, open_lag_s=LAG / RATE, **kwargs)


def key_down(rec, factory, streams: int) -> None:
    rec.start()
    wait_for(lambda: len(factory.streams) == streams)


def kept_ready(make, tail_s: float = 0.0, **factory_kwargs):
    """A keep-ready recorder (0.4 s pre-roll) on a shared timeline, its idle stream run for 1 s."""
    source, factory = shared(**factory_kwargs)
    rec = make(factory, keep_ready=True, preroll_s=0.4, tail_s=tail_s)
    idle = factory.stream
    factory.advance(1.0)
    return source, factory, rec, idle


def test_keep_ready_idles_on_200_ms_blocks_and_the_take_is_continuous_across_the_hand_over(make):
    source, factory = shared()
    rec = make(factory, keep_ready=True, preroll_s=0.4, tail_s=0.25)
    idle = factory.stream
    assert idle.block_frames == 3200
    factory.advance(1.0)
    key_down(rec, factory, 2)
    recording = factory.streams[1]
    assert recording.block_frames == 320 and not idle.closed  # both open until the join
    factory.advance(0.5)
    wait_for(lambda: idle.closed)  # joined: the idle stream is closed
    future = rec.stop()
    factory.advance(0.4)
    got = future.result(timeout=5)
    # 0.4 s before key-down from the idle stream to the 20 ms stream's first sample (16_000 + LAG),
    # then the 20 ms stream: no sample missing or repeated at the join; the tail in whole blocks.
    end = 16_000 + LAG + 320 * (24 + 13)  # 24 blocks by key-up, then 13 blocks of tail
    assert np.array_equal(got.samples, source[9_600:end])
    assert got.preroll_ms == 400 and got.tail_ms == 260
    assert got.start_latency_ms == 0 and got.lost_ms == 0 and got.warnings == ()
    # After the take the 20 ms stream makes way for a new idle one.
    wait_for(lambda: len(factory.streams) == 3 and recording.closed)
    assert factory.open_streams == [factory.streams[2]] and factory.streams[2].block_frames == 3200
    rec.close()
    assert all(stream.closed for stream in factory.streams)


def test_the_level_meter_moves_from_the_first_20_ms_block_not_from_the_join_and_once_per_sample(make):
    source, factory = shared()
    levels = []
    rec = make(factory, keep_ready=True, preroll_s=0.4, tail_s=0.0, on_level=lambda rms, peak: levels.append(peak))
    idle = factory.stream
    factory.advance(1.0)
    key_down(rec, factory, 2)
    factory.advance(0.1)  # five 20 ms blocks; the idle stream's next 200 ms block is not full yet
    wait_for(lambda: len(levels) == 2)  # 1600 samples: two 40 ms windows
    assert not idle.closed  # before the join
    first = 16_000 + LAG  # the 20 ms stream's first sample: the windows measure its audio
    assert levels == pytest.approx([source[first + 639], source[first + 1279]])
    factory.advance(0.3)
    wait_for(lambda: idle.closed)
    got = rec.stop().result(timeout=5)
    # Every window of the 20 ms stream's audio measured once: none again at the join.
    measured = (got.samples.size - (first - 9_600)) // 640
    assert len(levels) == measured and levels[1] == pytest.approx(source[first + 1279])


def test_a_short_tap_before_the_join_keeps_the_key_up_after_the_audio_before_it(make):
    source, factory, rec, _ = kept_ready(make, tail_s=0.25)
    key_down(rec, factory, 2)
    future = rec.stop()  # key up before any block of the 20 ms stream: its audio is all tail
    factory.advance(0.5)
    got = future.result(timeout=5)
    assert np.array_equal(got.samples, source[9_600:16_000 + LAG + 4160])
    assert got.preroll_ms == 400 and got.tail_ms == 260


def test_cancel_before_the_join_keeps_the_idle_stream_and_its_ring(make):
    source, factory, rec, idle = kept_ready(make)
    key_down(rec, factory, 2)
    rec.cancel()
    wait_for(lambda: factory.streams[1].closed)
    assert not idle.closed
    factory.advance(0.4)
    key_down(rec, factory, 3)  # the same idle stream, its pre-roll continuous
    factory.advance(0.5)
    got = rec.stop().result(timeout=5)
    assert np.array_equal(got.samples[:6_400 + LAG], source[16_000:22_400 + LAG])
    assert got.preroll_ms == 400


def test_a_second_stream_that_fails_to_open_leaves_one_20_ms_stream_from_then_on(make):
    source, factory, rec, idle = kept_ready(make)
    factory.fail_next = RuntimeError("Device unavailable")  # ALSA hardware opens only once
    rec.start()
    factory.advance(0.6)
    got = rec.stop().result(timeout=5)
    factory.advance(0.2)
    # This take came from the idle stream (200 ms blocks), still without a gap ...
    assert np.array_equal(got.samples, source[9_600:9_600 + got.samples.size]) and got.preroll_ms == 400
    # ... and from now on one 20 ms stream, as before the hand-over existed.
    wait_for(lambda: idle.closed and len(factory.streams) == 2)
    assert factory.streams[1].block_frames == 320 and not factory.streams[1].closed


def test_an_idle_stream_lost_during_the_hand_over_keeps_what_it_gave(make):
    source, factory, rec, idle = kept_ready(make)
    key_down(rec, factory, 2)
    idle.lose()
    factory.advance(0.3)
    got = rec.stop().result(timeout=5)
    # Its audio to the end (16_000), then the 20 ms stream's: the 13 ms between are not there.
    assert np.array_equal(got.samples[:6_400], source[9_600:16_000])
    assert np.array_equal(got.samples[6_400:], source[16_000 + LAG:16_000 + LAG + got.samples.size - 6_400])
    assert not got.microphone_lost


def test_a_take_started_again_at_once_hands_over_from_the_new_idle_stream(make):
    source, factory, rec, _ = kept_ready(make, tail_s=0.5)
    key_down(rec, factory, 2)
    factory.advance(0.5)
    first = rec.stop()
    factory.advance(0.1)
    key_down(rec, factory, 4)  # ends the first take; a new idle stream; a new 20 ms one beside it
    assert first.result(timeout=5).tail_ms == pytest.approx(100, abs=20)
    start = factory.streams[3].position
    factory.advance(0.6)
    got = rec.stop()
    factory.advance(0.6)
    second = got.result(timeout=5)
    assert second.samples.size > 0.9 * RATE
    assert np.array_equal(second.samples, source[start - round(second.preroll_ms * RATE / 1000):][:second.samples.size])


def test_a_press_again_right_after_a_tap_before_the_join_starts_a_take_of_its_own(make):
    source, factory, rec, _ = kept_ready(make)
    key_down(rec, factory, 2)
    factory.advance(0.04)  # two blocks of the 20 ms stream; the idle stream has not reached them
    tap = rec.stop()
    key_down(rec, factory, 4)  # the tap ends with what is in; a new idle stream, a new 20 ms one
    assert tap.result(timeout=5).preroll_ms == 400
    factory.advance(0.6)
    second = rec.stop()
    factory.advance(0.1)
    assert second.result(timeout=5).samples.size > 0.5 * RATE


def test_cancel_after_a_tap_before_the_join_cancels_the_taps_future(make):
    source, factory, rec, _ = kept_ready(make)
    key_down(rec, factory, 2)
    tap = rec.stop()
    rec.cancel()
    wait_for(tap.cancelled)
    rec.close()
    assert all(stream.closed for stream in factory.streams)


def test_a_stream_without_adc_times_is_not_handed_over_and_one_20_ms_stream_follows(make):
    source, factory, rec, idle = kept_ready(make, adc_times=False)
    rec.start()
    factory.advance(0.6)
    got = rec.stop().result(timeout=5)
    assert len(factory.streams) >= 1 and factory.streams[0] is idle
    assert np.array_equal(got.samples, source[9_600:9_600 + got.samples.size]) and got.preroll_ms == 400
    wait_for(lambda: idle.closed and len(factory.streams) == 2)  # no second stream during the take
    assert factory.streams[1].block_frames == 320 and not factory.streams[1].closed


def test_another_microphone_answering_at_key_down_starts_the_take_as_if_opened_on_demand(make):
    source, factory, rec, idle = kept_ready(make)
    factory.device_name = "USB headset"  # the default changed since the idle stream opened
    key_down(rec, factory, 2)
    assert idle.closed  # nothing of the old microphone belongs in this take
    factory.advance(0.5)
    got = rec.stop().result(timeout=5)
    assert got.microphone_name == "USB headset" and got.preroll_ms == 0 and got.start_latency_ms > 0
    assert np.array_equal(got.samples, source[16_000 + LAG:16_000 + LAG + got.samples.size])
