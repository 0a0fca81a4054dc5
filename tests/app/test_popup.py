"""The popup widget: never focusable, recording view, result view, fade-out (offscreen Qt)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from dictate_app.app.popup import NOTE_INFO, NOTE_WARNING, Popup, level_fraction
from dictate_app.app.popup_text import PopupContent, describe
from dictate_app.engine.result import Transcript
from dictate_app.store.settings import Settings

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_window_flags_never_take_focus(qtbot):
    popup = Popup()
    qtbot.addWidget(popup)
    flags = popup.windowFlags()
    for flag in (Qt.WindowType.Tool, Qt.WindowType.FramelessWindowHint,
                 Qt.WindowType.WindowStaysOnTopHint, Qt.WindowType.WindowDoesNotAcceptFocus):
        assert flags & flag, flag
    assert popup.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    assert popup.focusPolicy() == Qt.FocusPolicy.NoFocus


def test_recording_shows_elapsed_time_and_level(qtbot):
    popup = Popup()
    qtbot.addWidget(popup)
    popup.show_recording()
    assert popup.isVisible() and popup.meter.isVisible()
    qtbot.waitUntil(lambda: popup.status_label.text().startswith("● Recording  0.") and
                    popup.status_label.text() != "● Recording  0.0 s", timeout=2000)
    popup.set_level(0.1)  # -20 dBFS
    assert popup.meter.value() == int(level_fraction(0.1) * 1000) == 666
    popup.show_transcribing(ahead=1)
    assert popup.status_label.text() == "Transcribing… (1 before this one)"
    assert not popup.meter.isVisible()
    popup.show_transcribing(waiting_for_model=True)
    assert popup.status_label.text() == "Waiting for the speech model to load…"


def test_level_scale():
    assert level_fraction(0) == 0 and level_fraction(1.0) == 1.0 and level_fraction(0.001) == 0
    assert abs(level_fraction(10 ** (-30 / 20)) - 0.5) < 1e-9


def test_result_shows_text_tags_note_then_fades(qtbot):
    popup = Popup(Settings(popup_seconds=0.1))
    qtbot.addWidget(popup)
    t = Transcript(text="你好 hello", language="zh", emotion="SURPRISED", events=("Applause",))
    popup.show_content(describe(t, "The window changed: the text is on the clipboard."))
    assert popup.text_label.text() == "你好 hello"
    assert popup.tags_label.text() == "Mandarin   😮 surprised   👏 applause"
    assert popup.note_label.text().startswith("The window changed")
    assert popup.text_label.textFormat() == Qt.TextFormat.PlainText  # "<b>" is typed, not bold
    qtbot.waitUntil(lambda: not popup.isVisible(), timeout=3000)


def test_note_is_red_only_for_a_warning(qtbot):
    popup = Popup()
    qtbot.addWidget(popup)
    t = Transcript(text="hello", language="en")
    popup.show_content(describe(t, "The window changed: the text is on the clipboard.", warning=True))
    assert popup.note_label.styleSheet() == NOTE_WARNING
    popup.show_message("Dictate could not do that", "The microphone is gone.")  # errors stay red
    assert popup.note_label.styleSheet() == NOTE_WARNING
    popup.show_message("Dictate is already running", "Hold F9 anywhere, speak, release.", warning=False)
    assert popup.note_label.styleSheet() == NOTE_INFO
    popup.show_recording()
    popup.set_note("To stop: press F9.")  # a hint
    assert popup.note_label.styleSheet() == NOTE_INFO and popup.note_label.isVisible()


def test_message_without_tags_hides_empty_rows(qtbot):
    popup = Popup()
    qtbot.addWidget(popup)
    popup.show_content(PopupContent("No speech heard"))
    assert popup.text_label.text() == "No speech heard"
    assert popup.tags_label.isHidden() and popup.note_label.isHidden()


def test_snapshot_of_every_emotion(qtbot):
    """Renders each emotion and the emoji events into test-artifacts/ for a human to look at."""
    from PySide6.QtGui import QPainter, QPixmap

    emotions = ["HAPPY", "SAD", "ANGRY", "FEARFUL", "DISGUSTED", "SURPRISED", "NEUTRAL"]
    events = [("BGM",), ("Applause",), ("Laughter",), ("Cry",), ("Sneeze",), ("Cough",), ()]
    shots = []
    for emotion, event in zip(emotions, events):
        popup = Popup()
        qtbot.addWidget(popup)
        popup.show_content(describe(Transcript(text=f"今天 {emotion.lower()} test", language="zh",
                                               emotion=emotion, events=event)))
        shots.append(popup.grab())
        assert not shots[-1].isNull()
    sheet = QPixmap(max(s.width() for s in shots), sum(s.height() for s in shots))
    sheet.fill(Qt.GlobalColor.white)
    painter = QPainter(sheet)
    y = 0
    for shot in shots:
        painter.drawPixmap(0, y, shot)
        y += shot.height()
    painter.end()
    ARTIFACTS.mkdir(exist_ok=True)
    assert sheet.save(str(ARTIFACTS / "popup-emotions-offscreen.png"))


def test_window_shrinks_to_its_content(qtbot):
    popup = Popup()
    qtbot.addWidget(popup)
    popup.show_content(describe(Transcript(text="a long line " * 12, language="en", emotion="HAPPY",
                                           events=("Laughter",)), "a note"))
    tall = popup.height()
    popup.show_content(PopupContent("No speech heard"))
    # One line of text plus margins, not the three lines a narrow size hint would give.
    one_line = popup.text_label.fontMetrics().lineSpacing()
    assert popup.height() < tall - 20 and popup.text_label.height() < 2 * one_line


def test_live_words_grow_in_a_box_that_never_moves_scrolls_to_the_newest_and_ends_as_the_result(
        qtbot, screenshot):
    from dictate_app.app.live_text import LiveView

    popup = Popup()
    qtbot.addWidget(popup)
    popup.show_recording(live=True)
    geometry = popup.geometry()
    assert popup.live_box.isVisible() and popup.live_text == "" and popup.windowTitle() == "Dictate"
    assert popup.live_box.focusPolicy() == Qt.FocusPolicy.NoFocus
    popup.show_live(LiveView("Call my friend.", " Close the <b>window</b>", ("English", "😊 happy")))
    assert popup.live_text == "Call my friend. Close the <b>window</b>", "text, never markup"
    assert popup.tags_label.text() == "English   😊 happy"
    assert popup.windowTitle() == "Dictate: Call my friend. Close the <b>window</b>"
    html = popup.live_box.toHtml()
    assert "italic" in html and "#9e9e9e" in html, "the provisional part is grey and italic"
    assert popup.geometry() == geometry, "the first words and tags do not resize or move the popup"
    screenshot(popup, "popup-live-words")
    long = " ".join(f"word{i}" for i in range(200))
    popup.show_live(LiveView(long, " newest", ("English",)))
    bar = popup.live_box.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == bar.maximum(), "the newest words are in view"
    assert popup.geometry() == geometry, "long text scrolls inside the box: the popup stays put"
    screenshot(popup, "popup-live-words-long")
    popup.show_transcribing()
    assert popup.live_text.endswith("newest"), "the words stay while the last segment is transcribed"
    popup.show_content(describe(Transcript(text="Call my friend. Close the window.", language="en")))
    assert not popup.live_box.isVisible() and popup.live_text == ""
    assert popup.text_label.text() == "Call my friend. Close the window."
    popup.show_live(LiveView("late words"))  # a stray update after release changes nothing
    assert popup.text_label.text() == "Call my friend. Close the window." and popup.live_text == ""


def test_a_take_without_live_words_shows_no_live_box(qtbot):
    popup = Popup()
    qtbot.addWidget(popup)
    popup.show_recording()
    assert not popup.live_box.isVisible()


def test_ai_mode_shows_the_words_as_spoken_then_the_answer_streamed_then_both(qtbot):
    popup = Popup(Settings(popup_seconds=0.1))
    qtbot.addWidget(popup)
    popup.show_recording()
    popup.show_ai_mode("clean up", PopupContent("so um the meeting is moved", ("English",)))
    assert popup.raw_label.text() == "As spoken: so um the meeting is moved" and popup.raw_label.isVisible()
    assert popup.status_label.text() == "AI mode “clean up”: waiting for the language model…"
    assert not popup.text_label.isVisible() and popup.tags_label.text() == "English"
    assert popup.windowTitle() == "Dictate: so um the meeting is moved"
    popup.show_ai_text("The meeting")
    popup.show_ai_text("The meeting is moved.")
    assert popup.text_label.text() == "The meeting is moved." and popup.text_label.isVisible()
    assert popup.windowTitle() == "Dictate: The meeting is moved."
    assert popup.raw_label.isVisible(), "the words as spoken stay in view while the answer comes"
    qtbot.wait(300)
    assert popup.isVisible() and popup.windowOpacity() == 1.0, "it waits for the answer: no fading"
    popup.show_content(PopupContent("The meeting is moved.", ("English",), raw="so um the meeting is moved",
                                    mode="clean up"))
    assert popup.raw_label.text() == "As spoken: so um the meeting is moved"
    assert popup.status_label.text() == "AI mode: clean up" and popup.status_label.isVisible()
    ARTIFACTS.mkdir(exist_ok=True)
    assert popup.grab().save(str(ARTIFACTS / "popup-ai-mode-offscreen.png"))
    popup.show_ai_text("late piece")
    assert popup.text_label.text() == "The meeting is moved.", "a piece after the result changes nothing"
    popup.show_message("Cancelled.")
    assert not popup.raw_label.isVisible(), "a message has no words as spoken"
