"""The settings schema: one default per key, typed coercion from stored strings, bad values
fall back to their default with a report, never an exception."""

from __future__ import annotations

import json

import pytest

from dictate_app.output.per_app import override_for
from dictate_app.store import settings as s


def test_defaults_cover_the_issue_keys():
    expected = {"hotkey", "mode", "language", "itn", "insert_method", "paste_keys", "app_overrides",
                "microphone", "keep_mic_ready", "tail_ms", "model_dir", "device", "sounds", "sound_volume",
                "popup_seconds", "start_at_login", "history_audio", "history_audio_cap_mb",
                "history_retention_days", "server_url", "desktop", "auto_stop_s", "insert_live",
                "ai_mode", "ai_mode_shift", "llm_url", "llm_model", "llm_timeout_s", "ai_mode_min_words"}
    assert set(s.KEYS) == expected
    assert s.DEFAULTS.insert_live is False, "insert as I speak is off by default (issue 24)"
    d = s.DEFAULTS
    assert (d.hotkey, d.mode, d.language, d.insert_method, d.tail_ms, d.history_audio) == (
        "f9", "hold", "auto", "paste", 250, False)
    assert d.auto_stop_s == 2.0  # used in toggle mode only (hold mode never stops by itself)


def test_round_trip_through_stored_strings():
    custom = s.Settings(mode="toggle", auto_stop_s=3.5, itn=False, tail_ms=400, popup_seconds=1.5, sound_volume=80,
                        app_overrides=(s.AppOverride("Slack", auto_enter=True),),
                        server_url="http://127.0.0.1:8765")
    stored = {k: str(s.to_stored(k, getattr(custom, k))) for k in s.KEYS}  # INI gives back strings
    loaded, problems = s.from_stored(stored)
    assert problems == [] and loaded == custom


def test_bad_values_fall_back_and_are_reported():
    raw = {"mode": "sideways", "tail_ms": "abc", "sound_volume": "500", "itn": "maybe",
           "app_overrides": "[{not json", "language": "de", "popup_seconds": "nan",
           "hotkey": "ctrl+ä;rm", "server_url": "ftp://x", "keep_mic_ready": "true", "unknown": "x"}
    loaded, problems = s.from_stored(raw)
    assert loaded == s.Settings(keep_mic_ready=True)  # the one good value is kept
    assert len(problems) == 9
    assert any("mode = 'sideways' is invalid (not one of hold, toggle)" in p for p in problems)
    assert any("sound_volume" in p and "outside 0..100" in p for p in problems)
    assert all(p.endswith(".") and "\n" not in p for p in problems)


def test_override_validation_and_matching():
    good = json.dumps([{"match": "Slack", "method": "paste", "auto_enter": "true"},
                       {"match": "xterm", "method": "type"}])
    overrides = s.coerce("app_overrides", good)
    settings = s.Settings(app_overrides=overrides)
    assert override_for(settings.app_overrides, "slack.Slack").auto_enter is True
    assert override_for(settings.app_overrides, "XTerm").method == "type"
    assert override_for(settings.app_overrides, "firefox") is None
    assert override_for(settings.app_overrides, None) is None
    for bad in ('[{"match": ""}]', '[{"match": "a", "method": "fax"}]', '{"match": "a"}',
                '[{"match": "a", "paste_keys": "ctrl+z"}]'):
        with pytest.raises(ValueError):
            s.coerce("app_overrides", bad)


def test_changed_keys():
    assert s.changed_keys(s.DEFAULTS, s.Settings(tail_ms=0, sounds=False)) == ["tail_ms", "sounds"]


