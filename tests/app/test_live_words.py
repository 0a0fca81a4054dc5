"""Live words in the running app: the coordinator with its real lifecycle, worker thread,
incremental transcriber, popup, history and inserter, fakes only at the seams (the recorder's
live-VAD segments, the engine, keyboard and clipboard): the harness of test_coordinator.py."""

from __future__ import annotations

import threading

import numpy as np

from dictate_app.app.remote import status
from dictate_app.desktop.base import Window
from dictate_app.lifecycle import Phase
from dictate_app.output.per_app import PerAppInserter
from dictate_app.output.strategy import Method
from dictate_app.store.settings import AppOverride
from tests.app.test_coordinator import SEGMENTS, TAIL, Take, harness  # noqa: F401  (fixture)


def deliver_one(h, k: int, provisional: bool = False) -> None:
    """The recorder's thread closes segment ``k`` (optionally handed out provisionally first)."""
    on_segment, on_provisional = h.recorders[0].consumers

    def run():
        if provisional:
            on_provisional(SEGMENTS[k])
        on_segment(SEGMENTS[k])

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()


def rows(h):
    return [(e.text, e.insert_status) for e in reversed(h.history.recent())]


def live_harness(harness, **kwargs):
    """The harness with the history hooked to the coordinator's ``finished`` (as the shell does),
    and ``typed_was_saved``: for each typed piece, whether everything typed so far was then in
    the history (saved before it was inserted)."""
    h = harness(**kwargs)
    h.co.finished.connect(h.log.finished)
    h.typed_was_saved = []
    real_type = h.keyboard.type

    def type_(text, clear_modifiers=False):
        typed = "".join(t for kind, t, _ in h.keyboard.sent if kind == "type") + text
        h.typed_was_saved.append(any(saved.startswith(typed) for saved in h.saved_texts()))
        real_type(text, clear_modifiers)

    h.keyboard.type = type_
    return h


def test_words_show_while_held_and_the_history_row_grows_then_becomes_the_result(harness):
    h = live_harness(harness, texts=["please open", "the door", "now"], script=[Take(SEGMENTS[:2], TAIL)])
    h.start()
    assert status(h.co)["partial"] is None, "not recording: no partial text"
    h.co.press(0.0)
    assert h.popup.live_box.isVisible() and h.popup.live_text == ""
    assert status(h.co)["partial"] == "" and status(h.co)["partial_tags"] == []
    deliver_one(h, 0)
    h.qtbot.waitUntil(lambda: h.popup.live_text == "please open", timeout=5000)
    reply = status(h.co)
    assert (reply["partial"], reply["partial_final"], reply["partial_tags"], reply["phase"]) == (
        "please open", "please open", ["English", "😊 happy"], "recording")
    assert h.popup.tags_label.text() == "English   😊 happy", "tags as soon as they are known"
    assert rows(h) == [("please open", "recording")], "the row exists from the first closed segment"
    deliver_one(h, 1)
    h.qtbot.waitUntil(lambda: h.popup.live_text == "please open the door", timeout=5000)
    assert rows(h) == [("please open the door", "recording")], "one row, updated"
    assert h.keyboard.sent == [], "insert as I speak is off: nothing before release"
    h.co.release(3000.0)
    (uid, details), = h.wait_finished(1)
    assert details["text"] == "please open the door now" and "inserted_live" not in details
    assert h.keyboard.sent == [("key", "ctrl+v", False)] and h.saved_before_insert == [True]
    assert rows(h) == [("please open the door now", "inserted")]
    assert h.popup.text_label.text() == "please open the door now" and not h.popup.live_box.isVisible()
    assert status(h.co)["partial"] is None


def test_provisional_words_show_in_grey_before_their_segment_closes(harness):
    h = live_harness(harness, texts=["hello there"], script=[Take(SEGMENTS[:1], TAIL)], delay_s=0.0)
    h.start()
    h.co.press(0.0)
    on_segment, on_provisional = h.recorders[0].consumers
    threading.Thread(target=on_provisional, args=(SEGMENTS[0],)).start()
    h.qtbot.waitUntil(lambda: h.popup.live_text == "hello there", timeout=5000)
    reply = status(h.co)
    assert (reply["partial"], reply["partial_final"]) == ("hello there", ""), "provisional, not final"
    assert "italic" in h.popup.live_box.toHtml()
    assert rows(h) == [], "provisional words are not saved (they may change)"
    h.co.cancel()


