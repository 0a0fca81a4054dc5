"""The coordinator end to end inside one process, with fakes only at the seams: a recorder that
delivers canned audio (and, for incremental takes, canned live-VAD segments) from another thread,
an engine that "hears" a scripted text, a clipboard and keyboard that record what they are asked.
The lifecycle, worker thread, incremental transcriber, inserter, popup contents and transcript
log are the real ones."""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np
import pytest
from PySide6.QtCore import QTimer

from dictate_app.app.coordinator import Coordinator
from dictate_app.app.popup import Popup
from dictate_app.app.settings_store import SettingsStore
from dictate_app.app.worker import AsrWorker, start_worker, stop_worker
from dictate_app.audio.recorder import Recording
from dictate_app.engine.tags import parse_tagged
from dictate_app.errors import BadAudioError, MicrophoneError, ModelError
from dictate_app.lifecycle import Mode, Phase
from dictate_app.desktop.base import Window
from dictate_app.output.inserter import FOCUS_MOVED, Inserter
from dictate_app.output.per_app import PerAppInserter
from dictate_app.output.strategy import Method
from dictate_app.app.history_recorder import HistoryRecorder
from dictate_app.store.history import History
from dictate_app.text.rules import parse_rules
from dictate_app.store.settings import Settings
from tests.engine.test_remote_backend import serve_fake  # noqa: F401  (fixture)
from tests.desktop.fakes import FakeClipboard, FakeKeyboard

SPEECH = np.concatenate([np.zeros(4000), np.full(8000, 0.3), np.zeros(4000)]).astype(np.float32)
SILENCE = np.zeros(16000, dtype=np.float32)


@dataclass
class Take:
    """A recording the live VAD followed: ``segments`` close while the key is held (each also
    handed out as provisional first when ``provisional``), ``tail`` is the open stretch at release."""

    segments: list
    tail: np.ndarray
    provisional: bool = False


class FakeRecorder:
    """Recorder-shaped: ``stop()`` returns a Future resolved from another thread after a tail.

    A script entry that is an array is a recording the live VAD did not follow (transcribed
    whole); a :class:`Take` delivers its segments from the "recorder thread" to the consumers given
    to ``start()`` once ``deliver()`` is called (the key still held), then a real :class:`Recording`.
    """

    def __init__(self, script, tail_s=0.05, fail_start=None, **kwargs):
        self.script = script  # one entry per recording, in order
        self.tail_s = tail_s
        self.fail_start = fail_start
        self.kwargs = kwargs
        self.is_recording = False
        self.log = []
        self.consumers = (None, None)

    def start(self, on_segment=None, on_provisional=None, **take):
        if self.fail_start:
            raise self.fail_start
        self.log.append("start")
        self.is_recording = True
        self.consumers = (on_segment, on_provisional)
        self.take = take  # on_pause, drop_spoken
        self.kwargs["on_level"](0.05)  # the recorder thread's level callback

    def deliver(self):
        """The speaker pauses: the live VAD closes this take's segments (on another thread)."""
        take = self.script[0]
        on_segment, on_provisional = self.consumers

        def run():
            for segment in take.segments:
                if take.provisional and on_provisional:
                    on_provisional(segment)
                on_segment(segment)

        thread = threading.Thread(target=run, name="fake-recorder")
        thread.start()
        thread.join()

    def stop(self):
        self.log.append("stop")
        self.is_recording = False
        entry = self.script.pop(0)
        if isinstance(entry, Take):
            head = np.concatenate(entry.segments) if entry.segments else np.zeros(0, np.float32)
            samples = np.concatenate([head, entry.tail])
            result = recording(samples, tail_start=head.size, tail_has_speech=bool(entry.tail.any()),
                               segmented=True)
        else:
            result = recording(entry)
        future = Future()
        timer = threading.Timer(self.tail_s, lambda: future.set_result(result))
        timer.start()
        return future

    def cancel(self):
        self.log.append("cancel")
        self.is_recording = False

    def close(self):
        self.log.append("close")


def recording(samples, **live_vad) -> Recording:
    """A real Recording of ``samples`` (``live_vad``: what the live VAD made of it, if it ran)."""
    return Recording(samples=samples, sample_rate=16000, duration_s=samples.size / 16000, microphone_name="fake",
                     start_latency_ms=0.0, lost_ms=0.0, microphone_lost=False, hit_max_length=False, warnings=(),
                     **live_vad)


