"""Per-app overrides around the real Inserter (fake clipboard/keyboard at the seams): forced
typing, another paste chord, Enter after the text; no match leaves everything as set."""

from __future__ import annotations

from dictate_app.desktop.base import Window
from dictate_app.output.inserter import Inserter
from dictate_app.output.per_app import PerAppInserter
from dictate_app.output.strategy import Method
from dictate_app.store.settings import AppOverride
from tests.desktop.fakes import FakeClipboard, FakeKeyboard

OVERRIDES = (AppOverride("xterm", method="type"), AppOverride("Slack", auto_enter=True),
             AppOverride("konsole", paste_keys="ctrl+shift+v"))
APPS = {"1": Window("1", "xterm XTerm", "bash"), "2": Window("2", "slack Slack", "general"),
        "3": Window("3", "konsole konsole", "~"), "4": Window("4", "firefox Firefox")}


def _inserter():
    keyboard = FakeKeyboard(window=None)
    inner = Inserter(FakeClipboard({"text/plain": b"OLD"}), keyboard, keyboard.focused, lambda ms, fn: fn(),
                     restore_delay_ms=0)
    return PerAppInserter(inner, lambda: OVERRIDES), keyboard


def _insert(inserter, target, method=Method.PASTE):
    outcomes = []
    inserter.insert("hello there", target, method, outcomes.append)
    return outcomes[0]


def test_each_override(monkeypatch):
    inserter, keyboard = _inserter()
    for wid, target in APPS.items():
        keyboard.window = wid
        _insert(inserter, target)
    assert keyboard.sent == [
        ("type", "hello there", False),              # xterm: typed
        ("key", "ctrl+v", False), ("key", "enter", False),  # Slack: pasted, then Enter
        ("key", "ctrl+shift+v", False),              # konsole: its paste chord
        ("key", "ctrl+v", False),                    # firefox: as set
    ]
    assert inserter.paste_keys == "ctrl+v"  # restored after the konsole insertion


def test_no_enter_when_not_inserted():
    inserter, keyboard = _inserter()
    keyboard.window = "9"  # focus moved away from the target "2"
    outcome = _insert(inserter, APPS["2"])
    assert outcome.status == "clipboard" and keyboard.sent == []


def test_paste_keys_setting_passes_through():
    inserter, _keyboard = _inserter()
    inserter.paste_keys = "shift+insert"
    assert inserter.inner.paste_keys == "shift+insert"


def test_a_piece_of_a_take_gets_the_override_but_not_its_enter():
    """Insert as I speak: Enter (a chat app's "send") waits for the take's last piece."""
    inserter, keyboard = _inserter()
    keyboard.window = "2"
    outcomes = []
    inserter.insert_piece("first sentence", APPS["2"], Method.PASTE, outcomes.append)
    assert outcomes[0].inserted and keyboard.sent == [("key", "ctrl+v", False)]
    keyboard.window = "1"
    inserter.insert_piece(" more", APPS["1"], Method.PASTE, outcomes.append)
    assert keyboard.sent[-1] == ("type", " more", False), "the xterm override still types"


def test_a_take_inserted_whole_as_spoken_still_gets_its_enter_at_release():
    """Every piece landed before release: nothing is left to insert, the chat app's Enter is."""
    inserter, keyboard = _inserter()
    keyboard.window = "2"
    inserter.enter_after(APPS["2"])
    assert keyboard.sent == [("key", "enter", False)]
    keyboard.window = "4"
    inserter.enter_after(APPS["4"])  # no override with Enter for Firefox
    assert keyboard.sent == [("key", "enter", False)]
