"""The X11 keyboard's (xdotool) command lines and its user-facing errors (a recording stand-in binary)."""

from __future__ import annotations

import os
import stat

import pytest

from dictate_app.desktop.base import InsertError
from dictate_app.desktop.x11.xdotool import Xdotool, ascii_runs, xdotool_chord


@pytest.fixture
def recorder_exe(tmp_path):
    """A stand-in xdotool that appends its argv (NUL-separated) to a log and exits with $RC."""
    log = tmp_path / "argv.log"
    exe = tmp_path / "xdotool"
    exe.write_text(
        "#!/bin/sh\n"
        f'for a in "$@"; do printf "%s\\0" "$a" >> "{log}"; done; printf "\\n" >> "{log}"\n'
        'if [ "$1" = getactivewindow ]; then echo 4194311; fi\n'
        'if [ -n "$RC" ]; then echo "boom: $RC" >&2; exit "$RC"; fi\n'
    )
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return str(exe), log


def calls(log):
    return [line.split("\0")[:-1] for line in log.read_text().splitlines()]


def test_type_passes_text_after_double_dash(recorder_exe):
    exe, log = recorder_exe
    Xdotool(exe).type("-rf ok")
    assert calls(log) == [["type", "--delay", "12", "--", "-rf ok"]]


def test_characters_off_the_layout_are_typed_slowly(recorder_exe):
    # Each needs a keymap change the target must see first (see x11.REMAP_DELAY_MS).
    exe, log = recorder_exe
    Xdotool(exe).type("call 你好 ok", clear_modifiers=True)
    assert calls(log) == [
        ["type", "--clearmodifiers", "--delay", "12", "--", "call "],
        ["type", "--clearmodifiers", "--delay", "100", "--", "你好"],
        ["type", "--clearmodifiers", "--delay", "12", "--", " ok"],
    ]


def test_ascii_runs():
    assert ascii_runs("") == []
    assert ascii_runs("héllo 😀") == [("h", True), ("é", False), ("llo ", True), ("😀", False)]


def test_key_and_clear_modifiers(recorder_exe):
    exe, log = recorder_exe
    Xdotool(exe).key("ctrl+v")
    Xdotool(exe).key("shift+insert", clear_modifiers=True)
    Xdotool(exe).key("enter")
    assert calls(log) == [["key", "ctrl+v"], ["key", "--clearmodifiers", "shift+Insert"], ["key", "Return"]]


def test_chords_in_our_spelling_become_xdotools():
    assert xdotool_chord("ctrl+shift+v") == "ctrl+shift+v"
    assert xdotool_chord("Shift+Insert") == "shift+Insert"  # an older setting's spelling
    assert xdotool_chord("super+page_up") == "super+Prior"


def test_checks_say_how_to_install_xdotool(monkeypatch):
    monkeypatch.setenv("PATH", os.devnull)
    rows = {row.capability: row for row in Xdotool().checks()}
    assert rows["typing"].status == "missing" and rows["paste"].status == "missing"
    assert rows["typing"].fix == "install xdotool: sudo apt install xdotool"


def test_failure_is_one_sentence_naming_the_cause(recorder_exe, monkeypatch):
    exe, _ = recorder_exe
    monkeypatch.setenv("RC", "1")
    with pytest.raises(InsertError, match="xdotool failed \\(boom: 1\\)"):
        Xdotool(exe).key("ctrl+v")


def test_missing_xdotool_says_how_to_install(monkeypatch):
    monkeypatch.setenv("PATH", os.devnull)
    with pytest.raises(InsertError, match="apt install xdotool"):
        Xdotool().type("hi")