class ScriptedEngine:
    """Returns the next scripted text per call (after an optional delay); warm-up calls excluded.

    A clip of constant level -1 is unusable audio (BadAudioError). ``calls`` records each call's
    thread, language and itn.
    """

    backend, device = "fake", "cpu"

    def __init__(self, texts, delay_s=0.0):
        self.texts = list(texts)
        self.delay_s = delay_s
        self.calls = []

    def transcribe(self, samples, sample_rate, language="auto", itn=True):
        if not samples.any():  # the worker's warm-up with zeros
            return parse_tagged("<|nospeech|><|Event_UNK|>")
        self.calls.append((threading.current_thread().name, language, itn))
        if np.all(samples == -1.0):
            raise BadAudioError("The audio could not be used: record again.")
        time.sleep(self.delay_s)  # runs on the worker thread: stands for inference time
        tag = "withitn" if itn else "woitn"
        return parse_tagged(f"<|en|><|HAPPY|><|Speech|><|{tag}|>{self.texts.pop(0)}")


def speech_only(samples):
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    return None if loud.size == 0 else samples[loud[0]: loud[-1] + 1]


class Harness:
    def __init__(self, qtbot, tmp_path, texts=(), script=(), load_gate=None, load_error=None,
                 window="w1", delay_s=0.0, fail_start=None, **options):
        self.qtbot = qtbot
        self.engine = ScriptedEngine(texts, delay_s)
        self.script = list(script)
        self.recorders = []
        self.notices = []
        self.clipboard = FakeClipboard({"text/plain": b"OLD"})
        self.keyboard = FakeKeyboard(window=window)
        self.history = History(tmp_path / "history.sqlite3")
        # The live settings, with the test's values as this run's overrides.
        self.settings = SettingsStore(tmp_path / "settings.ini", {"model_dir": "/m", **options})
        self.log = HistoryRecorder(self.history, self.settings)  # what the app saves into
        # Insertion must see the transcript already saved: check at the moment keys are sent.
        self.saved_before_insert = []
        real_key, real_type = self.keyboard.key, self.keyboard.type

        def key(chord, clear_modifiers=False):
            self.saved_before_insert.append(self.clipboard.text() in self.saved_texts())
            real_key(chord, clear_modifiers)

        def type_(text, clear_modifiers=False):
            self.saved_before_insert.append(text in self.saved_texts())
            real_type(text, clear_modifiers)

        self.keyboard.key, self.keyboard.type = key, type_

        def load(model_dir, device):
            if load_gate is not None:
                assert load_gate.wait(5)
            if load_error:
                raise load_error
            return self.engine

        def recorder_factory(**kwargs):
            rec = FakeRecorder(self.script, fail_start=fail_start, **kwargs)
            self.recorders.append(rec)
            return rec

        self.worker = AsrWorker(load=load, trim=speech_only, settings=self.settings)
        self.thread = start_worker(self.worker)
        self.popup = Popup(Settings(popup_seconds=10))
        qtbot.addWidget(self.popup)
        self.inserter = Inserter(self.clipboard, self.keyboard, self.keyboard.focused, lambda ms, fn: QTimer.singleShot(ms, fn),
                                 restore_delay_ms=30)
        self.co = Coordinator(
            self.settings, recorder_factory=recorder_factory, worker=self.worker,
            inserter=PerAppInserter(self.inserter, lambda: ()),  # no per-app overrides
            active_window=lambda: Window("w1"), popup=self.popup,
            transcript_log=self.log, notify=lambda msg, error: self.notices.append(msg),
        )
        self.finished = []
        self.co.finished.connect(lambda uid, details: self.finished.append((uid, details)))

    def saved_texts(self) -> list[str]:
        """What the history holds, oldest first."""
        return [entry.text for entry in reversed(self.history.recent())]

    def start(self, wait_ready=True):
        if wait_ready:
            with self.qtbot.waitSignal(self.co.model_ready, timeout=5000):
                self.co.start()
        else:
            self.co.start()

    def wait_finished(self, count):
        self.qtbot.waitUntil(lambda: len(self.finished) >= count, timeout=5000)
        return self.finished

    def close(self):
        self.co.close()
        assert stop_worker(self.thread, 5000)


@pytest.fixture
def harness(qtbot, tmp_path):
    made = []

    def make(**kwargs):
        h = Harness(qtbot, tmp_path, **kwargs)
        made.append(h)
        return h

    yield make
    for h in made:
        h.close()