def test_daily_use_core_imports_no_qt_torch_or_audio():
    """The pure core of issue 6 (settings, history, rules, cues, autostart, per-app) and its CLIs
    import no Qt, torch or PortAudio: they load fast and run without a display."""
    import subprocess
    import sys

    modules = ("dictate_app.store.history", "dictate_app.store.history_export", "dictate_app.store.settings",
               "dictate_app.store.autostart", "dictate_app.text.rules", "dictate_app.text.vocabulary",
               "dictate_app.audio.cues", "dictate_app.output.per_app", "dictate_app.commands.history",
               "dictate_app.commands.control", "dictate_app.commands.rules",
               # The desktop layer's interface, vocabulary, choice and X11 backend (its Qt clipboard
               # and pynput are imported only when used).
               "dictate_app.desktop.keys", "dictate_app.desktop.base", "dictate_app.desktop.session",
               "dictate_app.desktop.choose", "dictate_app.desktop.x11")
    code = (f"import sys\nfor m in {modules!r}: __import__(m)\n"
            "print(sorted(m for m in ('PySide6', 'torch', 'sounddevice', 'funasr') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_older_key_spellings_keep_working():
    """settings.ini files of earlier versions wrote pynput and xdotool spellings."""
    loaded, problems = s.from_stored({
        "hotkey": "<pause>", "paste_keys": "shift+Insert",
        "app_overrides": '[{"match": "konsole", "paste_keys": "Ctrl+Shift+V"}]'})
    assert problems == []
    assert (loaded.hotkey, loaded.paste_keys) == ("pause", "shift+insert")
    assert loaded.app_overrides[0].paste_keys == "ctrl+shift+v"
    assert s.from_stored({"hotkey": "cmd_r"})[0].hotkey == "super_r"


def test_a_hotkey_every_app_needs_falls_back_with_the_reason():
    loaded, problems = s.from_stored({"hotkey": "space", "desktop": "beos"})
    assert (loaded.hotkey, loaded.desktop) == ("f9", "auto")
    assert "Space cannot be the hotkey" in problems[0] and "desktop = 'beos'" in problems[1]


def test_default_rules_cover_the_wayland_terminals():
    """sway's default terminal (foot) and the other Wayland ones paste with Ctrl+Shift+V, by app_id."""
    for app_id in ("foot", "kitty", "Alacritty", "org.wezfurlong.wezterm", "org.gnome.Terminal", "org.kde.konsole"):
        override = override_for(s.DEFAULTS.app_overrides, app_id)
        assert override is not None and override.paste_keys == "ctrl+shift+v", app_id
    assert override_for(s.DEFAULTS.app_overrides, "firefox") is None


def test_the_shift_mode_is_a_mode_name_spaced_as_the_ai_mode():
    assert s.DEFAULTS.ai_mode_shift == "clean up"
    assert s.coerce("ai_mode_shift", "  translate   to  German ") == "translate to German"
    assert s.coerce("ai_mode_shift", "   ") == "as spoken"


def test_ai_mode_settings_defaults_and_validation():
    d = s.DEFAULTS
    assert (d.ai_mode, d.llm_url, d.llm_model, d.llm_timeout_s, d.ai_mode_min_words) == (
        "as spoken", "http://127.0.0.1:11434/v1", "", 5.0, 3)  # off, and Ollama on this computer
    loaded, problems = s.from_stored({"ai_mode": "  Clean   up ", "llm_url": "https://api.example.com/v1",
                                      "llm_model": "qwen2.5:3b", "llm_timeout_s": "0.5", "ai_mode_min_words": "0"})
    assert problems == []
    assert (loaded.ai_mode, loaded.llm_url, loaded.llm_model, loaded.llm_timeout_s, loaded.ai_mode_min_words) == (
        "Clean up", "https://api.example.com/v1", "qwen2.5:3b", 0.5, 0)
    assert s.coerce("ai_mode", "") == "as spoken"
    loaded, problems = s.from_stored({"llm_url": "127.0.0.1:11434", "llm_timeout_s": "121", "ai_mode_min_words": "2.5"})
    assert loaded == s.DEFAULTS and len(problems) == 3
    assert "llm_url = '127.0.0.1:11434' is invalid (not an http:// or https:// address)" in problems[0]
    assert "outside 0.5..120" in problems[1] and "not a whole number" in problems[2]
    for empty in ("", " "):  # unlike server_url, the endpoint cannot be empty
        with pytest.raises(ValueError):
            s.coerce("llm_url", empty)


def test_per_app_ai_mode_round_trips_and_old_files_still_load():
    old = json.dumps([{"match": "Thunderbird", "method": "paste", "paste_keys": "", "auto_enter": False}])
    (override,) = s.coerce("app_overrides", old)
    assert override.ai_mode == ""
    overrides = (s.AppOverride("Thunderbird", ai_mode="email"), s.AppOverride("xterm", method="type"))
    stored = s.to_stored("app_overrides", overrides)
    assert json.loads(stored)[0]["ai_mode"] == "email"
    settings = s.Settings(app_overrides=s.coerce("app_overrides", stored), ai_mode="clean up")
    assert settings.ai_mode_for("Mail - Mozilla Thunderbird") == "email"
    assert settings.ai_mode_for("XTerm") == "clean up"  # an override without a mode: the global one
    assert settings.ai_mode_for(None) == "clean up"


def test_no_setting_holds_an_api_key():
    """The endpoint's key comes from the environment or the keyring, never settings.ini."""
    assert [k for k in s.KEYS if any(w in k for w in ("key", "token", "secret", "password"))] == ["hotkey", "paste_keys"]
