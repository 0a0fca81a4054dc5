"""The strict target: xterm, with the app set to type (`--insert type`).

xterm ignores synthetic XSendEvent key events (what pynput's type() sends) and does not paste
with Ctrl+V, so text only arrives here if typing goes through XTEST with correct keysyms, which
is what the app's xdotool backend does, for Latin script and CJK alike.
"""

from __future__ import annotations

import pytest

from testkit.desktop.app_harness import (
    OLD_CLIPBOARD,
    App,
    XtermTarget,
    clipboard,
    hold_to_talk,
    set_clipboard,
    settled_text,
    start_talking,
    synthesize,
)

pytestmark = [pytest.mark.desktop, pytest.mark.slow]


@pytest.fixture(scope="module")
def terminal(desktop, fixture_model_dir, tmp_path_factory):
    data = tmp_path_factory.mktemp("app-terminal")
    target = XtermTarget(desktop, data / "xterm.txt")
    app = App(desktop, fixture_model_dir, data, "--insert", "type")
    yield desktop, target, app
    rc = app.close()
    target.close()
    assert rc == 0, app.stderr()[-3000:]


@pytest.mark.parametrize(("case", "spoken", "voice"), [
    ("english", "call my mother", "en-us"),
    ("mandarin", "我们回家", "cmn-latn-pinyin"),
])
def test_typed_into_xterm(terminal, tmp_path, case, spoken, voice):
    desktop, target, app = terminal
    set_clipboard(desktop, OLD_CLIPBOARD)
    wav = synthesize(desktop, spoken, tmp_path / f"{case}.wav", voice)
    result = hold_to_talk(desktop, target, wav)
    print(f"\nxterm {case}: {result['text']!r}, release-to-text {result['release_to_text_s'] * 1000:.0f} ms")
    assert result["text"] == app.logged_texts()[-1]  # typed exactly what the app transcribed
    assert result["text"] == spoken  # and the fixture model heard the words
    assert result["focus_during"] == target.wid and desktop.focused_window() == target.wid
    assert clipboard(desktop) == OLD_CLIPBOARD  # typing never touches the clipboard


def test_held_shift_does_not_change_typed_text(terminal, tmp_path):
    """The user still holds Shift when the text is ready: typing must not come out in capitals.

    Shift stays down 1.5 s after F9 comes up, longer than the app waits for it (0.6 s), so the
    app types with the modifiers cleared; a shorter hold would be waited out. The holds are
    separate xdotool processes: a late one only makes a hold longer, which changes nothing here.
    """
    import time

    desktop, target, app = terminal
    spoken = "play music"
    wav = synthesize(desktop, spoken, tmp_path / "shift.wav", "en-us")
    target.reset()
    start_talking(desktop)
    desktop.speak(wav)
    desktop.xdotool("keydown", "shift")
    desktop.xdotool("keyup", "F9")
    time.sleep(1.5)
    desktop.xdotool("keyup", "shift")
    assert settled_text(target) == spoken