def test_hold_speak_release_pastes_logs_and_restores(harness):
    h = harness(texts=["hello world, this is long"], script=[SPEECH])
    h.start()
    assert h.co.state.phase is Phase.IDLE
    h.co.press(0.0)
    assert h.co.state.phase is Phase.RECORDING and h.recorders[0].log == ["start"]
    assert h.popup.status_label.text().startswith("● Recording")
    h.co.release(1000.0)
    (uid, details), = h.wait_finished(1)
    assert details["status"] == "inserted" and details["text"] == "hello world, this is long"
    assert details["method"] == "paste" and h.keyboard.sent == [("key", "ctrl+v", False)]
    assert h.saved_before_insert == [True]
    assert h.clipboard.content == {"text/plain": b"OLD"}  # restored
    assert h.popup.text_label.text() == "hello world, this is long"
    assert h.popup.tags_label.text() == "English   😊 happy"
    marks = details["marks"]
    assert marks["released"] == 1000.0 and marks["inserted"] >= marks["transcribed"]
    h.qtbot.waitUntil(lambda: h.co.state.phase is Phase.IDLE, timeout=2000)


def test_too_short_tap_types_nothing(harness):
    h = harness(texts=[], script=[SPEECH])
    h.start()
    h.co.press(0.0)
    h.co.release(100.0)
    assert h.finished == [(1, {"status": "too_short"})]
    assert h.recorders[0].log == ["start", "cancel"] and h.keyboard.sent == []
    assert h.popup.text_label.text() == "Too short: hold the key while you speak."


def test_escape_cancels(harness):
    h = harness(texts=[], script=[SPEECH])
    h.start()
    h.co.press(0.0)
    h.co.cancel()
    h.co.release(2000.0)
    assert h.finished == [(1, {"status": "cancelled"})] and h.keyboard.sent == []


def test_silence_shows_no_speech_and_types_nothing(harness):
    h = harness(texts=[], script=[SILENCE])
    h.start()
    h.co.press(0.0)
    h.co.release(900.0)
    assert h.wait_finished(1) == [(1, {"status": "no_speech"})]
    assert h.popup.text_label.text() == "No speech heard"
    assert h.keyboard.sent == [] and h.saved_texts() == []


def test_recording_before_the_model_is_loaded(harness):
    gate = threading.Event()
    h = harness(texts=["early bird"], script=[SPEECH], load_gate=gate, insert_method=Method.TYPE)
    h.start(wait_ready=False)
    assert h.co.state.phase is Phase.LOADING
    h.co.press(0.0)
    h.co.release(800.0)
    h.qtbot.waitUntil(lambda: h.co.state.queued == (1,), timeout=3000)
    assert h.popup.status_label.text() == "Waiting for the speech model to load…"
    gate.set()
    (uid, details), = h.wait_finished(1)
    assert details["status"] == "inserted" and h.keyboard.sent == [("type", "early bird", False)]


def test_second_utterance_while_first_transcribes_inserts_in_order(harness):
    h = harness(texts=["first", "second"], script=[SPEECH, SPEECH], delay_s=0.3, insert_method=Method.TYPE)
    h.start()
    h.co.press(0.0)
    h.co.release(700.0)
    h.qtbot.waitUntil(lambda: h.co.state.transcribing == 1, timeout=3000)
    h.co.press(800.0)  # the first is still being transcribed: record anyway
    assert h.co.state.recording is not None
    h.co.release(1600.0)
    done = h.wait_finished(2)
    assert [d["text"] for _, d in done] == ["first", "second"]
    assert h.keyboard.sent == [("type", "first", False), ("type", "second", False)]


def test_focus_moved_leaves_text_on_clipboard(harness):
    h = harness(texts=["where did it go"], script=[SPEECH], window="another")
    h.start()
    h.co.press(0.0)
    h.co.release(900.0)
    (uid, details), = h.wait_finished(1)
    assert details["status"] == "clipboard" and h.keyboard.sent == []
    assert h.clipboard.text() == "where did it go"
    assert h.popup.note_label.text() == FOCUS_MOVED
    assert h.saved_texts() == ["where did it go"]


class FullDisk:
    """The history's SQLite connection on a full disk: every write transaction is refused (the
    error SQLite gives then); reads still work."""

    def __init__(self, db):
        self.db = db

    def execute(self, sql, params=()):
        if sql == "BEGIN IMMEDIATE":
            raise sqlite3.OperationalError("database or disk is full")
        return self.db.execute(sql, params)


