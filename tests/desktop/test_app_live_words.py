"""Live words (issue 24) in the real tray app on the real (headless) desktop, fixture model.

Everything is real, as in test_app_dictation.py: the `dictate-app` process, the pynput hotkey,
the PortAudio recorder with its live VAD, the incremental transcriber on the ASR worker, the
popup, the history, xdotool, a target window in another process, espeak-ng speech played into the
virtual microphone. The test does what a user does: focus a window, hold F9, say two sentences
with a one-second pause between them, and meanwhile look (``dictate-app status --json``, the
popup) before letting go.

- Words while speaking: before release, ``status --json`` has the first sentence's exact words as
  its final part, and the popup (its title mirrors its text; a screenshot is kept for a human to
  look at) shows them; after release the target holds both sentences, joined as always.
- "Insert as I speak": the first sentence is in the target before release; then both.
- A crash mid-take (SIGKILL once the first sentence has been written, the key still held) keeps
  the history row with the text so far. The issue's figure is a kill at minute 5 of a long take;
  here the kill comes after the first closed segment, which is the same code path (one durable
  commit per closed segment) without five minutes of speech.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from dictate_app.store.history import History
from testkit.desktop.app_harness import (
    REPO,
    App,
    Target,
    app_and_target,
    settled_text,
    start_talking,
    synthesize,
    wait_for,
)

pytestmark = [pytest.mark.desktop, pytest.mark.slow]
PAUSE_S = 1.0  # between the two sentences, as the issue asks
# The first sentence's words reach the app within this time of the playback's start (the sentence
# itself, the live VAD's 0.5 s of silence, a model pass, on two busy cores).
FIRST_WORDS_S = 15
SENTENCES = {
    "english": ("call my friend", "close the window", "en-us", "call my friend close the window"),
    "mandarin": ("今天天气很好", "播放音乐", "cmn-latn-pinyin", "今天天气很好播放音乐"),
}


def two_sentences(desktop, tmp_path: Path, case: str) -> Path:
    """espeak-ng's first sentence, ``PAUSE_S`` of silence, the second sentence: one wav."""
    first, second, voice, _ = SENTENCES[case]
    parts = [synthesize(desktop, text, tmp_path / f"{case}-{i}.wav", voice) for i, text in enumerate((first, second))]
    frames, params = [], None
    for part in parts:
        with wave.open(str(part)) as w:
            params = w.getparams()
            frames.append(w.readframes(w.getnframes()))
    silence = b"\0" * (int(params.framerate * PAUSE_S) * params.sampwidth * params.nchannels)
    out = tmp_path / f"{case}-two-sentences.wav"
    with wave.open(str(out), "wb") as w:
        w.setparams(params)
        w.writeframes(frames[0] + silence + frames[1])
    return out


@contextlib.contextmanager
def saying_both(desktop, target, tmp_path: Path, case: str, toggle: bool = False):
    """F9 held from before the two sentences (the target focused) to after they have played (in
    toggle mode: pressed before them, pressed again after them); the body runs while they play,
    i.e. while the user is still speaking."""
    wav = two_sentences(desktop, tmp_path, case)
    target.reset()
    start_talking(desktop)
    if toggle:
        desktop.key_up("F9")  # the press started the take; the next press ends it
    playing = desktop.speak(wav, wait=False)
    try:
        yield
        playing.wait(60)
    finally:
        if toggle:
            desktop.key_down("F9")
        desktop.key_up("F9")


