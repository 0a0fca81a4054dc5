"""The ASR worker on its own QThread: load, trim, transcribe, and what it reports."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import QObject, Signal

from dictate_app.app.worker import AsrWorker, start_worker, stop_worker
from dictate_app.engine.result import Transcript
from dictate_app.errors import ModelError


class FakeEngine:
    backend = "fake"
    device = "cpu"

    def __init__(self, text="hello world", fail=None):
        self.text = text
        self.fail = fail
        self.calls = []  # (thread name, n samples, language)

    def transcribe(self, samples, sample_rate, language="auto", itn=True):
        self.calls.append((threading.current_thread().name, len(samples), language))
        if self.fail:
            raise self.fail
        return Transcript(text=self.text, language="en", emotion="NEUTRAL", events=("Speech",))


def speech_only(samples):
    """Fake trimming: everything louder than 0.01 is speech; all-quiet audio is None."""
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    return None if loud.size == 0 else samples[loud[0]: loud[-1] + 1]


class Driver(QObject):
    """Calls the worker the way the coordinator does: signals, queued to the worker's thread."""

    load = Signal(str, str)
    transcribe = Signal(int, object, str)

    def __init__(self, worker):
        super().__init__()
        self.load.connect(worker.load)
        self.transcribe.connect(worker.transcribe)


@pytest.fixture
def worker_on_thread(qtbot):
    made = []

    def make(engine=None, load_error=None):
        def load(model_dir, device):
            if load_error:
                raise load_error
            return engine

        worker = AsrWorker(load=load, trim=speech_only)
        thread = start_worker(worker)
        made.append(thread)
        return worker, Driver(worker)

    yield make
    for thread in made:
        assert stop_worker(thread, 5000)


def test_load_reports_without_a_second_warm_up(qtbot, worker_on_thread):
    # Engines warm themselves as they load (OnnxEngine.load, FunasrEngine.load); the worker's own
    # warm-up pass cost start-up 0.05-0.13 s for nothing, so the engine is not called before use.
    engine = FakeEngine()
    worker, driver = worker_on_thread(engine)
    with qtbot.waitSignal(worker.loaded, timeout=5000) as blocker:
        driver.load.emit("/m", "cpu")
    assert blocker.args == ["fake on cpu"]
    assert engine.calls == [] and worker.engine is engine


def test_the_voice_detector_warms_beside_the_model_load(qtbot):
    # Each side waits for the other to have started: done one after the other, the first waits
    # in vain and the load fails.
    load_started, trim_started = threading.Event(), threading.Event()
    threads = {}

    def load(model_dir, device):
        load_started.set()
        threads["load"] = threading.current_thread().name
        if not trim_started.wait(5):
            raise RuntimeError("the voice detector did not start during the load")
        return FakeEngine()

    def trim(samples):
        trim_started.set()
        threads["trim"] = threading.current_thread().name
        if not load_started.wait(5):
            raise RuntimeError("the load did not start while the voice detector warmed")
        threads["trimmed"] = len(samples)
        return None

    worker = AsrWorker(load=load, trim=trim)
    thread, driver = start_worker(worker), Driver(worker)
    try:
        with qtbot.waitSignal(worker.loaded, timeout=10_000):
            driver.load.emit("/m", "cpu")
        assert threads["trimmed"] == 8000 and threads["load"] != threads["trim"]
    finally:
        assert stop_worker(thread, 5000)


def test_a_failed_voice_detector_warm_up_is_logged_and_the_load_goes_on(qtbot, caplog):
    worker = AsrWorker(load=lambda model_dir, device: FakeEngine(), trim=lambda samples: 1 / 0)
    thread, driver = start_worker(worker), Driver(worker)
    try:
        with qtbot.waitSignal(worker.loaded, timeout=5000):
            driver.load.emit("/m", "cpu")
    finally:
        assert stop_worker(thread, 5000)
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == ["voice detector warm-up failed"]


def test_load_failure_is_one_sentence(qtbot, worker_on_thread):
    worker, driver = worker_on_thread(
        load_error=ModelError("The model folder /m is missing: run `dictate-app model download`."))
    with qtbot.waitSignal(worker.load_failed, timeout=5000) as blocker:
        driver.load.emit("/m", "cpu")
    assert blocker.args == ["The model folder /m is missing: run `dictate-app model download`."]


def test_unexpected_load_error_is_named(qtbot, worker_on_thread):
    worker, driver = worker_on_thread(load_error=RuntimeError("CUDA exploded"))
    with qtbot.waitSignal(worker.load_failed, timeout=5000) as blocker:
        driver.load.emit("/m", "cuda")
    assert "RuntimeError: CUDA exploded" in blocker.args[0] and "--debug" in blocker.args[0]


