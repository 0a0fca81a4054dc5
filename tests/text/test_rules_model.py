"""Rules on real recognition output: the trained fixture model transcribes synthesized speech,
then the user's rules and vocabulary turn its words into theirs. Exact strings asserted."""

from __future__ import annotations

import pytest

from dictate_app.text.rules import parse_rules
from tools.minisv.corpus import ESPEAK_RATE, espeak

pytestmark = pytest.mark.slow


def _hear(engine, text: str, voice: str) -> str:
    samples, _phonemes = espeak(text, voice, speed=175, pitch=50)  # espeak-ng's default voice settings
    return engine.transcribe(samples, ESPEAK_RATE, language="auto", itn=True).text


def test_english_vocabulary_and_regex(fixture_engine):
    heard = _hear(fixture_engine, "call my mother", "en-us")
    assert heard == "call my mother"  # what the model says; the rules make it the user's
    # The user's contact is Mr Mather, whom the model can only write as "mother".
    rules = parse_rules("# people\nvocab: Mather\nre: ^call my (\\w+)$ => Call \\1.\n")
    assert rules.apply(heard) == "Call Mather."


def test_chinese_homophone_vocabulary_and_exact_rule(fixture_engine):
    heard = _hear(fixture_engine, "今天天气很好", "cmn-latn-pinyin")
    assert heard == "今天天气很好"
    rules = parse_rules("vocab: 天启\n很好 => 不错\n")
    assert rules.apply(heard) == "今天天启不错"
