"""``dictate-app status`` and friends: the human line of a reply (the socket round trip is in
tests/app/test_single_instance.py)."""

from dictate_app.commands.control import describe


def test_status_line_names_the_words_so_far_while_recording():
    reply = {"phase": "recording", "model": "ready", "mode": "hold", "hotkey": "f9",
             "partial": "call my friend close", "partial_final": "call my friend"}
    assert describe(reply) == "recording, model ready, hold mode, hotkey f9, so far: call my friend close"
    assert describe(dict(reply, phase="ready", partial=None)) == "ready, model ready, hold mode, hotkey f9"