def _loaded(qtbot, worker_and_driver):
    worker, driver = worker_and_driver
    with qtbot.waitSignal(worker.loaded, timeout=5000):
        driver.load.emit("/m", "cpu")
    return worker, driver


def test_transcribes_only_the_speech(qtbot, worker_on_thread):
    engine = FakeEngine("hello world")
    worker, driver = _loaded(qtbot, worker_on_thread(engine))
    audio = np.zeros(16000, dtype=np.float32)
    audio[4000:12000] = 0.5
    with qtbot.waitSignal(worker.transcribed, timeout=5000) as blocker:
        driver.transcribe.emit(7, audio, "en")
    uid, transcript, timings = blocker.args
    assert uid == 7 and transcript.text == "hello world"
    assert engine.calls[-1][1:] == (8000, "en")  # trimmed, language passed through
    assert engine.calls[-1][0] != threading.current_thread().name  # never on the GUI thread
    assert set(timings) == {"vad_ms", "asr_ms"}


def test_silence_never_reaches_the_model(qtbot, worker_on_thread):
    engine = FakeEngine()
    worker, driver = _loaded(qtbot, worker_on_thread(engine))
    calls_before = len(engine.calls)
    with qtbot.waitSignal(worker.transcribed, timeout=5000) as blocker:
        driver.transcribe.emit(3, np.zeros(16000, dtype=np.float32), "auto")
    assert blocker.args[0] == 3 and blocker.args[1] is None
    assert len(engine.calls) == calls_before


def test_engine_error_becomes_failed(qtbot, worker_on_thread):
    engine = FakeEngine(fail=ModelError("The model file is damaged: download it again."))
    worker, driver = _loaded(qtbot, worker_on_thread(engine))
    with qtbot.waitSignal(worker.failed, timeout=5000) as blocker:
        driver.transcribe.emit(4, np.full(8000, 0.5, dtype=np.float32), "auto")
    assert blocker.args == [4, "The model file is damaged: download it again."]


def test_submit_runs_jobs_in_order_on_the_worker_thread_and_cancel_skips_queued_ones(qtbot, worker_on_thread):
    from PySide6.QtCore import QThread

    worker, _ = worker_on_thread(FakeEngine())
    gate = threading.Event()
    ran = []

    def job(name):
        if name == "first":
            assert gate.wait(5)
        ran.append((name, QThread.currentThread().objectName()))
        if name == "inner":
            return None
        # Submitted from the worker thread itself: runs at once, inline (no deadlock).
        inner = worker.submit(job, "inner")
        assert inner.done()
        return name

    first, second, third = (worker.submit(job, name) for name in ("first", "second", "third"))
    assert second.cancel()  # queued: it never runs
    gate.set()
    assert first.result(5) == "first" and third.result(5) == "third" and second.cancelled()
    assert ran == [("first", "asr-worker"), ("inner", "asr-worker"), ("third", "asr-worker"),
                   ("inner", "asr-worker")]


