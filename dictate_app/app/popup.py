"""The popup: a small frameless window that shows recording level and time, then the result.

It must never take focus: focus decides where text goes, and a popup that steals it would send the
transcript into itself. Hence ``Qt.Tool | FramelessWindowHint | WindowStaysOnTopHint |
WindowDoesNotAcceptFocus`` and ``WA_ShowWithoutActivating`` (Handy's overlay does the same).

Live words (issue 24): a take transcribed as it goes shows its text so far while recording, in a
box of fixed height under the level meter (:meth:`Popup.show_live`): final text in white,
provisional text grey and italic, scrolled so the newest words stay in view, the tags so far under
it. The box and the tag line are sized when the recording starts and never resized after, so the
popup does not grow or move under the user's eyes while the words come in.

AI modes (issue 25): when a mode runs on a take, :meth:`Popup.show_ai_mode` shows the words as
spoken at once (small, grey, above) and says which mode works on them; :meth:`Popup.show_ai_text`
shows the mode's answer as it streams in, in the text's place; the result then comes as any result
(:meth:`show_content`), with the words as spoken kept above it (``PopupContent.raw``).
"""

from __future__ import annotations

import html
import math

from PySide6.QtCore import QElapsedTimer, QPropertyAnimation, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QTextEdit, QVBoxLayout, QWidget

from dictate_app.app.popup_countdown import Countdown
from dictate_app.app.live_text import LiveView
from dictate_app.app.popup_text import PopupContent
from dictate_app.store.settings import DEFAULTS

POPUP_FLAGS = (
    Qt.WindowType.Tool
    | Qt.WindowType.FramelessWindowHint
    | Qt.WindowType.WindowStaysOnTopHint
    | Qt.WindowType.WindowDoesNotAcceptFocus
)
FADE_MS = 600

_STYLE = """
#frame { background: rgba(32, 33, 36, 235); border-radius: 10px; }
QLabel { color: #f1f1f1; }
#status { color: #bdbdbd; font-size: 12px; }
#text { font-size: 17px; }
#tags { color: #ffd54f; font-size: 14px; }
#note { font-size: 12px; }
#raw { color: #9e9e9e; font-size: 13px; }
QProgressBar { background: #444; border: none; border-radius: 3px; max-height: 6px; }
QProgressBar::chunk { background: #66bb6a; border-radius: 3px; }
#live { background: transparent; border: none; color: #f1f1f1; font-size: 17px; }
"""
LIVE_LINES = 3  # the live box shows this many lines; older words scroll away above
LISTENING = "Listening…"  # the live box before the first words
# Provisional words (the open segment's speculative pass): greyer and slanted, final ones plain.
PROVISIONAL_STYLE = "color: #9e9e9e; font-style: italic;"
# The note under the text: red only for a warning (the focus moved, an insertion failed), the
# status grey for a hint (how to stop, where the settings are).
NOTE_WARNING, NOTE_INFO = "color: #ff8a80;", "color: #bdbdbd;"


def _live_box() -> QTextEdit:
    """The live words' box: read-only, never focused, no scroll bar (it scrolls by itself)."""
    box = QTextEdit(objectName="live", readOnly=True)
    box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
    box.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    box.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    box.document().setDocumentMargin(0)
    box.hide()
    return box


def level_fraction(rms: float) -> float:
    """Map an RMS level to 0..1 on a -60..0 dBFS scale (speech sits around -30..-10 dBFS)."""
    if rms <= 0:
        return 0.0
    return min(1.0, max(0.0, (20 * math.log10(rms) + 60) / 60))


