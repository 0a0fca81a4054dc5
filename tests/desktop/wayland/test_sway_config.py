"""Which bindings the user's sway config already has (desktop/wayland/sway_config.py): pure parsing
of the text, its variables, blocks and includes, so Dictate never silently replaces a binding."""

from __future__ import annotations

import re

import pytest

from dictate_app.desktop.wayland import sway_config
from dictate_app.desktop.wayland.sway_config import bindings_of_key, config_bindings, quote_regex

CONFIG = """\
set $mod Mod4
set $term foot
# bindsym F9 exec commented-out
bindsym $mod+Return exec $term
bindsym --release F9 exec \\
    notify-send released
bindsym Ctrl+F9 exec one
bindsym --whole-window BTN_LEFT exec mouse
mode "resize" {
    bindsym F9 resize shrink width 10px
}
input * {
    xkb_layout de
}
bindsym --to-code {
    F10 exec ten
    Control+F11 exec eleven
}
include conf.d/*
"""
INCLUDES = {"/etc/sway/conf.d/50-extra": "set $t2 F12\nbindsym $t2 exec twelve\n",
            "/etc/sway/conf.d/60-more": "bindsym mod1+F9 exec alt-nine\n"}


@pytest.fixture
def parsed(monkeypatch):
    """The bindings of CONFIG, its includes read from INCLUDES (which glob lists)."""
    monkeypatch.setattr(sway_config.glob, "glob",
                        lambda pattern: [n for n in INCLUDES if re.fullmatch(pattern.replace("*", ".*"), n)])
    return config_bindings(CONFIG, "/etc/sway/config", INCLUDES.__getitem__)


def test_default_mode_bindings_with_variables_continuations_blocks_and_includes(parsed):
    lines = [(b.keys, b.flags, b.command, b.source) for b in parsed]
    assert lines == [
        ("Mod4+Return", (), "exec $term", "/etc/sway/config:4"),  # keys are expanded, the command kept
        ("F9", ("--release",), "exec notify-send released", "/etc/sway/config:5"),
        ("Ctrl+F9", (), "exec one", "/etc/sway/config:7"),
        ("BTN_LEFT", ("--whole-window",), "exec mouse", "/etc/sway/config:8"),
        ("F10", ("--to-code",), "exec ten", "/etc/sway/config:16"),
        ("Control+F11", ("--to-code",), "exec eleven", "/etc/sway/config:17"),
        ("F12", (), "exec twelve", "/etc/sway/conf.d/50-extra:2"),
        ("mod1+F9", (), "exec alt-nine", "/etc/sway/conf.d/60-more:1"),
    ]
    assert parsed[1].line == "bindsym --release F9 exec notify-send released"


def test_a_key_matches_with_exactly_its_modifiers_under_any_synonym(parsed):
    bindings = parsed
    assert [b.command for b in bindings_of_key(bindings, "f9")] == ["exec notify-send released"]
    assert [b.command for b in bindings_of_key(bindings, "F9", frozenset({"Control"}))] == ["exec one"]
    assert [b.command for b in bindings_of_key(bindings, "F9", frozenset({"Alt"}))] == ["exec alt-nine"]
    assert [b.command for b in bindings_of_key(bindings, "F11", frozenset({"ctrl"}))] == ["exec eleven"]
    assert bindings_of_key(bindings, "Return", frozenset({"Super"}))[0].keys == "Mod4+Return"
    assert bindings_of_key(bindings, "BTN_LEFT") == []  # mouse bindings never clash with a key
    assert bindings_of_key(bindings, "F8") == []


def test_an_unreadable_include_is_skipped_as_sway_skips_it(tmp_path):
    def read(name):
        raise PermissionError(name)

    text = f"include {tmp_path}/*.conf\nbindsym F9 exec nine\n"
    (tmp_path / "a.conf").write_text("bindsym F8 exec eight\n")
    assert [b.keys for b in config_bindings(text, str(tmp_path / "config"), read)] == ["F9"]
    assert [b.keys for b in config_bindings(text, str(tmp_path / "config"))] == ["F8", "F9"]


def test_criteria_values_are_quoted_literally():
    assert quote_regex('Dictate (beta) "1.0"$') == r'Dictate \(beta\) \"1\.0\"\$'
    assert re.fullmatch(quote_regex("a.b*c"), "a.b*c") and not re.fullmatch(quote_regex("a.b"), "axb")