def test_insert_as_i_speak_inserts_each_segment_as_it_closes_and_only_the_rest_at_release(harness):
    h = live_harness(harness, texts=["please open", "the door", "now"], script=[Take(SEGMENTS[:2], TAIL)],
                insert_method=Method.TYPE, insert_live=True)
    h.start()
    h.co.press(0.0)
    deliver_one(h, 0)
    h.qtbot.waitUntil(lambda: h.keyboard.sent == [("type", "please open", False)], timeout=5000)
    assert h.typed_was_saved == [True], "saved in the history before it was typed"
    assert h.co.state.phase is Phase.RECORDING
    deliver_one(h, 1)
    h.qtbot.waitUntil(lambda: len(h.keyboard.sent) == 2, timeout=5000)
    assert h.keyboard.sent[1] == ("type", " the door", False), "joined as the whole take joins"
    h.co.release(3000.0)
    (uid, details), = h.wait_finished(1)
    assert h.keyboard.sent == [("type", "please open", False), ("type", " the door", False),
                               ("type", " now", False)]
    assert "".join(text for _, text, _ in h.keyboard.sent) == details["text"] == "please open the door now"
    assert h.typed_was_saved == [True, True, True]
    assert rows(h) == [("please open the door now", "inserted")]


def test_insert_as_i_speak_with_nothing_left_at_release_inserts_nothing_more(harness):
    h = live_harness(harness, texts=["all of it"], script=[Take(SEGMENTS[:1], np.zeros(4000, np.float32))],
                insert_method=Method.TYPE, insert_live=True)
    h.start()
    h.co.press(0.0)
    deliver_one(h, 0)
    h.qtbot.waitUntil(lambda: h.keyboard.sent == [("type", "all of it", False)], timeout=5000)
    h.co.release(2000.0)
    (uid, details), = h.wait_finished(1)
    assert details["status"] == "inserted" and h.keyboard.sent == [("type", "all of it", False)]
    h.qtbot.waitUntil(lambda: h.co.state.phase is Phase.IDLE, timeout=2000)


def test_a_chat_apps_enter_comes_after_the_last_piece_even_with_nothing_left_at_release(harness):
    h = live_harness(harness, texts=["all of it"], script=[Take(SEGMENTS[:1], np.zeros(4000, np.float32))],
                     insert_method=Method.TYPE, insert_live=True)
    h.co.inserter = PerAppInserter(h.inserter, lambda: (AppOverride("Slack", auto_enter=True),))
    h.co.active_window = lambda: Window("w1", "slack Slack")
    h.start()
    h.co.press(0.0)
    deliver_one(h, 0)
    h.qtbot.waitUntil(lambda: h.keyboard.sent == [("type", "all of it", False)], timeout=5000)
    h.co.release(2000.0)
    h.wait_finished(1)
    assert h.keyboard.sent == [("type", "all of it", False), ("key", "enter", False)], "Enter once, at the end"


def test_a_piece_whose_window_lost_focus_is_not_typed_and_the_release_handles_the_rest(harness):
    h = live_harness(harness, texts=["one", "two", "three"], script=[Take(SEGMENTS[:2], TAIL)], insert_method=Method.TYPE,
                insert_live=True, window="another")  # the focus is elsewhere from the start
    h.start()
    h.co.press(0.0)
    deliver_one(h, 0)
    h.qtbot.waitUntil(lambda: h.clipboard.text() == "one", timeout=5000)  # the piece: on the clipboard
    deliver_one(h, 1)
    h.qtbot.wait(200)
    assert h.keyboard.sent == [], "no more pieces after one did not land"
    h.co.release(3000.0)
    (uid, details), = h.wait_finished(1)
    assert details["status"] == "clipboard" and h.clipboard.text() == "one two three", "nothing lost"


def test_esc_drops_the_take_and_its_row_unless_words_were_already_typed(harness):
    h = live_harness(harness, texts=["keep this", "and this", "x", "y"],
                script=[Take(SEGMENTS[:1], TAIL), Take(SEGMENTS[:1], TAIL)], insert_method=Method.TYPE)
    h.start()
    h.co.press(0.0)
    deliver_one(h, 0)
    h.qtbot.waitUntil(lambda: rows(h) == [("keep this", "recording")], timeout=5000)
    h.co.cancel()
    h.qtbot.waitUntil(lambda: rows(h) == [], timeout=2000)
    h.settings.set("insert_live", True)
    h.recorders[0].script.pop(0)
    h.co.press(5000.0)
    deliver_one(h, 0)
    h.qtbot.waitUntil(lambda: h.keyboard.sent == [("type", "and this", False)], timeout=5000)
    h.co.cancel()
    assert h.finished[-1] == (2, {"status": "cancelled", "inserted_live": True})
    h.qtbot.waitUntil(lambda: rows(h) == [("and this", "cancelled")], timeout=2000)
