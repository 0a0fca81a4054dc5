"""The settings dialog's AI modes tab: mode choosers that keep a typed or vanished mode, the line
saying where the text goes following the endpoint as it is typed, and values round-tripped."""

from __future__ import annotations

from dictate_app.app.settings_ai import AiModesTab, mode_box, mode_of, set_mode
from dictate_app.app.settings_help import AS_SET_ABOVE
from dictate_app.store.settings import Settings

NAMES = ["as spoken", "clean up", "email"]


def test_a_mode_not_in_the_catalog_is_kept_and_typed_names_are_read_back(qtbot):
    box = mode_box(NAMES, "translate to German")
    qtbot.addWidget(box)
    assert mode_of(box) == "translate to German"  # added, not replaced by the first entry
    set_mode(box, "email")
    assert mode_of(box) == "email"
    box.setEditText("translate to Italian")
    assert mode_of(box) == "translate to Italian"


def test_the_inherit_entry_reads_as_empty(qtbot):
    box = mode_box(NAMES, "", inherit=True)
    qtbot.addWidget(box)
    assert box.itemText(0) == AS_SET_ABOVE and mode_of(box) == ""


def test_where_the_text_goes_follows_the_endpoint_and_values_round_trip(qtbot):
    tab = AiModesTab(lambda: NAMES)
    qtbot.addWidget(tab)
    settings = Settings(ai_mode="email", llm_url="http://127.0.0.1:11434/v1", llm_model="qwen3:4b",
                        llm_timeout_s=2.5, ai_mode_min_words=4)
    tab.load(settings)
    assert tab.where.text() == "Text is sent to 127.0.0.1 (this computer)."
    tab.widgets["llm_url"].setText("https://api.example.com/v1")
    assert tab.where.text() == "Text is sent to api.example.com (another computer)."
    tab.widgets["llm_url"].setText("  ")
    assert tab.where.text() == "Not set: the AI modes cannot run."
    tab.widgets["llm_url"].setText("http://127.0.0.1:11434/v1")
    assert tab.values() == {"ai_mode": "email", "ai_mode_shift": settings.ai_mode_shift,
                            "llm_url": "http://127.0.0.1:11434/v1", "llm_model": "qwen3:4b",
                            "llm_timeout_s": 2.5, "ai_mode_min_words": 4}
