"""The app's incremental path with real parts: the real recorder and live Silero VAD (fed through a
fake stream), the real coordinator and ASR worker, and the trained fixture model.

What is checked: the transcript the app inserted (and saved) equals what transcribing the same
recording after release gives when it is cut into the same segments: the recording is segmented
again, offline, by a fresh VAD, each piece is transcribed with the same engine, and the pieces
are joined. So nothing is dropped or doubled at the seams, and the segments transcribed while the
key was held are the recording's own.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QTimer

from dictate_app.app.coordinator import Coordinator
from dictate_app.app.settings_store import SettingsStore
from dictate_app.app.popup import Popup
from dictate_app.app.worker import AsrWorker, start_worker, stop_worker
from dictate_app.audio.convert import MODEL_RATE
from dictate_app.engine.incremental import join_transcripts
from dictate_app.output.inserter import Inserter
from dictate_app.output.per_app import PerAppInserter
from dictate_app.app.history_recorder import HistoryRecorder
from dictate_app.store.history import History
from tests.desktop.fakes import FakeClipboard, FakeKeyboard

pytestmark = pytest.mark.slow

PHRASES = ("call my friend", "close the window", "call my mother")


@pytest.fixture(scope="module")
def three_phrases(tmp_path_factory):
    from dictate_app.audio.convert import to_model_input
    from dictate_app.audio.files import read_audio_file
    from dictate_app.audio.vad import SileroVad
    from tests.audio.conftest import espeak

    folder = tmp_path_factory.mktemp("phrases")
    out = []
    for i, text in enumerate(PHRASES):
        samples, rate = read_audio_file(espeak(text, folder / f"{i}.wav", voice="en-us"))
        audio = to_model_input(samples, rate)
        spans = SileroVad().speech_spans(audio)
        out.append(audio[spans[0].start:spans[-1].end])  # without espeak's own silence
    return out


class KeepingRecorder:
    """The real recorder; keeps each finished Recording so the test can re-transcribe it."""

    def __init__(self, inner):
        self.inner = inner
        self.recordings = []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def stop(self):
        future = self.inner.stop()
        future.add_done_callback(lambda f: self.recordings.append(f.result()) if not f.cancelled() else None)
        return future


def offline_pieces(samples: np.ndarray) -> list[np.ndarray]:
    """The recording cut after release the way the live VAD cuts it: closed segments, then the
    open one (to where its speech ended) if any."""
    from dictate_app.audio.speech import live_segmenter

    stream = live_segmenter()  # the recorder's own (its pause, shortest speech and lead-in)
    pieces = stream.feed(samples)
    if stream.speech_pending:
        end = stream.tail_end
        pieces.append(samples[stream.tail_start:end])
    return pieces


def test_the_app_path_joins_exactly_what_transcribing_the_same_segments_after_release_gives(
        qtbot, tmp_path, fixture_engine, three_phrases):
    from dictate_app.audio.recorder import Recorder
    from tests.audio.conftest import silence
    from testkit.audio.fake_stream import FakeStreamFactory

    a, b, c = three_phrases
    # Released 0.2 s after the last word, mid-pause: the last phrase is the tail at release.
    audio = np.concatenate([silence(0.4), a, silence(0.9), b, silence(0.9), c, silence(0.2)])
    factory = FakeStreamFactory(audio, MODEL_RATE, realtime=True, speed=1.0)
    recorders: list[KeepingRecorder] = []
    calls: list[int] = []

    class CountingEngine:  # the fixture engine, counting the passes made while the key is held
        backend, device = fixture_engine.backend, fixture_engine.device

        def transcribe(self, samples, rate, language="auto", itn=True):
            calls.append(len(samples))
            return fixture_engine.transcribe(samples, rate, language=language, itn=itn)

    def recorder_factory(**kwargs):
        rec = KeepingRecorder(Recorder(stream_factory=factory, preroll_s=0.0, **kwargs))
        recorders.append(rec)
        return rec

    settings = SettingsStore(tmp_path / "settings.ini", {"model_dir": "/m", "insert_method": "paste", "tail_ms": 250,
                                                         "history_audio": True, "popup_seconds": 10.0})
    worker = AsrWorker(load=lambda model_dir, device: CountingEngine(), settings=settings)
    thread = start_worker(worker)
    popup = Popup(settings)
    qtbot.addWidget(popup)
    clipboard, keyboard = FakeClipboard({"text/plain": b"OLD"}), FakeKeyboard(window="w1")
    history = History(tmp_path / "history.sqlite3")
    # Keeping audio keeps the whole take in the recording (otherwise the recorder drops what it
    # handed out as segments: no time limit), so the test can transcribe it again after release.
    log = HistoryRecorder(history, settings)
    co = Coordinator(
        settings, recorder_factory=recorder_factory,
        worker=worker, inserter=PerAppInserter(Inserter(clipboard, keyboard, keyboard.focused,
                                                        lambda ms, fn: QTimer.singleShot(ms, fn),
                                                        restore_delay_ms=30), lambda: ()),
        active_window=keyboard.focused, popup=popup, transcript_log=log, notify=lambda *a: None,
    )
    finished = []
    co.finished.connect(lambda uid, details: finished.append(details))
    try:
        with qtbot.waitSignal(co.model_ready, timeout=120_000):
            co.start()
        stream_vad = lambda: recorders[0].inner._worker.speech_stream  # noqa: E731
        qtbot.waitUntil(lambda: stream_vad() is not None and stream_vad().loaded, timeout=60_000)
        warm = len(calls)  # the worker's warm-up pass
        co.press(time.monotonic() * 1000)
        qtbot.waitUntil(lambda: bool(factory.streams) and factory.stream.position >= audio.size, timeout=30_000)
        held = len(calls) - warm  # passes made while the key was held
        co.release(time.monotonic() * 1000)
        qtbot.waitUntil(lambda: bool(finished), timeout=60_000)
    finally:
        co.close()
        assert stop_worker(thread, 30_000)
    details = finished[0]
    assert details["status"] == "inserted", details
    assert held >= 2, "the first two phrases were transcribed while the key was held"

    recording = recorders[0].recordings[0]
    assert recording.segmented
    pieces = offline_pieces(recording.samples)
    assert len(pieces) == 3
    each = [fixture_engine.transcribe(p, MODEL_RATE) for p in pieces]
    after_release = join_transcripts(each)
    inserted = history.recent(1)[0]
    assert details["text"] == inserted.text == after_release.text
    assert (inserted.raw, inserted.language, inserted.emotion) == (
        after_release.raw, after_release.language, after_release.emotion)
    # Every phrase was heard, word for word: the fixture model transcribes each of them exactly in
    # espeak's en-us voice (as in the desktop tests), and pieces of English join with one space.
    assert [piece.text for piece in each] == list(PHRASES)
    assert details["text"] == " ".join(PHRASES)