def test_a_failed_history_save_still_inserts_the_transcript_and_tells_the_user(harness):
    h = harness(texts=["call my mother"], script=[SPEECH])
    h.history._db = FullDisk(h.history._db)  # the real recorder and store, refused at the disk
    notices = []
    h.co._notify = lambda message, error: notices.append((message, error))
    pasted = []  # what the clipboard held when the paste chord went out
    sent_key = h.keyboard.key
    h.keyboard.key = lambda chord, clear_modifiers=False: (pasted.append(h.clipboard.text()),
                                                           sent_key(chord, clear_modifiers))
    h.start()
    h.co.press(0.0)
    h.co.release(1000.0)
    (_uid, details), = h.wait_finished(1)
    assert details["status"] == "inserted" and details["text"] == "call my mother"
    assert pasted == ["call my mother"] and h.keyboard.sent == [("key", "ctrl+v", False)]
    assert h.clipboard.content == {"text/plain": b"OLD"}  # restored after the paste
    assert h.saved_texts() == []  # nothing was saved: that is what the user is told
    assert notices == [(f"The transcript could not be saved (The history could not be saved (database or "
                        f"disk is full): check free disk space and that {h.history.path} is writable.); "
                        f"it will still be inserted.", True)]


def test_model_failure_is_notified_and_press_refused(harness):
    h = harness(load_error=ModelError("The model folder /m is missing: run `dictate-app model download`."))
    h.co.start()
    h.qtbot.waitUntil(lambda: h.co.state.phase is Phase.ERROR, timeout=3000)
    assert h.notices == ["The model folder /m is missing: run `dictate-app model download`."]
    h.co.press(0.0)
    assert h.co.state.recording is None and len(h.notices) == 2


def test_microphone_failure_at_start(harness):
    h = harness(fail_start=MicrophoneError("no microphone was found; connect one and try again"))
    h.start()
    h.co.press(0.0)
    assert h.co.state.phase is Phase.IDLE
    assert h.notices == ["no microphone was found; connect one and try again"]


def test_tray_options_apply_live(harness):
    h = harness(texts=["toggled"], script=[SPEECH])
    h.start()
    h.settings.set("mode", "toggle")
    h.settings.set("insert_method", "type")
    h.settings.set("paste_keys", "shift+Insert")
    h.settings.set("language", "zh")
    assert h.co.state.mode is Mode.TOGGLE and h.inserter.paste_keys == "shift+insert"  # the settings' spelling
    h.co.press(0.0)
    h.co.release(50.0)  # toggle mode: release does not stop
    assert h.co.state.phase is Phase.RECORDING
    h.co.press(1000.0)
    (uid, details), = h.wait_finished(1)
    assert details["method"] == "type" and h.keyboard.sent == [("type", "toggled", False)]
    h.settings.set("microphone", "USB mic")
    assert h.recorders[-1].kwargs["microphone"] == "USB mic" and h.recorders[0].log[-1] == "close"


# ---- incremental transcription: segments while the key is held ------------------------------

SEGMENTS = [np.full(8000, 0.1 * (k + 1), np.float32) for k in range(3)]
TAIL = np.full(4000, 0.5, np.float32)


def engine_thread() -> str:
    from PySide6.QtCore import QThread

    return QThread.currentThread().objectName()


def test_segments_are_transcribed_while_held_and_only_the_tail_at_release(harness):
    h = harness(texts=["please open", "the door", "now"], script=[Take(SEGMENTS[:2], TAIL)])
    h.start()
    h.co.press(0.0)
    h.recorders[0].deliver()
    # Both segments are transcribed before the key comes up.
    h.qtbot.waitUntil(lambda: len(h.engine.calls) == 2, timeout=5000)
    assert h.co.state.phase is Phase.RECORDING
    h.co.release(3000.0)
    (uid, details), = h.wait_finished(1)
    assert details["status"] == "inserted" and details["text"] == "please open the door now"
    assert len(h.engine.calls) == 3, "at release only the tail was transcribed"
    assert h.saved_before_insert == [True]
    assert h.saved_texts() == ["please open the door now"]
    assert h.popup.tags_label.text() == "English   😊 happy"


