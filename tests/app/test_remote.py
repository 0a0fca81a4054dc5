"""The running app's remote commands (app/remote.py) inside the coordinator's real flow (the
coordinator harness, fakes only at the recorder/engine/keyboard seams): start and stop are
idempotent, toggle and cancel do what applies, status carries the desktop's facts."""

from __future__ import annotations

from dictate_app.app.live_text import LiveView
from dictate_app.app.remote import live_status, make_handler
from dictate_app.lifecycle import Phase
from tests.app.test_coordinator import SPEECH, harness  # noqa: F401  (the fixture)


def test_remote_commands_drive_the_coordinator(harness):
    h = harness(texts=["hello world from the command line"], script=[SPEECH])
    shown = []
    facts = {"backend": "x11", "hotkey_problem": None, "checks": []}
    handle = make_handler(h.co, lambda: shown.append(1), lambda: facts)
    h.start()
    reply = handle("status")
    assert reply["phase"] == "ready" and reply["model"] == "ready" and reply["recording"] is False
    assert reply["desktop"] == facts  # what `dictate-app doctor` shows of the running app
    assert "desktop" not in handle("stop")  # commands bound to keys stay cheap
    assert handle("stop")["recording"] is False  # stop while idle: nothing happens
    assert handle("start")["phase"] == "recording"
    assert handle("start")["recording"] is True  # idempotent
    assert handle("stop")["recording"] is False
    (_uid, details), = h.wait_finished(1)
    assert details["status"] == "inserted" and details["text"] == "hello world from the command line"
    h.qtbot.waitUntil(lambda: h.co.state.phase is Phase.IDLE, timeout=2000)
    assert handle("toggle")["recording"] is True
    assert handle("cancel")["recording"] is False
    assert h.wait_finished(2)[1][1] == {"status": "cancelled"}
    handle("show")
    assert shown == [1]


def test_start_hands_free_over_the_control_socket_starts_once_and_says_so(harness):
    h = harness(texts=[], script=[SPEECH])
    handle = make_handler(h.co, lambda: None)
    h.start()
    reply = handle("start-hands-free")
    assert reply["recording"] is True and reply["hands_free"] is True
    assert "on_pause" in h.recorders[0].take, "hold mode, yet this take stops by itself"
    assert handle("start-hands-free")["recording"] is True and h.recorders[0].log == ["start"]
    assert handle("cancel")["hands_free"] is False


def test_live_status_is_the_words_so_far_or_nothing():
    assert live_status(None) == {"partial": None, "partial_final": None, "partial_tags": None}
    view = LiveView(final="hello there", provisional=" gen", tags=("en", "HAPPY"))
    assert live_status(view) == {"partial": "hello there gen", "partial_final": "hello there",
                                 "partial_tags": ["en", "HAPPY"]}
