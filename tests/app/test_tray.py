"""Tray menu and icons (offscreen: the menu and state, not the system tray host; see
tests/desktop for the real tray)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QSystemTrayIcon

from dictate_app.app.hints import how_to_stop
from dictate_app.app.icons import COLORS, draw_icon, phase_icon
from dictate_app.app.settings_store import SettingsStore
from dictate_app.app.tray import Tray
from dictate_app.lifecycle import Phase
from dictate_app.audio.sources import Microphone


BUILT_IN = Microphone("pulse:alsa_input.pci-0000_00_1f.3.analog-stereo", "Built-in Audio Analog Stereo", True)
HEADSET = Microphone("pulse:alsa_input.usb-Logitech_USB_Headset-00.mono-fallback", "USB Headset Mono")
# What list_microphones() gives: System default (naming the server's default) first.
MICS = (Microphone("", "System default (Built-in Audio Analog Stereo)"), BUILT_IN, HEADSET)


@pytest.fixture
def make_tray(tmp_path):
    """A tray over a settings store in tmp_path (``settings``: its values for this run)."""

    def make(mics=MICS, microphone=None, list_ai_modes=lambda: ("as spoken",), **settings):
        def list_mics():
            if isinstance(mics, Exception):
                raise mics
            return list(mics)

        store = SettingsStore(tmp_path / "settings.ini", {"hotkey": "f9", "microphone": microphone or "", **settings})
        return Tray(store, list_microphones=list_mics, list_ai_modes=list_ai_modes)

    return make


def labels(menu):
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def test_menu_has_every_entry(make_tray, qapp):
    tray = make_tray()
    top = labels(tray.menu)
    assert top[0] == "Loading the speech model…" and not tray.status_action.isEnabled()
    for entry in ("Start dictation (hold F9)", "Hotkey mode", "Language", "Insert text by", "Paste keys",
                  "Microphone", "Model: loading…", "Set up the model…", "History…", "Settings…", "Quit Dictate"):
        assert entry in top
    assert not any("coming soon" in a.text() for a in tray.menu.actions())
    assert labels(tray.language_menu) == ["Detect automatically", "Mandarin", "English", "Cantonese",
                                          "Japanese", "Korean"]
    assert labels(tray.mic_menu) == ["System default (Built-in Audio Analog Stereo)", "Built-in Audio Analog Stereo",
                                     "USB Headset Mono"]


@pytest.mark.parametrize(("menu", "label", "option", "value"), [
    ("language_menu", "Cantonese", "language", "yue"),
    ("mode_menu", "Press F9 to start and stop", "mode", "toggle"),
    ("insert_menu", "Type keys", "insert_method", "type"),
    ("paste_menu", "Shift+Insert", "paste_keys", "shift+insert"),
    ("mic_menu", "USB Headset Mono", "microphone", HEADSET.id),  # kept by its stable id
])
def test_choices_are_saved_as_settings(qtbot, make_tray, tmp_path, menu, label, option, value):
    tray = make_tray()
    action = next(a for a in getattr(tray, menu).actions() if a.text() == label)
    with qtbot.waitSignal(tray.settings.changed, timeout=1000) as blocker:
        action.trigger()
    assert blocker.args == [option] and action.isChecked()
    assert tray.settings.get(option) == value == SettingsStore(tmp_path / "settings.ini").get(option)


def test_microphone_listing_failure_shows_in_the_menu(make_tray, qapp):
    tray = make_tray(mics=RuntimeError("no microphone was found"))
    assert labels(tray.mic_menu) == ["(no microphone was found)", "System default"]


def test_an_unplugged_microphone_stays_chosen_and_says_so(make_tray, qapp):
    tray = make_tray(mics=MICS[:2], microphone=HEADSET.id)  # the headset is not plugged in now
    chosen = [a.text() for a in tray.mic_menu.actions() if a.isChecked()]
    assert chosen == ["alsa_input.usb-Logitech_USB_Headset-00.mono-fallback (not connected)"]
    tray.mic_menu.aboutToShow.emit()  # listed again when the menu opens: plugged back in
    tray._list_microphones = lambda: list(MICS)
    tray.mic_menu.aboutToShow.emit()
    assert [a.text() for a in tray.mic_menu.actions() if a.isChecked()] == ["USB Headset Mono"]


def test_phase_changes_icon_tooltip_and_toggle_label(make_tray, qapp):
    tray = make_tray()
    tray.set_phase(Phase.RECORDING)
    assert tray.icon.toolTip() == "Dictate: Recording…\nHold F9 anywhere, speak, release"
    assert tray.toggle_action.text() == "Stop dictation (press F9)" and tray.status_action.text() == "Recording…"
    tray.set_phase(Phase.IDLE)
    assert tray.icon.toolTip() == "Dictate: Ready\nHold F9 anywhere, speak, release"
    assert tray.toggle_action.text() == "Start dictation (hold F9)"


def test_tooltip_and_start_entry_teach_the_key_in_its_mode(make_tray, qapp, screenshot):
    tray = make_tray()
    tray.set_phase(Phase.IDLE)
    tray.settings.set("mode", "toggle")  # from the settings (or the tray's own Hotkey mode menu)
    assert tray.icon.toolTip() == "Dictate: Ready\nPress F9 anywhere to start, again to stop"
    assert tray.toggle_action.text() == "Start dictation (press F9)"
    tray.settings.set("hotkey", "ctrl_r")
    assert tray.toggle_action.text() == "Start dictation (press Right Ctrl)"
    assert tray.icon.toolTip().endswith("Press Right Ctrl anywhere to start, again to stop")
    tray.set_model_info("/home/u/models (onnx on cpu)")
    tray.set_desktop_info("X11: everything works here")
    screenshot(tray.menu, "tray-menu-ready")


def test_without_a_model_the_tray_is_calm_and_start_is_disabled(make_tray, qtbot, screenshot):
    tray = make_tray()
    tray.set_no_model()
    assert tray.status_action.text() == "No speech model yet"
    assert not tray.toggle_action.isEnabled()
    assert tray.icon.toolTip() == "Dictate: no speech model yet\nClick to set it up (or Set up the model… in the menu)"
    assert tray.icon.icon().cacheKey() == phase_icon(Phase.LOADING).cacheKey()  # not the red "!"
    toggles, setups = [], []
    tray.toggle_requested.connect(lambda: toggles.append(1))
    tray.setup_requested.connect(lambda: setups.append(1))
    tray._activated(QSystemTrayIcon.ActivationReason.Trigger)  # a left click opens the setup window
    assert toggles == [] and setups == [1]
    screenshot(tray.menu, "tray-menu-no-model")
    tray.set_phase(Phase.IDLE)  # the model loaded
    assert tray.toggle_action.isEnabled() and tray.status_action.text() == "Ready"


def test_a_left_click_toggles_and_is_told_apart_from_the_menu(make_tray, qtbot):
    tray = make_tray()
    tray.set_phase(Phase.IDLE)
    with qtbot.waitSignal(tray.toggle_requested, timeout=1000):
        tray._activated(QSystemTrayIcon.ActivationReason.Trigger)
    assert tray.toggled_by_click
    with qtbot.waitSignal(tray.toggle_requested, timeout=1000):
        tray.toggle_action.trigger()
    assert not tray.toggled_by_click


@pytest.mark.parametrize("phase", list(Phase))
def test_each_phase_has_its_own_icon(qapp, phase):
    image = draw_icon(phase, 64).toImage()
    # The disc's colour at its edge (away from the glyph) is the phase colour.
    assert image.pixelColor(6, 32).name() == QColor(COLORS[phase]).name()
    assert len(set(COLORS.values())) == len(Phase)


@pytest.mark.parametrize(("label", "signal"), [("History…", "history_requested"), ("Settings…", "settings_requested"),
                                               ("Set up the model…", "setup_requested")])
def test_history_and_settings_entries(make_tray, qtbot, label, signal):
    tray = make_tray()
    with qtbot.waitSignal(getattr(tray, signal), timeout=1000):
        next(a for a in tray.menu.actions() if a.text() == label).trigger()


def test_set_choice_follows_settings(make_tray, qapp):
    tray = make_tray()
    tray.settings.set("language", "ja")  # from the settings dialog
    assert [a.text() for a in tray.language_menu.actions() if a.isChecked()] == ["Japanese"]
    tray.settings.set("microphone", HEADSET.id)
    assert [a.text() for a in tray.mic_menu.actions() if a.isChecked()] == ["USB Headset Mono"]


def test_mode_labels_follow_a_changed_hotkey(make_tray, qapp):
    tray = make_tray()
    assert labels(tray.mode_menu) == ["Hold F9 to talk", "Press F9 to start and stop"]
    tray.settings.set("hotkey", "scroll_lock")
    assert labels(tray.mode_menu) == ["Hold Scroll Lock to talk", "Press Scroll Lock to start and stop"]
    assert [a.isChecked() for a in tray.mode_menu.actions()] == [True, False]  # the mode itself is unchanged


def test_without_a_working_hotkey_the_tray_does_not_offer_it(make_tray, qapp):
    tray = make_tray()
    tray.set_phase(Phase.IDLE)
    tray.set_hotkey_works(False)
    assert tray.icon.toolTip() == "Dictate: Ready\nUse Start dictation in the menu of Dictate's tray icon"
    assert tray.toggle_action.text() == "Start dictation"
    tray.set_phase(Phase.RECORDING)
    assert tray.toggle_action.text() == "Stop dictation"
    assert how_to_stop(None, True) == "To stop: click Dictate's tray icon again."


def test_start_hands_free_entry_is_offered_when_a_take_can_start(make_tray, qtbot):
    tray = make_tray()
    entry = next(a for a in tray.menu.actions() if a.text() == "Start hands-free dictation")
    assert entry is tray.hands_free_action
    tray.set_phase(Phase.IDLE)
    assert entry.isEnabled()
    with qtbot.waitSignal(tray.hands_free_requested, timeout=1000):
        entry.trigger()
    tray.set_phase(Phase.RECORDING)
    assert not entry.isEnabled(), "Stop dictation stops it"
    tray.set_phase(Phase.TRANSCRIBING)
    assert entry.isEnabled(), "the next take may start while the last one is transcribed"
    tray.set_no_model()
    assert not entry.isEnabled()


def test_ai_mode_submenu_lists_the_catalog_each_time_and_saves_the_choice(make_tray, qtbot, tmp_path):
    catalog = ["as spoken", "clean up", "email"]
    tray = make_tray(ai_mode="clean up", list_ai_modes=lambda: catalog)
    assert "AI mode" in labels(tray.menu)
    assert labels(tray.ai_mode_menu) == ["As spoken", "Clean up", "Email"]
    assert [a.isChecked() for a in tray.ai_mode_menu.actions()] == [False, True, False]
    catalog.append("pirate")  # added to modes.txt meanwhile: there when the menu opens again
    tray.ai_mode_menu.aboutToShow.emit()
    action = next(a for a in tray.ai_mode_menu.actions() if a.text() == "Pirate")
    with qtbot.waitSignal(tray.settings.changed, timeout=1000) as blocker:
        action.trigger()
    assert blocker.args == ["ai_mode"] and SettingsStore(tmp_path / "settings.ini").get("ai_mode") == "pirate"
    tray.settings.set("ai_mode", "translate to German")  # from the settings: not in the file, still shown
    assert labels(tray.ai_mode_menu)[-1] == "Translate to German"
    assert tray.ai_mode_menu.actions()[-1].isChecked()