def test_every_pass_runs_on_the_one_worker_thread_with_the_settings_of_the_press(harness, monkeypatch):
    h = harness(texts=["one", "two"], script=[Take(SEGMENTS[:1], TAIL)])
    h.start()
    threads = []
    real = h.engine.transcribe

    def spy(samples, rate, language="auto", itn=True):
        if samples.any():
            threads.append(engine_thread())
        return real(samples, rate, language, itn)

    monkeypatch.setattr(h.engine, "transcribe", spy)
    h.settings.update({"language": "zh", "itn": False})
    h.co.press(0.0)
    h.settings.update({"language": "en", "itn": True})  # changed mid-recording: applies from the next press
    h.recorders[0].deliver()
    h.co.release(2000.0)
    (uid, details), = h.wait_finished(1)
    assert details["text"] == "one two"
    assert threads == ["asr-worker", "asr-worker"]
    assert [(lang, itn) for _, lang, itn in h.engine.calls] == [("zh", False), ("zh", False)]


def test_a_provisional_segment_that_closes_unchanged_is_transcribed_once(harness):
    h = harness(texts=["just this"], script=[Take(SEGMENTS[:1], np.zeros(4000, np.float32), provisional=True)])
    h.start()
    h.co.press(0.0)
    h.recorders[0].deliver()
    h.co.release(2000.0)
    (uid, details), = h.wait_finished(1)
    assert details["text"] == "just this" and len(h.engine.calls) == 1  # silent tail: no pass


def test_escape_drops_the_passes_still_queued(harness):
    h = harness(texts=["a", "b", "c"], script=[Take(SEGMENTS, TAIL)], delay_s=0.3)
    h.start()
    h.co.press(0.0)
    h.recorders[0].deliver()
    h.qtbot.waitUntil(lambda: len(h.engine.calls) == 1, timeout=5000)  # the first is running
    h.co.cancel()
    assert h.finished == [(1, {"status": "cancelled"})]
    h.qtbot.wait(800)  # long enough for two more passes had they not been dropped
    assert len(h.engine.calls) == 1 and h.keyboard.sent == [] and h.saved_texts() == []


def test_a_silent_incremental_take_says_no_speech_without_a_model_call(harness):
    h = harness(texts=[], script=[Take([], np.zeros(16000, np.float32))])
    h.start()
    h.co.press(0.0)
    h.recorders[0].deliver()
    h.co.release(1500.0)
    assert h.wait_finished(1) == [(1, {"status": "no_speech"})]
    assert h.popup.text_label.text() == "No speech heard"
    assert h.engine.calls == [] and h.keyboard.sent == [] and h.saved_texts() == []


def test_a_segment_the_engine_rejects_fails_the_utterance_in_one_sentence(harness):
    h = harness(texts=["tail"], script=[Take([np.full(8000, -1.0, np.float32)], TAIL)])
    h.start()
    h.co.press(0.0)
    h.recorders[0].deliver()
    h.co.release(2000.0)
    (uid, details), = h.wait_finished(1)
    assert details == {"status": "failed", "message": "The audio could not be used: record again."}
    assert h.notices == ["The audio could not be used: record again."] and h.keyboard.sent == []
    h.qtbot.waitUntil(lambda: h.co.state.phase is Phase.IDLE, timeout=2000)


def test_a_take_started_before_the_model_loaded_is_transcribed_whole(harness):
    gate = threading.Event()
    h = harness(texts=["whole"], script=[Take(SEGMENTS[:2], TAIL)], load_gate=gate)
    h.start(wait_ready=False)
    h.co.press(0.0)
    assert h.recorders[0].consumers == (None, None), "no segments: nothing could transcribe them yet"
    h.co.release(2000.0)
    gate.set()
    (uid, details), = h.wait_finished(1)
    assert details["text"] == "whole" and len(h.engine.calls) == 1


def test_a_remote_engine_gets_one_request_per_segment_while_held(harness, serve_fake):
    """Remote (server) backend: the same incremental path, each segment one HTTP request."""
    from dictate_app.engine.remote_backend import RemoteEngine

    url, server_engine = serve_fake()
    h = harness(script=[Take(SEGMENTS[:2], TAIL)])
    h.engine = RemoteEngine.connect(url)  # what the worker's loader returns with --server
    h.start()
    h.co.press(0.0)
    h.recorders[0].deliver()
    # The 2 segments; no warm-up request: the worker leaves warming to the engine's load (the
    # server's model is warm already).
    h.qtbot.waitUntil(lambda: len(server_engine.calls) == 2, timeout=5000)
    h.co.release(2000.0)
    (uid, details), = h.wait_finished(1)
    assert details["status"] == "inserted" and details["text"] == "clip 500 clip 500 clip 250"
    assert server_engine.calls == [[500], [500], [250]]