def status(desktop, data: Path) -> dict:
    """``dictate-app status --json`` as the user runs it, against the app using ``data``."""
    env = dict(desktop.env, DICTATE_DATA_DIR=str(data), DICTATE_CONFIG_DIR=str(data))
    out = subprocess.run([sys.executable, "-m", "dictate_app", "status", "--json"], env=env, cwd=REPO,
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def first_words_while_held(desktop, data: Path, first: str) -> dict:
    """Poll ``status --json`` (the key held, the sentences playing) until its final part is the
    first sentence; fail with every reply seen if it never is."""
    seen: list = []

    def check():
        reply = status(desktop, data)
        seen.append((reply.get("phase"), reply.get("partial_final"), reply.get("partial")))
        return reply if reply.get("partial_final") == first else None

    try:
        return wait_for(check, FIRST_WORDS_S, f"status --json with {first!r} while held", poll=0.05)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; replies seen (phase, partial_final, partial): {seen}") from None


def app_session(desktop, model_dir: Path, data: Path, settings: str = ""):
    """A class fixture's body: (desktop, target, app, data) until the class's tests are done.
    Class-scoped, not module-scoped: two apps alive at once would both answer F9 (each with its
    own config dir, so neither defers to the other) and both insert."""
    with app_and_target(desktop, model_dir, data, settings) as (target, app):
        yield desktop, target, app, data


@pytest.fixture(scope="class")
def live_app(desktop, fixture_model_dir, tmp_path_factory):
    """The app with default settings (insert as I speak off) and a QLineEdit target."""
    yield from app_session(desktop, fixture_model_dir, tmp_path_factory.mktemp("live-words"))


class TestLiveWords:
    @pytest.mark.parametrize("case", ["english", "mandarin"])
    def test_the_first_sentence_shows_before_release_and_the_target_gets_both(self, live_app, tmp_path, case):
        desktop, target, app, data = live_app
        first, _second, _voice, both = SENTENCES[case]
        with saying_both(desktop, target, tmp_path, case):
            reply = first_words_while_held(desktop, data, first)
            popup = app.popup_text()
            shot = desktop.screenshot(f"app-live-words-{case}.png")
            print(f"\n{case}: status while held {reply['partial']!r} (final {reply['partial_final']!r}, "
                  f"tags {reply['partial_tags']}); popup {popup!r}; screenshot {shot}")
            assert reply["phase"] == "recording" and reply["recording"] is True, "the key is still held"
            assert reply["partial"].startswith(first) and reply["partial_tags"], "tags so far come too"
            assert popup is not None and popup.startswith(first), "the popup shows the words while held"
            assert target.text() == "", "insert as I speak is off: nothing typed before release"
        assert settled_text(target) == both
        assert app.logged_texts()[-1] == both, "one history row for the take, with the whole text"
        wait_for(lambda: app.popup_text() == both, 5, "the result view")
        assert status(desktop, data)["partial"] is None, "no live words once the take is over"


@pytest.fixture(scope="class")
def speaking_app(desktop, fixture_model_dir, tmp_path_factory):
    """The app with "insert as I speak" on (settings.ini, as the settings dialog saves it)."""
    yield from app_session(desktop, fixture_model_dir, tmp_path_factory.mktemp("insert-as-i-speak"),
                           "insert_live=true\n")


def first_sentence_before_the_end(speaking_app, tmp_path, case: str, toggle: bool = False) -> None:
    """Insert as I speak: the first sentence lands while the take goes on, then both."""
    desktop, target, app, data = speaking_app
    first, _second, _voice, both = SENTENCES[case]
    with saying_both(desktop, target, tmp_path, case, toggle):
        wait_for(lambda: target.text() == first, FIRST_WORDS_S, f"{first!r} in the target while recording")
        print(f"\n{case}: the target held {target.text()!r} before the end of the take "
              f"({'toggle' if toggle else 'hold'} mode); status {status(desktop, data)['phase']!r}")
        assert status(desktop, data)["recording"] is True, "the take goes on (the key still held)"
    assert settled_text(target) == both, "the rest after release, joined as a whole take is"
    with History(data / "history.sqlite3") as history:
        wait_for(lambda: history.recent(1)[0].insert_status == "inserted", 10, "the insertion result")
        assert [e.text for e in history.recent(1)] == [both]
    assert desktop.focused_window() == target.wid


class TestInsertAsISpeak:
    """Hold mode: the pieces reach the window while F9 is still held (the X11 grab lets them)."""

    @pytest.mark.parametrize("case", ["english", "mandarin"])
    def test_the_first_sentence_is_in_the_target_before_release(self, speaking_app, tmp_path, case):
        first_sentence_before_the_end(speaking_app, tmp_path, case)


@pytest.fixture(scope="class")
def speaking_toggle_app(desktop, fixture_model_dir, tmp_path_factory):
    """Insert as I speak in toggle mode: a long dictation without holding a key."""
    yield from app_session(desktop, fixture_model_dir, tmp_path_factory.mktemp("insert-as-i-speak-toggle"),
                           "insert_live=true\nmode=toggle\n")


class TestInsertAsISpeakToggle:
    def test_the_first_sentence_is_in_the_target_before_the_second_press(self, speaking_toggle_app, tmp_path):
        first_sentence_before_the_end(speaking_toggle_app, tmp_path, "english", toggle=True)


def test_sigkill_mid_take_keeps_the_history_row_with_the_words_so_far(desktop, fixture_model_dir, tmp_path):
    data = tmp_path / "killed"
    data.mkdir()
    target = Target(desktop, data / "target.txt")
    app = App(desktop, fixture_model_dir, data)
    first = SENTENCES["english"][0]
    db = data / "history.sqlite3"

    def row_so_far():
        if not db.exists():
            return None
        with History(db) as history:
            rows = history.recent()
        return rows[0] if rows and rows[0].text == first else None

    try:
        with saying_both(desktop, target, tmp_path, "english"):
            wait_for(row_so_far, FIRST_WORDS_S, "the take's row with the first sentence", poll=0.05)
            app.proc.kill()  # SIGKILL: no handler, no clean-up, mid-take with the key held
            assert app.proc.wait(10) == -9
    finally:
        if app.proc.poll() is None:
            app.proc.kill()
        target.close()
    with History(db) as history:
        rows = history.recent()
        assert history.integrity_ok()
    assert [(e.text, e.insert_status) for e in rows] == [(first, "recording")]
    assert target.text() == "", "nothing was inserted: the take never ended"
