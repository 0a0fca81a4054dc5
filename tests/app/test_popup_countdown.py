"""The popup's auto-stop countdown (offscreen Qt): its text, and that it never moves the popup."""

from __future__ import annotations

from dictate_app.app.popup import Popup
from dictate_app.app.popup_countdown import countdown_text


def test_countdown_text_rounds_up_and_never_shows_zero():
    assert countdown_text(None) == ""
    assert countdown_text(1.5) == "stops in 1.5 s"
    assert countdown_text(1.21) == "stops in 1.3 s"
    assert countdown_text(0.0) == "stops in 0.1 s"


def test_the_countdown_shows_while_recording_without_moving_or_resizing_the_popup(qtbot):
    popup = Popup()
    qtbot.addWidget(popup)
    popup.show_recording()
    qtbot.wait(50)
    geometry = popup.geometry()
    meter = popup.meter.geometry()
    popup.set_countdown(1.5)
    assert popup.countdown.text() == "stops in 1.5 s" and popup.countdown.isVisible()
    qtbot.wait(50)
    assert popup.geometry() == geometry and popup.meter.geometry() == meter
    popup.set_countdown(9.95)
    qtbot.wait(50)
    assert popup.countdown.text() == "stops in 10.0 s" and popup.meter.geometry() == meter
    popup.set_countdown(None)  # speech again
    qtbot.wait(50)
    assert not popup.countdown.isVisible() and popup.geometry() == geometry
    assert popup.meter.geometry() == meter
    popup.set_countdown(0.5)
    popup.show_transcribing()
    assert popup.countdown.text() == "" and not popup.countdown.isVisible(), "the take ended: no countdown"
    popup.set_countdown(1.0)
    assert popup.countdown.text() == "", "a late report after the take changes nothing"


def test_the_result_view_has_no_empty_countdown_row(qtbot):
    popup = Popup()
    qtbot.addWidget(popup)
    popup.show_message("No speech heard", warning=False)
    qtbot.wait(50)
    height = popup.height()
    popup.show_recording()
    popup.set_countdown(1.0)
    popup.show_message("No speech heard", warning=False)
    qtbot.wait(50)
    assert not popup.countdown.isVisible() and popup.height() == height
