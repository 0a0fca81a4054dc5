"""The QSettings-backed store: corrupt INI files load with defaults and a report, changes are
validated, persisted and announced with changed(key)."""

from __future__ import annotations

import stat

import pytest

from dictate_app.app.settings_store import SettingsStore
from dictate_app.store.settings import DEFAULTS, AppOverride
from tests.store.rewrites import read_while_rewritten


def test_fresh_store_has_defaults(tmp_path):
    store = SettingsStore(tmp_path / "settings.ini")
    assert store.settings == DEFAULTS and store.problems == []


def test_set_persists_and_emits_changed(tmp_path, qtbot):
    store = SettingsStore(tmp_path / "settings.ini")
    with qtbot.waitSignal(store.changed, timeout=1000) as blocker:
        store.set("tail_ms", "600")
    assert blocker.args == ["tail_ms"] and store.get("tail_ms") == 600
    with qtbot.assertNotEmitted(store.changed):
        assert store.update({"tail_ms": 600}) == []  # no change, no signal
    store.set("app_overrides", (AppOverride("Slack", auto_enter=True),))
    again = SettingsStore(tmp_path / "settings.ini")
    assert again.get("tail_ms") == 600 and again.get("app_overrides")[0].auto_enter is True
    assert again.problems == []


def test_bad_set_raises_and_stores_nothing(tmp_path, qtbot):
    store = SettingsStore(tmp_path / "settings.ini")
    with qtbot.assertNotEmitted(store.changed), pytest.raises(ValueError, match="sound_volume"):
        store.update({"sounds": False, "sound_volume": 101})
    assert store.settings == DEFAULTS


@pytest.mark.parametrize("content", [
    b"[dictate]\nmode=sideways\ntail_ms=1,2\nsound_volume=-3\nitn=perhaps\nsounds=false\n"
    b"app_overrides=[{broken\nmicrophone=USB, left\n",
    b"\x00\xff\xfe garbage \x89PNG\r\n\x1a\n[[[[dictate\n=\n==\n\xc3\x28",
    b"[dictate]\n" + b"x" * 100_000 + b"\n",
])
def test_corrupt_ini_loads_with_defaults_and_a_report(tmp_path, content):
    path = tmp_path / "settings.ini"
    path.write_bytes(content)
    store = SettingsStore(path)  # never raises
    if b"mode=sideways" in content:
        assert store.get("mode") == "hold" and store.get("tail_ms") == 250 and store.get("itn") is True
        assert store.get("sounds") is False  # valid values survive
        assert store.get("microphone") == "USB, left"  # commas come back as one string
        assert len(store.problems) == 5 and any("sideways" in p for p in store.problems)
        # The file was repaired: loading again reports nothing.
        assert SettingsStore(path).problems == []
    else:
        assert store.settings == DEFAULTS


def test_the_file_and_folder_are_private_and_an_old_install_is_tightened(tmp_path):
    config = tmp_path / "config"
    store = SettingsStore(config / "settings.ini")
    store.set("tail_ms", 600)
    assert stat.S_IMODE(config.stat().st_mode) == 0o700
    assert stat.S_IMODE((config / "settings.ini").stat().st_mode) == 0o600
    # An install from before: world-readable folder and file; the next start closes both.
    config.chmod(0o755)
    (config / "settings.ini").chmod(0o644)
    assert SettingsStore(config / "settings.ini").get("tail_ms") == 600
    assert stat.S_IMODE(config.stat().st_mode) == 0o700
    assert stat.S_IMODE((config / "settings.ini").stat().st_mode) == 0o600


WRITER = """
import sys
from dictate_app.app.settings_store import SettingsStore
store = SettingsStore(sys.argv[1])
values = ["/models/" + "a" * 200_000, "/models/" + "b" * 70_000]
store.set("model_dir", values[0])
print("ready", flush=True)
i = 1
while True:
    store.set("model_dir", values[i % 2])
    i += 1
"""


def test_a_concurrent_reader_never_sees_a_partial_settings_file(tmp_path):
    """Qt writes the INI through QSaveFile (temporary file, fdatasync, rename; see the module
    docstring): another process saving settings in a loop never shows a reader half a file."""
    whole = set()
    for value in ("/models/" + "a" * 200_000, "/models/" + "b" * 70_000):
        SettingsStore(tmp_path / "expected.ini").set("model_dir", value)
        whole.add((tmp_path / "expected.ini").read_text(encoding="utf-8"))
    path = tmp_path / "settings.ini"
    reads, bad = read_while_rewritten(path, WRITER, [str(path)], whole, 1.5)
    print(f"{reads} reads, {len(bad)} partial")
    assert reads > 50 and bad == []


# ---- one live settings object: this run's overrides on top, subscriptions ----

def test_overrides_are_this_runs_values_and_never_saved(tmp_path, qtbot):
    store = SettingsStore(tmp_path / "settings.ini", {"mode": "toggle", "tail_ms": 0})
    assert (store.get("mode"), store.mode, store.settings.tail_ms) == ("toggle", "toggle", 0)  # effective
    assert (store.saved.mode, store.saved.tail_ms) == ("hold", 250) and store.overridden == {"mode", "tail_ms"}
    store.set("language", "zh")  # another key saved: the overrides stay, and stay unsaved
    again = SettingsStore(tmp_path / "settings.ini")
    assert (again.mode, again.tail_ms, again.language) == ("hold", 250, "zh")
    assert (store.mode, store.tail_ms) == ("toggle", 0)
    with pytest.raises(AttributeError):
        store.no_such_setting


def test_a_user_change_of_an_overridden_key_is_saved_and_wins_for_the_run(tmp_path, qtbot):
    store = SettingsStore(tmp_path / "settings.ini", {"mode": "toggle", "tail_ms": 0})
    with qtbot.assertNotEmitted(store.changed):
        store.update({"mode": "hold", "tail_ms": 250})  # the dialog's OK: every value as saved
    assert (store.mode, store.tail_ms) == ("toggle", 0)  # no saved value changed: the options hold
    with qtbot.waitSignal(store.changed, timeout=1000) as blocker:
        store.update({"tail_ms": 600})  # a real change: saved, and it is the value from now on
    assert blocker.args == ["tail_ms"] and store.tail_ms == 600 and store.overridden == {"mode"}
    with qtbot.waitSignal(store.changed, timeout=1000) as blocker:
        store.set("mode", "hold")  # a tray choice of the saved value: the choice wins all the same
    assert blocker.args == ["mode"] and store.mode == "hold" and store.overridden == frozenset()


def test_watch_calls_back_for_its_keys_only(tmp_path, qtbot):
    store = SettingsStore(tmp_path / "settings.ini")
    seen = []
    store.watch(("microphone", "keep_mic_ready", "tail_ms"), seen.append)
    store.update({"tail_ms": 600, "language": "zh", "keep_mic_ready": True})
    store.set("sounds", False)
    assert seen == ["keep_mic_ready", "tail_ms"]
    store.override({"microphone": "USB"})  # a run-only value reaches the watchers too
    store.override({"microphone": "USB"})  # no change: no call
    assert seen == ["keep_mic_ready", "tail_ms", "microphone"]
    with pytest.raises(KeyError, match="no_such"):
        store.watch(("tail_ms", "no_such"), seen.append)

