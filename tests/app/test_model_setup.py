"""First-run model setup in the tray app (offscreen): the real shell without a model opens the
setup window; Download fetches from a local HTTP server through the real store (progress,
verification, Cancel with a resumable .part, offline), Choose a folder validates and saves it,
and the model then loads without a restart. Fakes only at the seams: the engine loader (fast
tier) and the folder picker; the slow test loads the committed fixture model for real."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QSystemTrayIcon

from dictate_app.app import first_run, model_setup
from dictate_app.app.first_run import ONNX_INT8
from dictate_app.app.model_setup import ModelSetup
from dictate_app.app.settings_store import SettingsStore
from dictate_app.engine import forms, loader
from dictate_app.engine.result import Transcript
from dictate_app.errors import ModelError
from dictate_app.lifecycle import ModelStatus, Phase
from dictate_app.store import model_store
from tests.app.test_first_run import onnx_files
from tests.conftest import FIXTURE_MODEL
from tests.store.http_files import RangeHandler, closed_port, serve_files
from tests.desktop.fakes import fake_desktop

TIMEOUT_MS = 10_000
# shell.start() starts the hotkey listener; pynput's "dummy" backend (no X here) ends its thread
# with NotImplementedError, which the shell reports as a notice (see tests/app/test_hotkey.py).
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")


class FakeEngine:
    """Engine-shaped: every clip is heard as no speech."""

    backend, device = "fake", "cpu"

    def transcribe(self, samples, sample_rate, language="auto", itn=True):
        return Transcript(text="", language="nospeech")


class SilentRecorder:
    """The microphone seam for tests that only start and cancel a recording."""

    def start(self, **_kw):
        pass

    def cancel(self):
        pass

    def close(self):
        pass


def _silent_microphone(shell) -> None:
    shell.coordinator.recorder = SilentRecorder()
    shell.coordinator._recorder_mic = shell.coordinator.settings.microphone  # not rebuilt at the press


@pytest.fixture
def served(tmp_path, monkeypatch):
    """The small ONNX model on a local server, and the setup's plan pointed at it (CHUNK small:
    several progress reports per file)."""
    monkeypatch.setattr(model_store, "CHUNK", 16 * 1024)

    def serve(pace_s=0.0, base_url=None):
        files = onnx_files(tmp_path)
        server = serve_files(tmp_path / "remote", files, pace_s=pace_s)
        url, manifest = server.__enter__()
        served.servers.append(server)
        monkeypatch.setattr(model_setup, "download_plan", functools.partial(
            first_run.download_plan, base_url=base_url or url, manifest=manifest))
        return manifest

    served.servers = []
    yield serve
    for server in served.servers:
        server.__exit__(None, None, None)


@pytest.fixture
def shell(qtbot, tmp_path, monkeypatch):
    """The real AppShell (offscreen: no tray) with a missing model directory and its own dirs;
    ``shell.loads`` records what the engine loader was asked for."""
    from dictate_app.app.shell import AppShell

    monkeypatch.setenv("DICTATE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DICTATE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setattr(forms, "has_cuda", lambda: False)
    loads = []

    def load_engine(model_dir, device="auto", threads=None, *, server=None, token=None, backend="auto"):
        loads.append(str(model_dir))
        problem = first_run.model_problem(model_dir)
        if problem:
            raise ModelError(problem)
        return FakeEngine()

    monkeypatch.setattr(loader, "load_engine", load_engine)
    made = AppShell(SettingsStore(tmp_path / "settings.ini", {"model_dir": str(tmp_path / "models"), "device": "cpu"}), fake_desktop())
    made.loads = loads
    yield made
    made._shutdown()


@pytest.fixture
def shell_with_tray(monkeypatch, request):
    """:func:`shell` with the tray the app makes when the desktop has one (its menu and tooltip
    are read; offscreen Qt has no tray host to show it in)."""
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    return request.getfixturevalue("shell")


def test_without_a_model_download_verifies_and_the_app_gets_ready(shell, served, qtbot, capsys, tmp_path,
                                                                 screenshot):
    manifest = served()
    shell.start()
    setup, dialog = shell.setup, shell.setup.dialog
    assert dialog.isVisible() and dialog.windowTitle() == "Dictate – speech model setup"
    missing = f"there is no speech model in {tmp_path / 'models'} yet"
    # The normal first start, in plain words and the normal colour (not a red error).
    assert dialog.status.text() == f"No speech model yet. Download saves it in {tmp_path / 'models' / 'onnx'}."
    assert dialog.status.styleSheet() == ""
    assert f"Dictate needs its speech model: {missing}" in capsys.readouterr().out
    assert shell.loads == [] and shell.coordinator.recorder is None  # no doomed load, no error notice
    assert shell.coordinator.state.phase is Phase.LOADING
    assert dialog.download_button.text() == "&Download (0 MB)"
    assert dialog.intro.text().startswith("Dictate turns your speech into text on this computer. It needs its "
                                          "speech model once: download it (0 MB), or choose a folder")
    assert "ONNX" not in dialog.intro.text() + dialog.status.text() and "SenseVoice" not in dialog.intro.text()
    assert dialog.download_button.isDefault() and dialog.focusWidget() is dialog.download_button
    assert dialog.cancel_button.isHidden()  # nothing to cancel yet
    screenshot(dialog, "setup-1-no-model-yet")
    progress = []
    setup.worker.progress.connect(lambda *a: progress.append(a))
    with qtbot.waitSignal(shell.coordinator.model_ready, timeout=TIMEOUT_MS):
        qtbot.mouseClick(dialog.download_button, Qt.MouseButton.LeftButton)
        assert not dialog.download_button.isEnabled() and dialog.cancel_button.isEnabled()
        assert dialog.cancel_button.isVisible()
    dest = Path(shell.coordinator.settings.model_dir) / "onnx"
    assert all(check.ok for check in model_store.check_files(dest, manifest))
    assert shell.loads == [str(dest.parent)]  # loaded without a restart, from the configured folder
    sizes = {spec.name: spec.size for spec in manifest}
    model_reports = [done for name, done, total in progress if name == "model.int8.onnx"]
    assert len(model_reports) >= 5 and model_reports == sorted(model_reports)
    assert model_reports[-1] == sizes["model.int8.onnx"] and progress[-1][1:] == (sizes["tokens.txt"],) * 2
    total = sum(sizes.values())
    assert dialog.overall_label.text() == f"Overall: {total / 1e6:,.1f} MB of {total / 1e6:,.1f} MB"
    assert dialog.overall_bar.value() == dialog.overall_bar.maximum()
    # The actual key and mode, and where the settings are.
    assert dialog.status.text() == ("Ready: hold F9 anywhere, speak, release. "
                                    "Settings and history are in the menu of Dictate's tray icon.")
    assert not dialog.file_bar.isVisible() and not dialog.overall_bar.isVisible()
    # Enter closes the ready window; it never starts a second download.
    assert dialog.close_button.isVisible() and dialog.close_button.isDefault()
    assert not dialog.download_button.isDefault() and dialog.close_button.hasFocus()
    screenshot(dialog, "setup-4-ready")
    assert shell.coordinator.state.phase is Phase.IDLE
    assert shell.settings.saved.model_dir == ""  # the default folder stays the default (not saved)
    assert setup._hide_timer.isActive() and setup._hide_timer.interval() == model_setup.READY_HIDE_MS
    setup._hide_timer.start(50)  # not the 7 s a reader gets
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)  # out of the way once ready
    setup.show()  # reopened from the tray: still ready, Close the default, and Enter closes it
    assert dialog.close_button.isDefault() and not dialog.download_button.isDefault()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    assert not setup.busy and shell.loads == [str(dest.parent)]  # nothing downloaded or loaded again


def test_cancel_mid_download_keeps_a_part_file_and_download_resumes(served, qtbot, tmp_path):
    manifest = served(pace_s=0.01)  # 16 KiB per 10 ms: the model file takes a while
    used = []
    setup = ModelSetup(model_dir=lambda: str(tmp_path / "models"), device=lambda: "cpu",
                       use_model=lambda path, save: used.append((path, save)))
    setup.show("no model")
    try:
        with qtbot.waitSignal(setup.worker.progress, timeout=TIMEOUT_MS):
            qtbot.mouseClick(setup.dialog.download_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(setup.dialog.cancel_button, Qt.MouseButton.LeftButton)
        assert setup.dialog.status.text() == "Stopping the download…"
        qtbot.waitUntil(lambda: not setup.busy, timeout=TIMEOUT_MS)
        part = tmp_path / "models" / "onnx" / "model.int8.onnx.part"
        kept = part.stat().st_size
        assert 0 < kept < manifest[0].size and not part.with_suffix("").exists()
        assert setup.dialog.status.text().startswith("Download stopped with ")
        assert setup.dialog.status.text().endswith(" MB saved: Download goes on from there.")
        assert setup.dialog.download_button.isEnabled() and not setup.dialog.cancel_button.isEnabled()
        assert used == []
        RangeHandler.requests.clear()
        qtbot.mouseClick(setup.dialog.download_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(used), timeout=TIMEOUT_MS)
        # Resumed from the kept bytes (the .part may have grown by a block after the click).
        (path, start), tokens = RangeHandler.requests
        assert path == "/model.int8.onnx" and start >= kept and tokens == ("/tokens.txt", 0)
        assert used == [(str(tmp_path / "models"), False)]
        assert setup.dialog.status.text().startswith("Downloaded and verified in ")
    finally:
        setup.shutdown()


def test_offline_says_what_happened_in_a_sentence_with_links_and_folder(served, qtbot, tmp_path, monkeypatch,
                                                                         screenshot):
    base = f"http://127.0.0.1:{closed_port()}/"
    manifest = served(base_url=base)
    setup = ModelSetup(model_dir=lambda: str(tmp_path / "models"), device=lambda: "cpu",
                       use_model=lambda path, save: pytest.fail("nothing to use"))
    setup.show("no model")
    dismissed, quits, opened = [], [], []
    setup.dismissed.connect(lambda: dismissed.append(1))
    setup.quit_requested.connect(lambda: quits.append(1))
    monkeypatch.setattr(model_setup.QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url)))
    d = setup.dialog
    try:
        setup.download()
        screenshot(d, "setup-2-downloading")
        d.reject()  # closed at once: the download goes on in the background
        assert not d.isVisible() and dismissed == []
        qtbot.waitUntil(lambda: not setup.busy, timeout=TIMEOUT_MS)
        assert d.isVisible()  # back, to say what went wrong
        dest = tmp_path / "models" / "onnx"
        assert d.status.text() == (
            "The download server could not be reached. Download the model files on another computer "
            "(Copy links), put them in the folder below (Open folder), then choose that folder here.")
        assert "`" not in d.status.text() and "dictate-app" not in d.status.text()  # no shell commands
        assert not d.file_bar.isVisible() and not d.overall_bar.isVisible()  # the bars go away
        assert d.manual.isVisible() and d.folder.text() == f"Folder: {dest}"
        assert d.folder.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
        assert d.download_button.isEnabled() and d.choose_button.isEnabled()
        # Offline is known: Choose a folder is the default, and Enter never quits.
        assert d.choose_button.isDefault() and not d.download_button.isDefault()
        assert d.focusWidget() is d.choose_button
        assert not d.quit_button.autoDefault()
        screenshot(d, "setup-3-download-failed")
        monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a: ""))  # Enter: the picker
        qtbot.keyClick(d, Qt.Key.Key_Return)
        assert quits == [] and d.isVisible()
        qtbot.mouseClick(d.copy_button, Qt.MouseButton.LeftButton)
        assert QGuiApplication.clipboard().text() == "".join(f"{base}{spec.name}\n" for spec in manifest)
        qtbot.mouseClick(d.open_button, Qt.MouseButton.LeftButton)
        assert [url.toLocalFile() for url in opened] == [str(dest)] and dest.is_dir()
        failed = d.status.text()
        d.reject()
        setup.show("the model in X is unusable: missing model.int8.onnx")  # reopened from the tray
        assert d.status.text() == failed and d.manual.isVisible() and d.choose_button.isDefault()  # still offline
    finally:
        setup.shutdown()
    # What the failed download left (an onnx/ folder) is still "no model yet" at the next start.
    again = ModelSetup(model_dir=lambda: str(tmp_path / "models"), device=lambda: "cpu",
                       use_model=lambda path, save: None)
    try:
        again.show("the model in X is unusable: missing model.int8.onnx")
        assert again.dialog.status.text().startswith("No speech model yet.") and again.dialog.status.styleSheet() == ""
        assert not again.dialog.manual.isVisible() and again.dialog.download_button.isDefault()
    finally:
        again.shutdown()


def test_no_internet_is_named_and_other_failures_are_sentences():
    import socket
    import urllib.error

    def raised_from(cause):
        try:
            try:
                raise cause
            except OSError:
                raise ModelError("could not download x; to install by hand, run `dictate-app model verify`") from None
        except ModelError as exc:
            return exc

    offline = raised_from(urllib.error.URLError(socket.gaierror(-3, "Temporary failure in name resolution")))
    text, unreachable = model_setup.failure_sentence(offline)
    assert unreachable and text.startswith("No internet connection. Download the model files on another computer")
    assert model_setup.failure_sentence(raised_from(urllib.error.URLError(ConnectionRefusedError())))[1]
    text, unreachable = model_setup.failure_sentence(ModelError("not enough disk space for the model in /x"))
    assert (text, unreachable) == ("Not enough disk space for the model in /x", False)


def test_a_broken_folder_is_an_error_and_the_first_start_is_not(qtbot, tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "config.yaml").write_text("x")
    setup = ModelSetup(model_dir=lambda: str(tmp_path / "models"), device=lambda: "cpu",
                       use_model=lambda path, save: None)
    try:
        setup.show("the model in X is unusable: missing model.pt")
        assert setup.dialog.status.text() == "The model in X is unusable: missing model.pt"
        assert "color" in setup.dialog.status.styleSheet()
    finally:
        setup.shutdown()
    # What a failed download leaves (an unfinished .part file) is still the calm first start.
    (tmp_path / "left" / "onnx").mkdir(parents=True)
    (tmp_path / "left" / "onnx" / "model.int8.onnx.part").write_bytes(b"x")
    setup = ModelSetup(model_dir=lambda: str(tmp_path / "left"), device=lambda: "cpu",
                       use_model=lambda path, save: None)
    try:
        setup.show(f"there is no speech model in {tmp_path / 'left'} yet")
        assert setup.dialog.status.text().startswith("No speech model yet. Download saves it in ")
        assert "color" not in setup.dialog.status.styleSheet()
    finally:
        setup.shutdown()


def test_choosing_a_folder_validates_it_saves_it_and_loads_it(shell, qtbot, tmp_path, monkeypatch):
    picked = [str(tmp_path)]  # first an empty folder, then the committed fixture model
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a: picked.pop(0)))
    shell.start()
    dialog = shell.setup.dialog
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    assert dialog.status.text().startswith(f"That folder cannot be used: there is no speech model in {tmp_path} yet")
    assert shell.loads == [] and shell.settings.saved.model_dir == ""  # not saved
    picked.append(str(FIXTURE_MODEL))
    with qtbot.waitSignal(shell.coordinator.model_ready, timeout=TIMEOUT_MS):
        qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
        assert not dialog.choose_button.isEnabled()  # loading
    assert shell.settings.get("model_dir") == str(FIXTURE_MODEL)  # kept for the next start
    assert shell.loads == [str(FIXTURE_MODEL)]  # once (through the settings), not twice
    assert shell.coordinator.settings.model_dir == str(FIXTURE_MODEL)
    assert shell.coordinator.state.phase is Phase.IDLE


def test_a_load_failure_after_setup_is_shown_and_setup_stays_open(qtbot, tmp_path):
    setup = ModelSetup(model_dir=lambda: str(tmp_path), device=lambda: "cpu", use_model=lambda path, save: None)
    setup.show("no model")
    setup.choose_folder(str(FIXTURE_MODEL))
    assert setup.busy and not setup.dialog.download_button.isEnabled()
    setup.load_failed("the model in X is unusable: model.pt is truncated; run `dictate-app model download`")
    assert setup.dialog.status.text().startswith("the model in X is unusable")
    assert setup.dialog.isVisible() and setup.dialog.download_button.isEnabled() and not setup.busy
    setup.shutdown()


def test_closing_without_a_model_explains_presses_and_quit_quits(shell, qtbot):
    shell.start()
    notices = []
    shell.notify = lambda message, error=True: notices.append(message)
    shell.coordinator._notify = shell.notify
    with qtbot.waitSignal(shell.setup.quit_requested, timeout=1000):
        qtbot.mouseClick(shell.setup.dialog.quit_button, Qt.MouseButton.LeftButton)
    shell.setup.dialog.reject()  # Esc / the window's close button
    assert not shell.setup.dialog.isVisible()
    assert shell.coordinator.state.model is ModelStatus.FAILED
    assert notices == ["Dictate has no speech model yet: choose Set up the model… in the tray menu."]
    shell.coordinator.press(0.0)  # the hotkey now says why nothing records
    assert notices[-1] == notices[0] and shell.coordinator.state.recording is None
    shell._show_setup()  # the tray's "Set up the model…"
    assert shell.setup.dialog.isVisible() and shell.setup.dialog.download_button.isEnabled()
    assert shell.setup.dialog.status.text().startswith("No speech model yet. Download saves it in ")


@pytest.mark.slow
def test_choosing_the_fixture_model_loads_it_for_real(qtbot, tmp_path, monkeypatch):
    """No fakes: the committed mini-SenseVoice loads through funasr and the app reaches ready."""
    from dictate_app.app.shell import AppShell

    monkeypatch.setenv("DICTATE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DICTATE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a: str(FIXTURE_MODEL)))
    shell = AppShell(SettingsStore(tmp_path / "settings.ini", {"model_dir": str(tmp_path / "empty"), "device": "cpu"}), fake_desktop())
    try:
        shell.start()
        assert shell.setup.dialog.isVisible()
        with qtbot.waitSignal(shell.coordinator.model_ready, timeout=240_000) as ready:
            qtbot.mouseClick(shell.setup.dialog.choose_button, Qt.MouseButton.LeftButton)
        assert ready.args == ["funasr on cpu"]
        assert shell.worker.engine is not None and shell.worker.engine.backend == "funasr"
        assert shell.coordinator.state.phase is Phase.IDLE
        assert shell.settings.get("model_dir") == str(FIXTURE_MODEL)
        assert shell.setup.dialog.status.text().startswith("Ready: hold F9 anywhere, speak, release. ")
    finally:
        shell._shutdown()


def test_closing_without_a_model_says_it_once_calmly_and_start_is_disabled(shell_with_tray, qtbot, monkeypatch):
    shell = shell_with_tray
    shown = []
    monkeypatch.setattr(shell.tray, "notify", lambda message, error=True: shown.append(("tray", message, error)))
    monkeypatch.setattr(shell.popup, "show_message", lambda *a: shown.append(("popup", *a)))
    shell.start()
    tray = shell.tray
    assert tray.status_action.text() == "No speech model yet" and not tray.toggle_action.isEnabled()
    shown.clear()  # what start-up said about the desktop is not this test's business
    shell.setup.dialog.reject()  # the window's close button
    assert shown == [("tray", "Dictate has no speech model yet: choose Set up the model… in the tray menu.", False)]
    assert tray.status_action.text() == "No speech model yet" and not tray.toggle_action.isEnabled()
    assert tray.icon.toolTip().startswith("Dictate: no speech model yet")


def test_ready_teaches_the_key_and_a_tray_start_says_how_to_stop(shell_with_tray, qtbot, capsys, screenshot):
    shell = shell_with_tray
    shell.settings.update({"mode": "toggle"})
    shell.start()
    with qtbot.waitSignal(shell.coordinator.model_ready, timeout=TIMEOUT_MS):
        shell.setup.choose_folder(str(FIXTURE_MODEL))
    assert ("Dictate is ready (fake on cpu): press F9 anywhere to start, again to stop. "
            "Settings and history are in the menu of Dictate's tray icon.") in capsys.readouterr().out
    tray = shell.tray
    assert tray.toggle_action.isEnabled() and tray.toggle_action.text() == "Start dictation (press F9)"

    _silent_microphone(shell)
    tray._activated(QSystemTrayIcon.ActivationReason.Trigger)  # a left click on the icon
    assert shell.coordinator.state.recording is not None
    assert shell.popup.note_label.text() == "To stop: click Dictate's tray icon again, or press F9."
    screenshot(shell.popup, "popup-recording-started-from-the-tray")
    assert tray.toggle_action.text() == "Stop dictation (press F9)"
    shell.coordinator.cancel()
    tray.toggle_action.trigger()  # from the menu
    assert shell.popup.note_label.text() == "To stop: choose Stop dictation in the tray menu, or press F9."
    shell.coordinator.cancel()
    shell.settings.update({"auto_stop_s": 3.0})
    tray.hands_free_action.trigger()  # "Start hands-free dictation": the note names the armed pause
    assert shell.coordinator.state.recording.hands_free
    assert shell.popup.note_label.text() == "Stops by itself after a 3 s pause, or choose Stop dictation in the tray menu."
    shell.coordinator.cancel()


def test_the_cpu_build_on_an_nvidia_machine_says_how_to_switch(qtbot, tmp_path, monkeypatch, screenshot):
    from dictate_app.app import hints

    monkeypatch.setattr(hints, "cpu_build", lambda: True)
    monkeypatch.setattr(hints, "nvidia_gpu_present", lambda: True)
    setup = ModelSetup(model_dir=lambda: str(tmp_path / "models"), device=lambda: "auto",
                       use_model=lambda path, save: None)
    try:
        setup.show()
        assert setup.dialog.gpu.isVisible() and setup.dialog.gpu.text() == hints.GPU_SWITCH
        screenshot(setup.dialog, "setup-5-cpu-build-with-nvidia")
        monkeypatch.setattr(hints, "nvidia_gpu_present", lambda: False)
        setup.show()
        assert not setup.dialog.gpu.isVisible()
    finally:
        setup.shutdown()


def test_the_first_dictation_ever_says_where_the_settings_are(shell, qtbot, screenshot):
    from dictate_app.app.hints import WHERE_SETTINGS

    shell.history.add(Transcript(text="hello there", language="en"))
    shell.popup.show_message("hello there")  # what the coordinator shows for an inserted text
    shell.coordinator.finished.emit(1, {"status": "inserted", "message": "", "text": "hello there"})
    assert shell.popup.note_label.text() == WHERE_SETTINGS
    screenshot(shell.popup, "popup-first-dictation")
    shell.history.add(Transcript(text="and again", language="en"))
    shell.popup.show_message("and again")
    shell.coordinator.finished.emit(2, {"status": "inserted", "message": "", "text": "and again"})
    assert shell.popup.note_label.text() == ""  # only the first one
    shell.popup.show_message("x", "The focus moved: the text is on the clipboard.")
    shell._first_dictation(3, {"status": "left_on_clipboard", "message": "The focus moved: ..."})
    assert shell.popup.note_label.text() == "The focus moved: the text is on the clipboard."


def test_the_tray_stays_in_no_model_yet_around_a_press_and_shows_loading_once_a_folder_is_chosen(
        shell_with_tray, qtbot):
    shell = shell_with_tray
    shell.start()
    tray = shell.tray
    assert tray.status_action.text() == "No speech model yet"
    _silent_microphone(shell)
    shell.coordinator.press(0.0)  # the hotkey, while the setup window is open
    assert tray.status_action.text() == "Recording…"
    shell.coordinator.cancel()
    assert tray.status_action.text() == "No speech model yet" and not tray.toggle_action.isEnabled()
    with qtbot.waitSignal(shell.coordinator.model_ready, timeout=TIMEOUT_MS):
        shell.setup.choose_folder(str(FIXTURE_MODEL))
        assert tray.status_action.text() == "Loading the speech model…"
    assert tray.status_action.text() == "Ready" and tray.toggle_action.isEnabled()


def test_a_hotkey_that_cannot_start_is_not_offered_by_the_tray_or_the_ready_line(shell_with_tray, qtbot, capsys):
    from dictate_app.desktop.base import HotkeyError

    shell = shell_with_tray

    def refuse(*_args):
        raise HotkeyError("F9 is taken by another program: choose another key in Settings.")

    shell.desktop.hotkey.start = refuse
    shell.start()
    assert shell.tray.hotkey_works is False
    with qtbot.waitSignal(shell.coordinator.model_ready, timeout=TIMEOUT_MS):
        shell.setup.choose_folder(str(FIXTURE_MODEL))
    assert shell.tray.toggle_action.text() == "Start dictation"
    assert ("Dictate is ready (fake on cpu): use Start dictation in the menu of Dictate's tray icon."
            in capsys.readouterr().out)
    _silent_microphone(shell)
    shell.tray._activated(QSystemTrayIcon.ActivationReason.Trigger)
    assert shell.popup.note_label.text() == "To stop: click Dictate's tray icon again."
    shell.coordinator.cancel()
