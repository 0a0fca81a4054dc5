"""WtypeKeyboard on the real bench: exact text into a Qt Wayland field, first character included,
and the paste chord pasting what wl-copy put on the clipboard."""

from __future__ import annotations

import subprocess

from dictate_app.desktop.wayland.wtype import WtypeKeyboard
from testkit.desktop.app_harness import wait_for
from testkit.desktop.wayland.clients import Target

TEXTS = ("hello 你好 wörld 🙂", "-5 degrees", "Ärger über 東京")


def test_types_exact_text_first_character_included(sway, tmp_path):
    target = Target(sway, tmp_path / "target.txt")
    keyboard = WtypeKeyboard()
    try:
        for _ in range(3):  # the first key's race with the keymap is a matter of chance
            for text in TEXTS:
                target.reset()
                keyboard.type(text)
                wait_for(lambda: target.text() == text, 5, f"{text!r} in the target (got {target.text()!r})")
    finally:
        target.close()


def test_ctrl_v_pastes_the_clipboard_wl_copy_set(sway, tmp_path):
    target = Target(sway, tmp_path / "target.txt")
    keyboard = WtypeKeyboard()
    try:
        for text in ("pasted 你好 🙂", "-n also pasted"):
            target.reset()
            subprocess.run(["wl-copy", "--", text], env=sway.env, check=True, timeout=10)
            keyboard.key("ctrl+v")
            wait_for(lambda: target.text() == text, 5, f"{text!r} pasted (got {target.text()!r})")
    finally:
        subprocess.run(["wl-copy", "--clear"], env=sway.env, timeout=10)
        target.close()


def test_checks_on_sway(sway):
    rows = {row.capability: row.status for row in WtypeKeyboard().checks()}
    assert rows == {"typing": "ok", "paste": "ok"}
