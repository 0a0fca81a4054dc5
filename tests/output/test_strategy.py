"""Which insertion method for which text."""

import pytest

from dictate_app.output.strategy import TYPE_MAX_CHARS, Method, choose_method


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello world", Method.TYPE),  # short ASCII: typing is as fast and touches no clipboard
        ("a" * TYPE_MAX_CHARS, Method.TYPE),
        ("a" * (TYPE_MAX_CHARS + 1), Method.PASTE),  # long: typing costs ~12 ms a character
        ("你好", Method.PASTE),  # CJK: paste is exact everywhere
        ("café", Method.PASTE),
        ("ok 😀", Method.PASTE),
    ],
)
def test_auto_types_short_ascii_and_pastes_the_rest(text, expected):
    assert choose_method(text, "auto") is expected


@pytest.mark.parametrize("setting", [Method.PASTE, Method.TYPE])
def test_explicit_setting_wins(setting):
    assert choose_method("你好", setting) is setting
    assert choose_method("hi", setting.value) is setting


def test_unknown_setting_is_rejected():
    with pytest.raises(ValueError):
        choose_method("hi", "telepathy")
