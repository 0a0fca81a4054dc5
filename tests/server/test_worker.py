"""The model thread: batching rules, the bounded queue, cancellation, failures, shutdown."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from dictate_app.server.errors import Busy
from dictate_app.server.worker import InferenceWorker


def clip(ms: int) -> np.ndarray:
    return np.zeros(16 * ms, dtype=np.float32)


@pytest.fixture
def held(fake_engine):
    """A worker whose first pass is held at the gate until the test has queued everything."""
    fake_engine.gate = threading.Event()
    batches: list[tuple[int, float]] = []
    worker = InferenceWorker(fake_engine, queue_size=8, max_batch=3,
                             on_batch=lambda n, s: batches.append((n, s)))
    worker.start()
    first = worker.submit(clip(1000), "auto", True)
    deadline = time.monotonic() + 5
    while not fake_engine.calls and worker.depth and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)  # the first clip is now inside the held pass
    yield worker, first, batches
    fake_engine.gate.set()
    worker.stop()


def test_batches_group_language_itn_and_similar_lengths(held, fake_engine):
    worker, first, batches = held
    futures = {
        "a": worker.submit(clip(1000), "auto", True),
        "b": worker.submit(clip(1100), "auto", True),
        "zh": worker.submit(clip(1000), "zh", True),        # other language: own batch
        "woitn": worker.submit(clip(1000), "auto", False),  # other itn: own batch
        "long": worker.submit(clip(5000), "auto", True),    # 5x longer: not padded together
        "c": worker.submit(clip(900), "auto", True),
        "d": worker.submit(clip(950), "auto", True),
    }
    fake_engine.gate.set()
    results = {name: f.result(5).text for name, f in futures.items()}
    assert first.result(5).text == "clip 1000"
    assert results["zh"] == "clip 1000" and results["long"] == "clip 5000" and results["d"] == "clip 950"
    assert fake_engine.calls == [[1000], [1000, 1100, 900], [1000], [1000], [5000], [950]]
    assert [n for n, _ in batches] == [1, 3, 1, 1, 1, 1]


def test_full_queue_refuses_with_a_retry_estimate(fake_engine):
    fake_engine.gate = threading.Event()
    worker = InferenceWorker(fake_engine, queue_size=2, max_batch=1)
    worker.start()
    try:
        worker.submit(clip(100), "auto", True)
        time.sleep(0.1)  # taken by the held pass
        worker.submit(clip(100), "auto", True)
        worker.submit(clip(100), "auto", True)
        with pytest.raises(Busy) as refused:
            worker.submit(clip(100), "auto", True)
        assert refused.value.headers["Retry-After"] == str(refused.value.retry_after_s)
        assert refused.value.retry_after_s >= 1
        with pytest.raises(Busy):
            worker.check_capacity()
    finally:
        fake_engine.gate.set()
        worker.stop()


def test_cancelled_jobs_are_skipped(held, fake_engine):
    worker, first, _ = held
    gone = worker.submit(clip(300), "auto", True)
    kept = worker.submit(clip(310), "auto", True)
    assert gone.cancel()
    fake_engine.gate.set()
    assert kept.result(5).text == "clip 310"
    assert [300] not in fake_engine.calls and all(300 not in call for call in fake_engine.calls)


def test_one_failing_clip_does_not_fail_its_batch(held, fake_engine):
    worker, first, _ = held
    fake_engine.fail_on_ms = 1050
    bad = worker.submit(clip(1050), "auto", True)
    good = worker.submit(clip(1020), "auto", True)
    fake_engine.gate.set()
    assert good.result(5).text == "clip 1020"
    with pytest.raises(RuntimeError, match="on purpose"):
        bad.result(5)
    assert worker.alive
    assert worker.submit(clip(200), "auto", True).result(5).text == "clip 200"


def test_stop_refuses_what_waits_and_ends_the_thread(fake_engine):
    fake_engine.gate = threading.Event()
    worker = InferenceWorker(fake_engine, queue_size=4, max_batch=1)
    worker.start()
    running = worker.submit(clip(100), "auto", True)
    time.sleep(0.1)
    waiting = worker.submit(clip(200), "auto", True)
    stopper = threading.Thread(target=worker.stop)
    stopper.start()
    with pytest.raises(Busy, match="shutting down"):
        waiting.result(5)
    fake_engine.gate.set()
    stopper.join(5)
    assert running.result(5).text == "clip 100"  # the pass in progress finishes
    assert not worker.alive
    with pytest.raises(Busy):
        worker.submit(clip(100), "auto", True)


def test_batch_wait_gathers_requests_that_arrive_together(fake_engine):
    worker = InferenceWorker(fake_engine, queue_size=8, max_batch=4, batch_wait_s=0.3)
    worker.start()
    try:
        futures = [worker.submit(clip(500 + i), "auto", True) for i in range(3)]
        assert [f.result(5).text for f in futures] == ["clip 500", "clip 501", "clip 502"]
        assert fake_engine.calls == [[500, 501, 502]]
    finally:
        worker.stop()


@pytest.fixture
def one_in_the_model(fake_engine):
    """A factory: a worker (max_batch 1, ``queue_size``) whose first pass, a 100 ms clip, is held
    at the gate until the test opens it."""
    fake_engine.gate = threading.Event()
    workers = []

    def start(queue_size: int) -> InferenceWorker:
        worker = InferenceWorker(fake_engine, queue_size=queue_size, max_batch=1)
        worker.start()
        workers.append(worker)
        worker.submit(clip(100), "auto", True)
        assert fake_engine.entered.wait(5)
        return worker

    yield start
    fake_engine.gate.set()
    for worker in workers:
        worker.stop()


def test_a_cancelled_job_gives_its_place_in_the_queue_back(one_in_the_model, fake_engine):
    worker = one_in_the_model(queue_size=2)
    gone = [worker.submit(clip(200), "auto", True), worker.submit(clip(300), "auto", True)]
    with pytest.raises(Busy):
        worker.check_capacity()
    for future in gone:
        assert future.cancel()
    assert worker.depth == 0
    kept = worker.submit(clip(400), "auto", True)  # room again: abandoned jobs do not fill the queue
    fake_engine.gate.set()
    assert kept.result(5).text == "clip 400"
    assert fake_engine.calls == [[100], [400]]


def test_a_job_still_waiting_at_its_deadline_fails_with_504_and_never_runs(one_in_the_model, fake_engine):
    from dictate_app.server.errors import Timeout

    worker = one_in_the_model(queue_size=4)
    late = worker.submit(clip(200), "auto", True, deadline=time.monotonic() + 0.1)
    in_time = worker.submit(clip(300), "auto", True, deadline=time.monotonic() + 30)
    time.sleep(0.2)
    fake_engine.gate.set()
    with pytest.raises(Timeout, match="before its deadline") as failed:
        late.result(5)
    assert failed.value.status == 504
    assert in_time.result(5).text == "clip 300"
    assert fake_engine.calls == [[100], [300]]
