"""The settings dialog's words (app/settings_help.py): every tooltip belongs to a real setting and is
a sentence; the per-application table has one column per field of an override. (That every
widget shows a tooltip: tests/app/test_settings_dialog.py.)"""

from __future__ import annotations

from dataclasses import fields

from dictate_app.app.settings_help import OVERRIDE_COLUMNS, SERVER_EXAMPLE, TOOLTIPS
from dictate_app.server.settings import DEFAULT_PORT
from dictate_app.store.settings import KEYS, AppOverride


def test_every_tooltip_names_a_setting_and_is_a_sentence():
    assert set(TOOLTIPS) <= set(KEYS), set(TOOLTIPS) - set(KEYS)
    for key, text in TOOLTIPS.items():
        assert text[0].isupper() or text[0] in "“`", key
        assert text.rstrip().endswith((".", ")", "”")) and "\n" not in text, key


def test_one_column_with_its_explanation_per_override_field():
    assert len(OVERRIDE_COLUMNS) == len(fields(AppOverride))
    assert all(header and explanation for header, explanation in OVERRIDE_COLUMNS)


def test_the_server_example_uses_the_servers_default_port():
    assert SERVER_EXAMPLE == f"http://host:{DEFAULT_PORT}"