def pause_reports(recorder, *reports):
    """The recorder's thread reports the silence its live VAD heard, block after block."""
    on_pause = recorder.take["on_pause"]
    thread = threading.Thread(target=lambda: [on_pause(s, heard) for s, heard in reports])
    thread.start()
    thread.join()


def test_toggle_mode_ends_the_take_after_the_pause_with_a_countdown_and_inserts(harness):
    h = harness(texts=["please open", "the door"], script=[Take(SEGMENTS[:1], TAIL)],
                mode=Mode.TOGGLE, auto_stop_s=2.0)
    h.start()
    h.co.press(0.0)
    recorder = h.recorders[0]
    assert recorder.take["drop_spoken"] is True, "an incremental take keeps no spoken audio"
    recorder.deliver()
    pause_reports(recorder, (0.0, True), (0.8, True))
    h.qtbot.waitUntil(lambda: h.popup.countdown.text() == "stops in 1.2 s", timeout=2000)
    assert h.co.state.phase is Phase.RECORDING
    pause_reports(recorder, (0.1, True))  # speech again: the countdown goes
    h.qtbot.waitUntil(lambda: h.popup.countdown.text() == "", timeout=2000)
    pause_reports(recorder, (1.9, True), (2.0, True), (2.1, True))
    (uid, details), = h.wait_finished(1)
    assert details["status"] == "inserted" and details["text"] == "please open the door"
    assert recorder.log == ["start", "stop"] and h.popup.countdown.text() == ""
    assert details["marks"]["released"] > 0, "ended by the pause, as a second press would"


def test_a_hands_free_take_with_no_speech_ends_with_no_speech_heard(harness):
    h = harness(texts=[], script=[Take([], TAIL)])
    h.start()
    h.co.start_hands_free()  # hold mode: a hands-free start stops by itself all the same
    recorder = h.recorders[0]
    pause_reports(recorder, (2.5, False), (7.9, False), (8.0, False))
    assert h.wait_finished(1) == [(1, {"status": "no_speech"})]
    assert recorder.log == ["start", "cancel"] and h.popup.text_label.text() == "No speech heard"
    assert h.engine.calls == [] and h.keyboard.sent == []


def test_hold_mode_takes_do_not_stop_by_themselves_and_keep_audio_keeps_everything(harness):
    h = harness(texts=["x"], script=[SPEECH], mode=Mode.HOLD, auto_stop_s=2.0)
    h.settings.set("history_audio", True)
    h.start()
    h.co.press(0.0)
    assert "on_pause" not in h.recorders[0].take
    assert h.recorders[0].take["drop_spoken"] is False, "the history keeps this take's audio"
    h.co.release(1000.0)
    h.wait_finished(1)


def test_a_pause_report_of_a_take_stopped_by_hand_is_ignored(harness):
    h = harness(texts=["one", "two"], script=[SPEECH, SPEECH], mode=Mode.TOGGLE)
    h.start()
    h.co.press(0.0)
    first = h.recorders[0].take["on_pause"]
    h.co.press(1000.0)  # stopped by hand
    h.wait_finished(1)
    h.co.press(2000.0)  # the next take records
    threading.Thread(target=lambda: first(5.0, True)).start()
    h.qtbot.wait(100)
    assert h.co.state.phase is Phase.RECORDING and h.popup.countdown.text() == ""


def test_auto_stop_setting_applies_from_the_next_take(harness):
    h = harness(texts=["x"], script=[SPEECH, SPEECH], mode=Mode.TOGGLE)
    h.start()
    h.settings.set("auto_stop_s", 0)
    h.co.press(0.0)
    assert "on_pause" not in h.recorders[0].take, "off: only the key stops a toggle take"
    h.co.press(1000.0)
    h.wait_finished(1)
    h.co.start_hands_free()
    assert "on_pause" in h.recorders[0].take, "a hands-free start stops by itself all the same"


# ---- one record per take: nothing of a take is kept once it ended -----------------------------

def books(h):
    """What the coordinator and the worker still hold of takes."""
    return h.co.utterances, h.worker.takes


