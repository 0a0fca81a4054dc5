"""Hands-free auto-stop decisions (pure)."""

from __future__ import annotations

import pytest

from dictate_app.audio.autostop import (COUNTDOWN_FROM_S, DEFAULT_AFTER_S, NO_SPEECH_S, AutoStop,
                                        Verdict, auto_stop_after)


def test_when_auto_stop_applies():
    assert auto_stop_after("hold", False, 2.0) is None, "hold mode: the key decides"
    assert auto_stop_after("toggle", False, 2.0) == 2.0
    assert auto_stop_after("toggle", False, 0.0) is None, "0 turns it off in toggle mode"
    assert auto_stop_after("hold", True, 3.5) == 3.5, "a hands-free start always stops by itself"
    assert auto_stop_after("toggle", True, 0.0) == DEFAULT_AFTER_S


def test_silence_after_speech_ends_the_take_once_with_a_countdown_during_the_pause():
    auto = AutoStop(2.0)
    assert auto.check(0.0, True) == Verdict()
    assert auto.check(COUNTDOWN_FROM_S - 0.01, True) == Verdict(), "a gap between words: no clock"
    assert auto.check(0.5, True).countdown_s == pytest.approx(1.5)
    assert auto.check(0.0, True) == Verdict(), "speech resumed: the countdown goes"
    assert auto.check(1.2, True).countdown_s == pytest.approx(0.8)
    assert auto.check(2.0, True) == Verdict(stop=True)
    assert auto.check(2.5, True) == Verdict(), "said once"


def test_no_speech_at_all_ends_after_the_longer_timeout():
    auto = AutoStop(2.0)
    assert auto.check(2.5, False) == Verdict(), "not after the short pause: nothing said yet"
    assert auto.check(NO_SPEECH_S - 2.0 - 0.01, False) == Verdict()
    assert auto.check(NO_SPEECH_S - 1.0, False).countdown_s == pytest.approx(1.0)
    assert auto.check(NO_SPEECH_S, False) == Verdict(stop=True, no_speech=True)


def test_the_no_speech_timeout_is_never_shorter_than_the_pause():
    assert AutoStop(20.0).no_speech_s == 20.0
    with pytest.raises(ValueError):
        AutoStop(0.0)
