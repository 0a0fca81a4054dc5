"""Speech into the virtual microphone, through real PortAudio, the Silero trim and the trained
fixture model (tests/fixtures/mini-sensevoice): the transcript holds every spoken word, the first
and the last included, in both microphone modes, and `dictate-app listen` prints them."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from dictate_app.audio.speech import trim_to_speech
from tests.conftest import REPO
from testkit.desktop.mic import MODES, record_utterance

pytestmark = pytest.mark.slow

# (spoken, espeak-ng voice, expected words without itn): phrases of the fixture's vocabulary
# (tools/minisv/lexicon.py) in voices it never heard in training (corpus.HELDOUT_VARIANTS).
PHRASES = [
    ("please open the door", "en-us+m3", ["please", "open", "the", "door"], "en"),
    ("call my mother", "en+f2", ["call", "my", "mother"], "en"),
    ("电话三七一", "cmn-latn-pinyin+linda", list("电话三七一"), "zh"),
]


def words_of(text: str, language: str) -> list[str]:
    if language == "zh":
        return [ch for ch in text if not ch.isspace() and ch not in "，。？！,.?!"]
    return [w.strip(",.?!").lower() for w in text.split()]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("spoken, voice, expected, language", PHRASES, ids=[p[1] for p in PHRASES])
def test_every_word_of_a_dictation_is_transcribed(desktop, fixture_engine, mode, spoken, voice,
                                                  expected, language):
    wav = desktop.synthesize(spoken, desktop.artifact(f"say-{voice}.wav"), voice=voice)
    got = record_utterance(desktop, wav, MODES[mode])
    speech = trim_to_speech(got.samples)
    assert speech is not None, "the VAD found no speech in a recording of speech"
    result = fixture_engine.transcribe(speech, got.sample_rate, itn=False)
    heard = words_of(result.text, language)
    assert heard[:1] == expected[:1], f"first word lost: {result.raw}"
    assert heard[-1:] == expected[-1:], f"last word lost: {result.raw}"
    assert heard == expected and result.language == language, result.raw


def test_listen_prints_the_words_and_the_tags(desktop, fixture_model_dir):
    wav = desktop.synthesize("please open the door", desktop.artifact("listen.wav"), voice="en-us+m3")
    proc = subprocess.Popen(
        [sys.executable, "-m", "dictate_app", "listen", "--model", str(fixture_model_dir),
         "--vad", "--pause", "0.6", "--no-itn", "--json"],
        env=desktop.env, cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        seen = []
        deadline = time.monotonic() + 60
        for line in proc.stderr:  # the prompt comes once audio flows: speak then, as a user would
            seen.append(line)
            if line.startswith("listening"):
                break
            assert time.monotonic() < deadline, seen
        desktop.speak(wav)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, "".join(seen) + err
    result = json.loads(out)
    assert result["text"] == "please open the door", result["raw"]
    assert result["language"] == "en" and "Speech" in result["events"]
    assert result["recording"]["device"] == "default" and not result["recording"]["device_lost"]
