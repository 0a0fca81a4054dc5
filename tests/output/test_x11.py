"""The xdotool backend's command lines and its user-facing errors (a recording stand-in binary)."""

from __future__ import annotations

import os
import stat

import pytest

from dictate_app.output.x11 import InsertError, Xdotool, ascii_runs


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
    Xdotool(exe).key("shift+Insert", clear_modifiers=True)
    assert calls(log) == [["key", "ctrl+v"], ["key", "--clearmodifiers", "shift+Insert"]]


def test_active_window(recorder_exe, monkeypatch):
    exe, _ = recorder_exe
    monkeypatch.setenv("DISPLAY", ":0")
    assert Xdotool(exe).active_window() == "4194311"
    monkeypatch.delenv("DISPLAY")
    assert Xdotool(exe).active_window() is None


def test_failure_is_one_sentence_naming_the_cause(recorder_exe, monkeypatch):
    exe, _ = recorder_exe
    monkeypatch.setenv("RC", "1")
    with pytest.raises(InsertError, match="xdotool failed \\(boom: 1\\)"):
        Xdotool(exe).key("ctrl+v")


def test_missing_xdotool_says_how_to_install(monkeypatch):
    monkeypatch.setenv("PATH", os.devnull)
    with pytest.raises(InsertError, match="apt install xdotool"):
        Xdotool().type("hi")
