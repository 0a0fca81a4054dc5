"""Live words: what a take shows, saves and inserts piece by piece while the key is held (Qt-free)."""

from __future__ import annotations

from dataclasses import replace

from dictate_app.app.live_text import LiveTake, LiveView
from dictate_app.engine.incremental import Progress, join_transcripts
from dictate_app.engine.tags import parse_tagged


def piece(text: str, lang: str = "en", emotion: str = "NEUTRAL", event: str = "Speech"):
    return parse_tagged(f"<|{lang}|><|{emotion}|><|{event}|><|withitn|>{text}")


def test_the_view_is_final_then_provisional_with_the_join_of_the_result():
    take = LiveTake()
    view = take.update(Progress((piece("Call my friend.", emotion="HAPPY"),),
                                piece("Close the window.", emotion="HAPPY", event="Laughter")))
    assert view == LiveView("Call my friend.", " Close the window.", ("English", "😊 happy", "😀 laughter"))
    assert view.text == join_transcripts([piece("Call my friend."), piece("Close the window.")]).text
    # No final part yet: the provisional alone, no leading space.
    assert LiveTake().update(Progress((), piece("hello"))) == LiveView("", "hello", ("English", "neutral"))
    assert LiveTake().update(Progress()) == LiveView()


def test_cjk_pieces_join_without_a_space():
    view = LiveTake().update(Progress((piece("今天天气很好", "zh"),), piece("播放音乐", "zh")))
    assert (view.final, view.provisional, view.tags[0]) == ("今天天气很好", "播放音乐", "Mandarin")


def test_rules_apply_to_what_is_shown_and_a_rewrite_across_the_seam_shows_the_final_part_only():
    def rules(t):
        return replace(t, text=t.text.replace("teh", "the").replace("a b", "AB"))

    take = LiveTake(rules)
    assert take.update(Progress((piece("teh cat"),), piece("teh dog"))).text == "the cat the dog"
    view = take.update(Progress((piece("a"),), piece("b")))
    assert (view.final, view.provisional) == ("a", "")


def test_pieces_are_the_saved_final_text_growing_and_the_remainder_is_what_is_left():
    take = LiveTake()
    take.update(Progress((), piece("first")))
    assert not take.needs_saving() and take.next_piece() == "", "provisional text is never inserted"
    take.update(Progress((piece("first"),)))
    assert take.next_piece() == "", "nothing is inserted before the history holds it"
    assert take.needs_saving()
    take.saved()
    assert not take.needs_saving() and take.take_piece() == "first" and take.next_piece() == ""
    take.update(Progress((piece("first"), piece("second"))))
    take.saved()
    assert take.take_piece() == " second"
    take.piece_done("first", True)
    take.piece_done(" second", True)
    assert take.inserted_any
    assert take.remainder("first second third") == (" third", True)
    assert take.remainder("first second") == ("", True)
    assert take.remainder("First second third") == ("First second third", False)


def test_a_piece_that_does_not_land_stops_live_insertion_and_the_release_inserts_the_rest():
    take = LiveTake()
    take.update(Progress((piece("one"),)))
    take.saved()
    take.piece_done(take.take_piece(), True)
    take.update(Progress((piece("one"), piece("two"))))
    take.saved()
    sent = take.take_piece()
    take.piece_done(sent, False)  # the focus moved
    take.update(Progress((piece("one"), piece("two"), piece("three"))))
    take.saved()
    assert take.next_piece() == ""
    assert take.remainder("one two three four") == (" two three four", True)
