"""The settings dialog (offscreen): shows the stored settings, saves edits through the store
(live changed(key) signals), refuses invalid values without saving, captures the hotkey by key
press, edits per-app overrides and the rules file with a live preview."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFontInfo, QKeyEvent

from dictate_app.app import settings_dialog
from dictate_app.app.settings_dialog import OverridesTable, SettingsDialog, key_name
from dictate_app.app.settings_help import CPU_BUILD, NO_AUDIO_KEPT
from dictate_app.app.tray import Tray
from dictate_app.app.settings_store import SettingsStore
from dictate_app.store.settings import DEFAULTS, AppOverride
from dictate_app.audio.sources import Microphone


USB = Microphone("pulse:alsa_input.usb-C-Media_USB_Audio-00.mono-fallback", "USB Audio Mono")
WEBCAM = Microphone("pulse:alsa_input.usb-046d_HD_Webcam_C270-02.mono-fallback", "HD Webcam C270 Mono")


def _dialog(tmp_path, qtbot, **kwargs):
    store = SettingsStore(tmp_path / "settings.ini")
    dialog = SettingsDialog(store, tmp_path / "rules.txt", list_microphones=lambda: [USB, WEBCAM], **kwargs)
    qtbot.addWidget(dialog)
    return store, dialog


def test_shows_defaults_and_round_trips(tmp_path, qtbot):
    store, dialog = _dialog(tmp_path, qtbot)
    values = dialog.values()
    values["app_overrides"] = tuple(AppOverride(**o) for o in values["app_overrides"])
    assert values == {k: getattr(DEFAULTS, k) for k in values}
    assert dialog.apply() and store.problems == []


def test_edits_are_saved_and_announced(tmp_path, qtbot):
    store, dialog = _dialog(tmp_path, qtbot)
    w = dialog.widgets
    w["mode"].setCurrentIndex(w["mode"].findData("toggle"))
    w["microphone"].setCurrentIndex(w["microphone"].findText("HD Webcam C270 Mono"))
    w["tail_ms"].setValue(500)
    w["auto_stop_s"].setValue(3.5)
    w["sounds"].setChecked(False)
    assert not w["insert_live"].isChecked(), "insert as I speak is off by default"
    w["insert_live"].setChecked(True)
    w["app_overrides"].add_row(AppOverride("Slack", auto_enter=True))
    changed = []
    store.changed.connect(changed.append)
    assert dialog.apply()
    assert set(changed) == {"mode", "microphone", "tail_ms", "auto_stop_s", "sounds", "app_overrides", "insert_live"}
    assert store.get("auto_stop_s") == 3.5
    assert SettingsStore(tmp_path / "settings.ini").get("insert_live") is True
    assert store.get("app_overrides")[-1] == AppOverride("Slack", auto_enter=True)
    assert SettingsStore(tmp_path / "settings.ini").get("microphone") == WEBCAM.id  # the stable id, not the label


def test_invalid_value_is_shown_and_nothing_saved(tmp_path, qtbot):
    store, dialog = _dialog(tmp_path, qtbot)
    dialog.widgets["server_url"].setText("ftp://nope")
    dialog.widgets["tail_ms"].setValue(900)
    assert not dialog.apply()
    assert "server_url" in dialog.error.text() and store.get("tail_ms") == 250


def test_unplugged_microphone_is_kept(tmp_path, qtbot):
    store = SettingsStore(tmp_path / "settings.ini")
    store.set("microphone", "pulse:alsa_input.usb-Old_Headset-00.mono-fallback")
    dialog = SettingsDialog(store, tmp_path / "rules.txt", list_microphones=lambda: [USB])
    qtbot.addWidget(dialog)
    assert dialog.values()["microphone"] == "pulse:alsa_input.usb-Old_Headset-00.mono-fallback"
    assert dialog.widgets["microphone"].currentText() == "alsa_input.usb-Old_Headset-00.mono-fallback (not connected)"
    assert [dialog.widgets["microphone"].itemText(i) for i in range(2)] == ["System default", "USB Audio Mono"]


def test_hotkey_capture(tmp_path, qtbot):
    store, dialog = _dialog(tmp_path, qtbot)
    button = dialog.widgets["hotkey"]
    button.setChecked(True)
    assert "Press the new key" in button.text()
    button.keyPressEvent(QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_F8, Qt.KeyboardModifier.NoModifier))
    assert button.key == "f8" and button.text() == "F8" and not button.isChecked()
    button.setChecked(True)
    button.keyPressEvent(QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier))
    assert button.key == "f8"
    dialog.apply()
    assert store.get("hotkey") == "f8"


def test_key_names():
    assert key_name(Qt.Key.Key_F12.value) == "f12"
    assert key_name(Qt.Key.Key_Control.value, 0xFFE4) == "ctrl_r"  # X11 keysym tells the side
    assert key_name(Qt.Key.Key_Pause.value) == "pause"
    assert key_name(Qt.Key.Key_A.value, 0x61, "a") == "a"
    assert key_name(Qt.Key.Key_Space.value, 0x20, " ") is None


def test_rules_tab_previews_and_saves(tmp_path, qtbot):
    store, dialog = _dialog(tmp_path, qtbot)
    assert dialog.rules_edit.toPlainText().startswith("# Dictate replacement rules")
    dialog.rules_edit.appendPlainText("vocab: Kubernetes\nteh => the\nre: ([ => x")
    dialog.rules_try.setText("teh kubernetis cluster")
    assert dialog.rules_result.text() == "→ the Kubernetes cluster"
    assert "1 rule, 1 vocabulary word" in dialog.rules_status.text() and "Line" in dialog.rules_status.text()
    with qtbot.waitSignal(dialog.rules_saved):
        assert dialog.apply()
    assert "teh => the" in (tmp_path / "rules.txt").read_text(encoding="utf-8")
    assert (tmp_path / "rules.txt").stat().st_mode & 0o777 == 0o600  # saved through save_rules: private


def test_every_setting_has_a_tooltip(tmp_path, qtbot):
    _store, dialog = _dialog(tmp_path, qtbot)
    missing = [key for key, widget in dialog.widgets.items() if not widget.toolTip()]
    assert missing == []
    assert "2002" in dialog.widgets["server_url"].toolTip()


def test_audio_size_limit_is_greyed_while_audio_is_not_kept(tmp_path, qtbot):
    _store, dialog = _dialog(tmp_path, qtbot)
    w = dialog.widgets
    assert not w["history_audio"].isChecked() and not w["history_audio_cap_mb"].isEnabled()
    assert w["history_audio_cap_mb"].toolTip() == NO_AUDIO_KEPT
    w["history_audio"].setChecked(True)
    assert w["history_audio_cap_mb"].isEnabled() and "oldest recordings" in w["history_audio_cap_mb"].toolTip()


def test_gpu_choice_is_greyed_on_the_cpu_build(tmp_path, qtbot, monkeypatch):
    monkeypatch.setattr(settings_dialog, "cpu_build", lambda: True)
    _store, dialog = _dialog(tmp_path, qtbot)
    assert not dialog.widgets["device"].isEnabled() and dialog.widgets["device"].toolTip() == CPU_BUILD
    monkeypatch.setattr(settings_dialog, "cpu_build", lambda: False)
    _store, dialog = _dialog(tmp_path, qtbot)
    assert dialog.widgets["device"].isEnabled()


def test_seconds_read_as_written_and_the_server_example_has_the_real_port(tmp_path, qtbot):
    _store, dialog = _dialog(tmp_path, qtbot)
    seconds = dialog.widgets["popup_seconds"]
    assert seconds.text() == "4 s"
    seconds.setValue(2.5)
    assert seconds.text() == "2.5 s" and dialog.values()["popup_seconds"] == 2.5
    assert dialog.widgets["server_url"].placeholderText() == "empty: recognise on this computer (e.g. http://host:2002)"


def test_paste_keys_are_spelled_as_in_the_tray(tmp_path, qtbot):
    _store, dialog = _dialog(tmp_path, qtbot)
    tray = Tray(_store, list_microphones=lambda: [])
    tray_labels = [a.text() for a in tray.paste_menu.actions()]
    box = dialog.widgets["paste_keys"]
    assert [box.itemText(i) for i in range(box.count())] == tray_labels
    dialog.widgets["app_overrides"].add_row(AppOverride("kitty"))
    row_box = dialog.widgets["app_overrides"].table.cellWidget(0, 2)
    assert [row_box.itemText(i) for i in range(1, row_box.count())] == tray_labels
    assert "Ctrl+V" in tray_labels


def test_nothing_is_cut_at_the_default_size(tmp_path, qtbot, screenshot):
    store = SettingsStore(tmp_path / "settings.ini")
    store.update({"app_overrides": [{"match": "kitty", "method": "type", "paste_keys": "ctrl+shift+v",
                                     "auto_enter": True}, {"match": "Slack", "method": "", "paste_keys": "",
                                                           "auto_enter": False}]})
    dialog = SettingsDialog(store, tmp_path / "rules.txt", list_microphones=lambda: [USB])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    table = dialog.widgets["app_overrides"].table
    header = table.horizontalHeader()
    metrics = header.fontMetrics()
    for column, title in enumerate(OverridesTable.COLUMNS):
        assert header.sectionSize(column) >= metrics.horizontalAdvance(title) + 8, title
    for row in range(table.rowCount()):
        for column in (1, 2, 4):  # the choices: the widest one fits its column
            box = table.cellWidget(row, column)
            assert box.width() >= box.sizeHint().width(), (row, column, box.currentText())
    assert not table.verticalHeader().isVisible()
    for index in range(dialog.tabs.count()):
        dialog.tabs.setCurrentIndex(index)
        name = dialog.tabs.tabText(index).lower().replace(" ", "-")
        screenshot(dialog, f"settings-{index + 1}-{name}")
    assert dialog.tabs.tabText(1) == "Microphone and sounds"
    assert QFontInfo(dialog.rules_edit.font()).fixedPitch()  # the template's columns line up


def test_auto_stop_zero_reads_off(tmp_path, qtbot):
    store, dialog = _dialog(tmp_path, qtbot)
    box = dialog.widgets["auto_stop_s"]
    assert box.value() == 2.0 and box.text() == "2 s"
    box.setValue(0)
    assert box.text() == "off (press again to stop)"
    assert dialog.apply() and store.get("auto_stop_s") == 0.0


MODES = ("as spoken", "clean up", "email", "bullet list", "translate to English")


def test_ai_modes_tab_saves_and_says_where_the_text_goes(tmp_path, qtbot):
    store, dialog = _dialog(tmp_path, qtbot, list_ai_modes=lambda: MODES)
    w = dialog.widgets
    assert dialog.tabs.tabText(dialog.tabs.indexOf(dialog.ai_tab)) == "AI modes"
    assert dialog.ai_tab.where.text() == "Text is sent to 127.0.0.1 (this computer)."
    assert [w["ai_mode"].itemText(i) for i in range(w["ai_mode"].count())] == list(MODES)
    w["ai_mode"].setCurrentIndex(w["ai_mode"].findText("email"))
    w["ai_mode_shift"].setEditText("translate to German")  # any language, typed
    w["llm_url"].setText("https://api.example.com/v1")
    assert dialog.ai_tab.where.text() == "Text is sent to api.example.com (another computer)."
    w["llm_model"].setText("llama3.2")
    w["llm_timeout_s"].setValue(8.5)
    w["ai_mode_min_words"].setValue(5)
    changed = []
    store.changed.connect(changed.append)
    assert dialog.apply(), dialog.error.text()
    assert set(changed) == {"ai_mode", "ai_mode_shift", "llm_url", "llm_model", "llm_timeout_s", "ai_mode_min_words"}
    again = SettingsStore(tmp_path / "settings.ini").settings
    assert (again.ai_mode, again.ai_mode_shift, again.llm_url, again.llm_model, again.llm_timeout_s,
            again.ai_mode_min_words) == ("email", "translate to German", "https://api.example.com/v1", "llama3.2",
                                         8.5, 5)
    assert "DICTATE_LLM_API_KEY" in dialog.ai_tab.key_note.text()
    dialog.load(again)  # shown again as saved, the typed mode included
    assert w["ai_mode_shift"].currentText() == "translate to German"


def test_the_per_app_table_has_an_ai_mode_column(tmp_path, qtbot):
    store, dialog = _dialog(tmp_path, qtbot, list_ai_modes=lambda: MODES)
    table = dialog.widgets["app_overrides"]
    assert OverridesTable.COLUMNS[4] == "AI mode"
    table.add_row(AppOverride("Thunderbird", ai_mode="email"))
    table.add_row(AppOverride("Slack"))
    box = table.table.cellWidget(table.table.rowCount() - 1, 4)
    assert box.currentText() == "As set above"
    assert dialog.apply(), dialog.error.text()
    saved = {o.match: o.ai_mode for o in SettingsStore(tmp_path / "settings.ini").get("app_overrides")}
    assert saved["Thunderbird"] == "email" and saved["Slack"] == ""


def test_the_dialog_edits_the_saved_settings_not_this_runs_options(tmp_path, qtbot):
    store = SettingsStore(tmp_path / "settings.ini", {"mode": "toggle", "hotkey": "pause"})  # --mode, --hotkey
    dialog = SettingsDialog(store, tmp_path / "rules.txt")
    qtbot.addWidget(dialog)
    assert dialog.values()["mode"] == "hold" and dialog.values()["hotkey"] == "f9"
    assert dialog.apply()  # OK without a change saves no option of the command line
    assert SettingsStore(tmp_path / "settings.ini").mode == "hold" and (store.mode, store.hotkey) == ("toggle", "pause")
    dialog.widgets["language"].setCurrentIndex(dialog.widgets["language"].findData("zh"))
    assert dialog.apply() and store.language == "zh" and store.overridden == {"mode", "hotkey"}