def test_a_take_has_one_record_while_it_lives_and_none_after_insertion(harness):
    h = harness(texts=["please open", "the door", "whole"], script=[Take(SEGMENTS[:1], TAIL), SPEECH])
    h.start()
    h.co.press(0.0)
    utt = h.co.utterances[1]
    assert (utt.uid, utt.target, utt.incremental, utt.marks) == (1, Window("w1"), True, {"pressed": 0.0})
    assert h.worker.takes == (1,), "the worker holds the take's session"
    h.recorders[0].deliver()
    h.co.release(2000.0)
    h.wait_finished(1)
    h.co.press(3000.0)  # a take the live VAD did not follow: transcribed whole
    h.co.release(4000.0)
    assert [d["status"] for _, d in h.wait_finished(2)] == ["inserted", "inserted"]
    assert books(h) == ({}, ())


def test_dropped_and_failed_takes_leave_nothing(harness):
    h = harness(texts=["a", "b", "c"], script=[Take(SEGMENTS, TAIL), SILENCE, Take([np.full(8000, -1.0, np.float32)], TAIL)])
    h.start()
    h.co.press(0.0)
    h.co.release(100.0)  # too short
    h.co.press(1000.0)  # an incremental take, cancelled with Esc
    h.recorders[0].deliver()
    h.co.cancel()
    h.recorders[0].script.pop(0)  # the recorder's cancel keeps no recording
    h.co.press(3000.0)  # no speech
    h.co.release(4000.0)
    h.wait_finished(3)
    h.co.press(5000.0)  # the engine rejects a segment: failed
    h.recorders[0].deliver()
    h.co.release(6000.0)
    assert [d["status"] for _, d in h.wait_finished(4)] == ["too_short", "cancelled", "no_speech", "failed"]
    h.qtbot.waitUntil(lambda: h.co.state.phase is Phase.IDLE, timeout=2000)
    assert books(h) == ({}, ())


def test_a_microphone_that_fails_to_start_leaves_nothing(harness):
    h = harness(fail_start=MicrophoneError("no microphone was found; connect one and try again"))
    h.start()
    h.co.press(0.0)
    assert h.finished == [(1, {"status": "failed", "message": "no microphone was found; connect one and try "
                                                              "again"})]
    assert books(h) == ({}, ())


def test_takes_waiting_for_a_model_that_fails_to_load_end_as_failed(harness):
    gate = threading.Event()
    message = "The model folder /m is missing: run `dictate-app model download`."
    h = harness(script=[SPEECH], load_gate=gate, load_error=ModelError(message))
    h.start(wait_ready=False)
    h.co.press(0.0)
    h.co.release(800.0)
    h.qtbot.waitUntil(lambda: h.co.state.queued == (1,), timeout=3000)
    gate.set()
    assert h.wait_finished(1) == [(1, {"status": "failed", "message": message})]
    assert books(h) == ({}, ()) and h.notices == [message]


# Rules rewrite the text before it is saved and inserted; the history holds it before the keys are
# sent, then the insertion result (the coordinator's real flow with the history recorder).
def test_rules_and_history_around_insertion(harness, tmp_path):
    h = harness(texts=["call my mother now please"], script=[SPEECH])
    history = History(tmp_path / "h.sqlite3")
    recorder = HistoryRecorder(history)
    h.co.transcript_log = recorder
    h.co.postprocess = parse_rules("mother => Mom\nre: \\s*please$ =>").apply_to
    h.co.finished.connect(recorder.finished)
    in_history_when_sent = []
    real_key = h.keyboard.key
    h.keyboard.key = lambda chord, clear_modifiers=False: (
        in_history_when_sent.append([e.text for e in history.recent()]), real_key(chord, clear_modifiers))
    h.start()
    h.co.press(0.0)
    h.co.release(1000.0)
    (_uid, details), = h.wait_finished(1)
    assert details["status"] == "inserted" and details["text"] == "call my Mom now"
    assert h.clipboard.content == {"text/plain": b"OLD"}  # pasted, then restored
    assert in_history_when_sent == [["call my Mom now"]]  # saved before the paste chord
    h.qtbot.waitUntil(lambda: history.recent()[0].insert_status == "inserted", timeout=2000)
    entry = history.recent()[0]
    assert entry.insert_method == "paste" and entry.language == "en" and entry.emotion == "HAPPY"
    assert entry.target is None  # the harness's window ("w1") has no app or title: its id is not kept
