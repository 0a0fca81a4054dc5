"""wtype's arguments, chunks, errors and checks, at the subprocess seam (and wtype's own argument
parser where it is installed: it parses before it connects, so no display is needed)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from dictate_app.desktop.base import InsertError
from dictate_app.desktop.wayland.wtype import (
    KEYMAP_WAIT_MS,
    NO_PROTOCOL,
    WtypeKeyboard,
    chord_args,
    chunks,
)


class FakeRun:
    """Records wtype invocations; answers with ``returncode``/``stderr`` or raises ``exc``."""

    def __init__(self, returncode: int = 0, stderr: str = "", exc: BaseException | None = None):
        self.calls: list[tuple[list[str], dict]] = []
        self.returncode, self.stderr, self.exc = returncode, stderr, exc

    def __call__(self, args, **kw):
        self.calls.append((args, kw))
        if self.exc:
            raise self.exc
        return subprocess.CompletedProcess(args, self.returncode, "", self.stderr)

    def argv(self) -> list[list[str]]:
        return [args for args, _ in self.calls]


def test_chords_in_one_process_modifiers_released_in_reverse():
    assert chord_args("ctrl+v") == ["-M", "ctrl", "-k", "v", "-m", "ctrl"]
    assert chord_args("ctrl+shift+v") == ["-M", "ctrl", "-M", "shift", "-k", "v", "-m", "shift", "-m", "ctrl"]
    assert chord_args("shift+insert") == ["-M", "shift", "-k", "Insert", "-m", "shift"]
    assert chord_args("super+f9") == ["-M", "logo", "-k", "F9", "-m", "logo"]
    assert chord_args("Shift+Insert") == chord_args("shift+insert")  # an older spelling


def test_key_waits_for_the_keymap_first():
    run = FakeRun()
    WtypeKeyboard("/usr/bin/wtype", run=run).key("ctrl+v")
    assert run.argv() == [["/usr/bin/wtype", "-s", str(KEYMAP_WAIT_MS), "-M", "ctrl", "-k", "v", "-m", "ctrl"]]
    kw = run.calls[0][1]
    assert kw["env"]["LC_ALL"] == "C.UTF-8" and kw["timeout"] > 0 and kw["stdin"] == subprocess.DEVNULL


def test_text_after_double_dash_so_a_leading_dash_is_text():
    run = FakeRun()
    WtypeKeyboard("/usr/bin/wtype", keymap_wait_ms=80, run=run).type("-5 degrees")
    assert run.argv() == [["/usr/bin/wtype", "-s", "80", "--", "-5 degrees"]]


def test_long_texts_go_in_pieces_of_at_most_200_distinct_characters():
    text = "".join(chr(0x4E00 + i) for i in range(450)) + "end"
    pieces = chunks(text)
    assert "".join(pieces) == text
    assert [len(set(p)) for p in pieces] == [200, 200, 53]
    assert chunks("hello hello") == ["hello hello"]
    assert chunks("") == []
    run = FakeRun()
    WtypeKeyboard("/usr/bin/wtype", run=run).type(text)
    assert [args[4] for args in run.argv()] == pieces


def test_long_texts_get_a_longer_timeout():
    run = FakeRun()
    WtypeKeyboard("/usr/bin/wtype", run=run).type("a" * 1000)
    WtypeKeyboard("/usr/bin/wtype", run=run).type("a")
    assert run.calls[0][1]["timeout"] > run.calls[1][1]["timeout"] + 40


@pytest.mark.parametrize("run, message", [
    (FakeRun(exc=FileNotFoundError()), "wtype not found: sudo apt install wtype"),
    (FakeRun(exc=subprocess.TimeoutExpired("wtype", 5)), "did not finish within"),
    (FakeRun(1, NO_PROTOCOL + "\n"), "no virtual-keyboard protocol"),
    (FakeRun(1, "Wayland connection failed\n"), "could not connect to the Wayland display"),
    (FakeRun(1, "Unknown key 'Foo'\n"), r"wtype failed \(Unknown key 'Foo'\)"),
])
def test_failures_are_one_sentence_with_the_way_out(run, message):
    with pytest.raises(InsertError, match=message) as info:
        WtypeKeyboard("/usr/bin/wtype", run=run).type("hi")
    assert str(info.value).endswith("your text is on the clipboard.")


def test_missing_wtype_and_a_bad_chord():
    keyboard = WtypeKeyboard(run=FakeRun())
    keyboard._exe = None
    with pytest.raises(InsertError, match="wtype not found: sudo apt install wtype"):
        keyboard.key("ctrl+v")
    with pytest.raises(InsertError, match="not a key name"):
        WtypeKeyboard("/usr/bin/wtype", run=FakeRun()).key("ctrl+nokey")


def test_held_modifiers_cannot_be_told():
    assert WtypeKeyboard("/usr/bin/wtype", run=FakeRun()).held_modifiers() is False


def test_checks_from_a_probe():
    ok = {r.capability: r.status for r in WtypeKeyboard("/usr/bin/wtype", run=FakeRun()).checks()}
    assert ok == {"typing": "ok", "paste": "ok"}
    rows = WtypeKeyboard("/usr/bin/wtype", run=FakeRun(1, NO_PROTOCOL)).checks()
    assert {r.status for r in rows} == {"unsupported"} and "GNOME" in rows[0].fix
    keyboard = WtypeKeyboard(run=FakeRun())
    keyboard._exe = None
    rows = keyboard.checks()
    assert {r.status for r in rows} == {"missing"} and rows[0].fix == "sudo apt install wtype"


@pytest.mark.skipif(shutil.which("wtype") is None, reason="wtype is not installed")
def test_real_wtype_takes_dash_text_after_double_dash(tmp_path, monkeypatch):
    """wtype parses every argument before it connects: without a display, a parse error is its
    own message and a good command line ends at "Wayland connection failed"."""
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setenv("LANG", "C")  # wtype fails to decode non-ASCII argv here unless we set LC_ALL
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_CTYPE", raising=False)
    keyboard = WtypeKeyboard()
    for send in (lambda: keyboard.type("-5 degrees"), lambda: keyboard.type("-"),
                 lambda: keyboard.type("你好 🙂"), lambda: keyboard.key("ctrl+shift+v")):
        with pytest.raises(InsertError, match="could not connect to the Wayland display"):
            send()
    done = subprocess.run(["wtype", "-s", "1", "-5 degrees"], capture_output=True, text=True,
                          env={"XDG_RUNTIME_DIR": str(tmp_path), "LC_ALL": "C.UTF-8"})
    assert "Missing argument to -5 degrees" in done.stderr  # what "--" prevents