def test_a_job_error_reaches_the_future(qtbot, worker_on_thread):
    worker, _ = worker_on_thread(FakeEngine())
    future = worker.submit(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        future.result(5)


# ---- incremental takes: the worker owns their sessions (begin / segments / finish / cancel) ----

class WordEngine:
    """Hears ``word<k>`` in a clip of constant level k/10; records (thread, language, itn) per
    pass; ``gate``: the first pass waits for it."""

    backend, device = "fake", "cpu"

    def __init__(self, gate=None):
        self.gate = gate
        self.calls = []

    def transcribe(self, samples, sample_rate, language="auto", itn=True):
        from PySide6.QtCore import QThread

        from dictate_app.engine.tags import parse_tagged

        self.calls.append((QThread.currentThread().objectName(), language, itn))
        if self.gate is not None and len(self.calls) == 1:
            assert self.gate.wait(5)
        return parse_tagged(f"<|en|><|NEUTRAL|><|Speech|><|withitn|>word{round(float(samples[0]) * 10)}")


def clip(k, n=8000):
    return np.full(n, k / 10, np.float32)


def take_recording(tail):
    """The recording at release of a take whose segments went to the worker: only its tail."""
    from dictate_app.audio.recorder import Recording

    return Recording(samples=tail, sample_rate=16000, duration_s=tail.size / 16000, microphone_name="fake",
                     start_latency_ms=0.0, lost_ms=0.0, microphone_lost=False, hit_max_length=False,
                     warnings=(), tail_start=0, tail_has_speech=bool(tail.any()), segmented=True)


class IncrementalDriver(Driver):
    finish = Signal(int, object)

    def __init__(self, worker):
        super().__init__(worker)
        self.finish.connect(worker.finish)


def from_recorder_thread(fn, *args):
    thread = threading.Thread(target=fn, args=args, name="fake-recorder")
    thread.start()
    thread.join()


def _incremental(qtbot, engine):
    worker = AsrWorker(load=lambda model_dir, device: engine, trim=speech_only)
    thread, driver = start_worker(worker), IncrementalDriver(worker)
    with qtbot.waitSignal(worker.loaded, timeout=5000):
        driver.load.emit("/m", "cpu")
    return worker, thread, driver


def test_begin_builds_the_session_on_the_worker_thread_and_finish_joins_there(qtbot):
    engine = WordEngine()
    worker, thread, driver = _incremental(qtbot, engine)
    progress = []
    worker.progress.connect(lambda uid, p: progress.append((uid, p.final.text)))
    try:
        worker.begin(7, "en", False)  # the press's settings, whatever they are later
        from_recorder_thread(lambda: (worker.segment(7, clip(1)), worker.segment(7, clip(2))))
        qtbot.waitUntil(lambda: (7, "word1 word2") in progress, timeout=5000)
        assert worker.takes == (7,)
        with qtbot.waitSignal(worker.transcribed, timeout=5000) as blocker:
            driver.finish.emit(7, take_recording(clip(3, 4000)))
    finally:
        assert stop_worker(thread, 5000)
    uid, transcript, timings = blocker.args
    assert uid == 7 and transcript.text == "word1 word2 word3" and set(timings) == {"asr_ms"}
    assert engine.calls == [("asr-worker", "en", False)] * 3, "every pass on the worker's thread"
    assert worker.takes == (), "a finished take leaves the worker's books"


def test_cancel_skips_the_segments_still_queued_and_ignores_late_ones(qtbot):
    gate = threading.Event()
    engine = WordEngine(gate)
    worker, thread, driver = _incremental(qtbot, engine)
    try:
        worker.begin(3, "auto", True)
        from_recorder_thread(lambda: [worker.segment(3, clip(k)) for k in (1, 2, 3)])
        qtbot.waitUntil(lambda: len(engine.calls) == 1, timeout=5000)  # the first pass is running
        worker.cancel(3)
        gate.set()
        from_recorder_thread(worker.segment, 3, clip(4))  # on its way at Esc
        done = worker.submit(lambda: None)  # runs after everything queued so far
        assert done.result(5) is None
    finally:
        assert stop_worker(thread, 5000)
    assert len(engine.calls) == 1 and worker.takes == ()


def test_a_provisional_segment_overtaken_while_queued_is_not_run(qtbot):
    gate = threading.Event()
    engine = WordEngine()
    worker, thread, driver = _incremental(qtbot, engine)
    try:
        busy = worker.submit(gate.wait, 5)  # the worker is busy (another take's pass)
        worker.begin(4, "auto", True)
        # Speech resumed after the first pause (a newer provisional), then the segment closed.
        from_recorder_thread(lambda: (worker.provisional(4, clip(1)), worker.provisional(4, clip(2)),
                                      worker.segment(4, clip(2))))
        gate.set()
        assert busy.result(5)
        with qtbot.waitSignal(worker.transcribed, timeout=5000) as blocker:
            driver.finish.emit(4, take_recording(np.zeros(4000, np.float32)))
    finally:
        assert stop_worker(thread, 5000)
    assert blocker.args[1].text == "word2"
    assert len(engine.calls) == 1, "one pass: the stale provisional and the claimed one never ran"


def test_a_take_begun_without_a_model_fails_at_finish_in_one_sentence(qtbot):
    worker = AsrWorker(load=lambda model_dir, device: WordEngine(), trim=speech_only)
    thread, driver = start_worker(worker), IncrementalDriver(worker)
    try:
        worker.begin(2, "auto", True)
        from_recorder_thread(worker.segment, 2, clip(1))
        with qtbot.waitSignal(worker.failed, timeout=5000) as blocker:
            driver.finish.emit(2, take_recording(clip(2, 4000)))
    finally:
        assert stop_worker(thread, 5000)
    assert blocker.args == [2, "The speech model is not loaded yet."] and worker.takes == ()


def test_worker_passes_the_itn_setting_to_the_engine(qtbot, tmp_path):
    from dictate_app.app.settings_store import SettingsStore

    seen = []

    class Engine:
        backend, device = "fake", "cpu"

        def transcribe(self, samples, rate, language="auto", itn=True):
            seen.append(itn)
            return Transcript(text="seven", language="en")

    settings = SettingsStore(tmp_path / "settings.ini")
    worker = AsrWorker(load=lambda model_dir, device: Engine(), trim=lambda samples: samples, settings=settings)
    worker.load("/m", "cpu")  # called directly: this thread is fine for a test
    settings.set("itn", False)  # read at the next take
    with qtbot.waitSignal(worker.transcribed):
        worker.transcribe(1, np.ones(1600, np.float32), "en")
    assert seen[-1] is False
