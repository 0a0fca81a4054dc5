"""HandsFree: the recorder's pause reports become the popup's countdown and, once, the lifecycle's
AutoStop for the armed take; reports of a take no longer armed change nothing."""

from __future__ import annotations

from dictate_app import lifecycle as lc
from dictate_app.app.hands_free import HandsFree


class CountdownPopup:
    def __init__(self):
        self.countdowns: list[float | None] = []

    def set_countdown(self, seconds):
        self.countdowns.append(seconds)


def _hands_free(qtbot):
    posted, popup = [], CountdownPopup()
    return HandsFree(posted.append, popup, clock=lambda: 1234.0), posted, popup


def test_a_pause_after_speech_counts_down_then_stops_the_take_once(qtbot):
    hands_free, posted, popup = _hands_free(qtbot)
    report = hands_free.arm(7, after_s=2.0)
    assert hands_free.after_s == 2.0
    report(0.2, True)  # too short a pause to show a countdown
    report(1.5, True)
    report(2.0, True)
    report(2.5, True)  # after the stop: nothing more
    assert posted == [lc.AutoStop(7, 1234.0, False)]
    assert popup.countdowns[:2] == [None, 0.5] and popup.countdowns[-1] is None  # then it goes
    assert len(popup.countdowns) == 4  # the report after the stop showed nothing
    assert hands_free.after_s is None


def test_nobody_spoke_the_take_ends_as_no_speech_after_the_longer_wait(qtbot):
    hands_free, posted, _popup = _hands_free(qtbot)
    report = hands_free.arm(3, after_s=2.0)
    report(5.0, False)  # silence from the start, under the no-speech wait (8 s)
    assert posted == []
    report(8.0, False)
    assert posted == [lc.AutoStop(3, 1234.0, True)]


def test_reports_of_a_take_no_longer_armed_are_ignored(qtbot):
    hands_free, posted, popup = _hands_free(qtbot)
    old = hands_free.arm(1, after_s=1.0)
    hands_free.disarm()
    old(5.0, True)
    stale = hands_free.arm(2, after_s=1.0)  # a newer take is armed: take 1's reports change nothing
    old(5.0, True)
    assert posted == [] and popup.countdowns == [None]
    stale(1.0, True)
    assert posted == [lc.AutoStop(2, 1234.0, False)]
