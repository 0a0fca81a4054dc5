"""audio.blocks: the idle batching of a stream kept ready, and the raw blocks the callback hands over."""

from __future__ import annotations

import threading

import numpy as np

from dictate_app.audio.blocks import IdleBatch, block_samples


def test_recording_hands_over_every_block_at_once():
    got: list[list] = []
    batch = IdleBatch(got.append, size=3)
    for k in range(4):
        batch.add(k)
    assert got == [[0], [1], [2], [3]]


def test_idle_blocks_go_over_size_at_a_time_in_order():
    got: list[list] = []
    batch = IdleBatch(got.append, size=3)
    batch.set_idle(True)
    for k in range(7):
        batch.add(k)
    assert got == [[0, 1, 2], [3, 4, 5]], "the seventh waits for the batch to fill"


def test_leaving_idle_hands_over_what_was_held():
    got: list[list] = []
    batch = IdleBatch(got.append, size=10)
    batch.set_idle(True)
    for k in range(4):
        batch.add(k)
    batch.set_idle(False)
    batch.add(4)
    assert got == [[0, 1, 2, 3], [4]]
    batch.set_idle(False)  # nothing held: nothing handed over
    assert got == [[0, 1, 2, 3], [4]]


def test_no_block_is_lost_or_reordered_across_threads():
    got: list[int] = []
    batch = IdleBatch(got.extend, size=7)
    batch.set_idle(True)

    def audio_thread() -> None:
        for k in range(20_000):
            batch.add(k)

    thread = threading.Thread(target=audio_thread)
    thread.start()
    for k in range(200):
        batch.set_idle(k % 2 == 0)
    thread.join()
    batch.set_idle(False)
    assert got == list(range(20_000))


def test_block_samples_rebuilds_frames_by_channels():
    frames = np.arange(12, dtype=np.float32).reshape(6, 2)
    assert np.array_equal(block_samples(bytes(frames), 2), frames)
    assert block_samples(bytes(frames), 1).shape == (12, 1)


def test_a_blocks_age_is_portaudios_when_plausible_else_its_own_length():
    from dictate_app.audio.blocks import block_age

    assert block_age(0.35, 3200, 16_000) == 0.35  # a 200 ms block that waited 150 ms more
    assert block_age(0.0, 320, 16_000) == 0.0
    for unknown in (-1.0, 2.0, 1e9):  # none given (-1), or a clock PortAudio got wrong
        assert block_age(unknown, 320, 16_000) == 0.02
