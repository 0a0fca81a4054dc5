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
