"""The per-take record: what it names of its target."""

from __future__ import annotations

from dictate_app.app.utterance import Utterance
from dictate_app.desktop.base import Window


def test_app_is_what_the_desktop_tells_of_the_target_and_none_otherwise():
    assert Utterance(1, Window("w1", app="Thunderbird")).app == Window("w1", app="Thunderbird").describe()
    assert Utterance(2, Window("w2")).app is None, "a bare window id means nothing to a reader"
    assert Utterance(3).app is None


def test_each_record_has_its_own_marks():
    first, second = Utterance(1), Utterance(2)
    first.marks["pressed"] = 1.0
    assert second.marks == {} and Utterance(1) != Utterance(1), "records compare by identity"