class Popup(QWidget):
    """Recording: level meter + elapsed time. After: text, language, emotion, events; then fades."""

    def __init__(self, settings=DEFAULTS):
        super().__init__(None, POPUP_FLAGS)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setObjectName("popup")
        self.setWindowTitle("Dictate")
        self.setStyleSheet(_STYLE)
        self._settings = settings  # the live settings: popup_seconds is read at each show
        self._ai_mode = ""  # the AI mode shown working (show_ai_mode)

        frame = QFrame(self)
        frame.setObjectName("frame")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(frame)
        box = QVBoxLayout(frame)
        box.setContentsMargins(14, 10, 14, 10)
        top = QHBoxLayout()
        self.status_label = QLabel(objectName="status")
        self.meter = QProgressBar(textVisible=False, minimum=0, maximum=1000)
        self.meter.setFixedWidth(120)
        self.countdown = Countdown()  # hands-free auto-stop (popup_countdown.py)
        top.addWidget(self.status_label, 1)
        top.addWidget(self.countdown)
        top.addWidget(self.meter)
        box.addLayout(top)
        self.raw_label = QLabel(objectName="raw", wordWrap=True)  # the words as spoken (AI modes)
        self.raw_label.setTextFormat(Qt.TextFormat.PlainText)
        self.raw_label.hide()
        box.addWidget(self.raw_label)
        self.text_label = QLabel(objectName="text", wordWrap=True)
        self.text_label.setTextFormat(Qt.TextFormat.PlainText)  # transcripts are never markup
        self.live_box = _live_box()
        box.addWidget(self.live_box)
        self.live_box.ensurePolished()  # the style sheet's font size (now it has a parent), then measure
        self.live_box.setFixedHeight(self.live_box.fontMetrics().lineSpacing() * LIVE_LINES + 4)
        self.tags_label = QLabel(objectName="tags", wordWrap=True)
        self.note_label = QLabel(objectName="note", wordWrap=True)
        for label in (self.text_label, self.tags_label, self.note_label):
            box.addWidget(label)
        self.setFixedWidth(420)

        self._clock = QElapsedTimer()
        self._tick = QTimer(self, interval=100)
        self._tick.timeout.connect(self._update_elapsed)
        self._hide_timer = QTimer(self, singleShot=True)
        self._hide_timer.timeout.connect(self.fade_out)
        self._fade = QPropertyAnimation(self, b"windowOpacity", self)
        self._fade.setDuration(FADE_MS)
        self._fade.finished.connect(self._faded)

    # ---- states ----

    def show_recording(self, live: bool = False) -> None:
        """Level meter and elapsed time, until :meth:`show_transcribing` or a result; ``live``:
        also the box for the words so far (:meth:`show_live`), sized now for the whole take."""
        self._clock.start()
        self._tick.start()
        self.meter.setValue(0)
        self.meter.show()
        self.countdown.show_left(None)
        self._set("", (), "")
        if live:
            self.live_box.show()
            self.show_live(LiveView())
            # The tag line is there from the start (empty), so the first tags do not resize us.
            self.tags_label.setMinimumHeight(self.tags_label.fontMetrics().height())
            self.tags_label.show()
        self._update_elapsed()
        self._appear(stay=True)

    def show_live(self, view: LiveView) -> None:
        """The words so far of a take being recorded (final plain, provisional grey and italic)
        and its tags so far. Changes nothing else: no resize, no move (see the module notes)."""
        if self.live_box.isHidden():
            return  # not a live take (or no longer recording)
        final, provisional = html.escape(view.final), html.escape(view.provisional)
        if not view.text:
            body = f'<span style="{PROVISIONAL_STYLE}">{LISTENING}</span>'
        else:
            body = final + (f'<span style="{PROVISIONAL_STYLE}">{provisional}</span>' if provisional else "")
        self.live_box.setHtml(body)
        bar = self.live_box.verticalScrollBar()
        bar.setValue(bar.maximum())  # the newest words in view
        self.tags_label.setText("   ".join(view.tags))
        # The title mirrors the text, as for a result (screen readers, the desktop tests).
        self.setWindowTitle(f"Dictate: {view.text}" if view.text else "Dictate")

    @property
    def live_text(self) -> str:
        """The words the live box shows now (plain text; empty when none)."""
        text = "" if self.live_box.isHidden() else self.live_box.toPlainText()
        return "" if text == LISTENING else text

    def set_note(self, note: str) -> None:
        """A hint under what is shown now (while recording: how to stop it), in the status grey."""
        self.note_label.setText(note)
        self.note_label.setStyleSheet(NOTE_INFO)
        self.note_label.setVisible(bool(note))
        if self.isVisible():
            self._appear(stay=self._tick.isActive())  # a recording stays; a result keeps fading

    def set_countdown(self, seconds_left: float | None) -> None:
        """While recording: seconds until the take ends by itself (None: no countdown)."""
        self.countdown.show_left(seconds_left if self._tick.isActive() else None)

    def set_level(self, rms: float) -> None:
        if self._tick.isActive():
            self.meter.setValue(int(level_fraction(rms) * 1000))

    def show_transcribing(self, ahead: int = 0, waiting_for_model: bool = False) -> None:
        """``ahead``: utterances before this one; the model may still be loading."""
        self._tick.stop()
        self.meter.hide()
        self.countdown.show_left(None)
        words = "Waiting for the speech model to load…" if waiting_for_model else "Transcribing…"
        more = f" ({ahead} before this one)" if ahead > 0 else ""
        self.status_label.setText(words + more)
        self.status_label.show()
        self._appear(stay=True)

    def show_content(self, content: PopupContent, status: str = "") -> None:
        """A result (or a message) that fades after ``show_ms``; the status line names its AI mode."""
        status = status or (f"AI mode: {content.mode}" if content.mode else "")
        self._tick.stop()
        self.meter.hide()
        self.countdown.show_left(None)
        self.status_label.setText(status)
        self.status_label.setVisible(bool(status))
        self._set(content.text, content.tags, content.note, content.warning, content.raw)
        self._appear(stay=False)

    def show_ai_mode(self, mode: str, content: PopupContent) -> None:
        """An AI mode works on ``content.text`` (the words as spoken): show them at once, say which
        mode runs; stays until the result (:meth:`show_content`)."""
        self._tick.stop()
        self.meter.hide()
        self.countdown.show_left(None)
        self.status_label.setText(f"AI mode “{mode}”: waiting for the language model…")
        self.status_label.show()
        self._set("", content.tags, content.note, content.warning, raw=content.text)
        self.setWindowTitle(f"Dictate: {content.text}")
        self._ai_mode = mode
        self._appear(stay=True)

    def show_ai_text(self, text: str) -> None:
        """The AI mode's answer so far (streamed), in the text's place under the words as spoken."""
        if not self._ai_mode:
            return  # the result (or a new recording) came first: this piece is late
        self.status_label.setText(f"AI mode “{self._ai_mode}”…")
        self.text_label.setText(text)
        self.text_label.setVisible(bool(text))
        self.setWindowTitle(f"Dictate: {text}" if text else self.windowTitle())
        self._appear(stay=True)

    def show_message(self, text: str, note: str = "", warning: bool = True) -> None:
        """A message; its ``note`` is red unless ``warning`` is False (a hint)."""
        self.show_content(PopupContent(text, (), note, warning))

    # ---- internals ----

    def _set(self, text: str, tags: tuple[str, ...], note: str, warning: bool = True, raw: str = "") -> None:
        # The window title mirrors the text: screen readers and the desktop tests read it (WM_NAME).
        self.setWindowTitle(f"Dictate: {text}" if text else "Dictate")
        self.live_box.hide()  # a result, a message or a new recording: no live words (yet)
        self._ai_mode = ""  # ...nor an AI mode's answer streaming in
        self.tags_label.setMinimumHeight(0)
        self.text_label.setText(text)
        self.text_label.setVisible(bool(text))
        self.raw_label.setText(f"As spoken: {raw}" if raw else "")
        self.raw_label.setVisible(bool(raw))
        self.tags_label.setText("   ".join(tags))
        self.tags_label.setVisible(bool(tags))
        self.note_label.setText(note)
        self.note_label.setStyleSheet(NOTE_WARNING if warning else NOTE_INFO)
        self.note_label.setVisible(bool(note))

    def _update_elapsed(self) -> None:
        self.status_label.show()
        self.status_label.setText(f"● Recording  {self._clock.elapsed() / 1000:.1f} s")

    def _appear(self, stay: bool) -> None:
        self._fade.stop()
        self.setWindowOpacity(1.0)
        # Rows were just shown or hidden and labels wrap: size the window for its fixed width
        # (a top-level window ignores height-for-width, and its size hint assumes a narrow
        # width, which made one short line three lines tall).
        self.layout().activate()
        height = self.heightForWidth(self.width())
        self.setFixedHeight(height if height > 0 else self.sizeHint().height())
        self._place()
        if not self.isVisible():
            self.show()
        if stay:
            self._hide_timer.stop()
        else:
            self._hide_timer.start(self.show_ms)

    @property
    def show_ms(self) -> int:
        """How long a result stays before fading (the popup_seconds setting)."""
        return int(self._settings.popup_seconds * 1000)

    def _place(self) -> None:
        """Bottom centre of the primary screen, above where panels usually sit."""
        screen = QGuiApplication.primaryScreen()
        if screen is None:
            return
        area = screen.availableGeometry()
        self.move(area.center().x() - self.width() // 2, area.bottom() - self.height() - 60)

    def fade_out(self) -> None:
        self._fade.stop()
        self._fade.setStartValue(self.windowOpacity())
        self._fade.setEndValue(0.0)
        self._fade.start()

    def _faded(self) -> None:
        if self.windowOpacity() <= 0.01:
            self.hide()
            self.setWindowOpacity(1.0)
