"""Builds the tray app from its parts and runs Qt's event loop.

Construction only: which real part goes behind each seam (the desktop backend's hotkey, keyboard,
clipboard and focused window; the sounddevice recorder; the engine) and how their signals
connect. Decisions are elsewhere. The desktop backend is chosen before (``commands/app.py``) and
passed in: nothing here knows which desktop it runs on.

Settings: one live :class:`SettingsStore` (the saved settings with this run's command-line options
on top) is given to each part, which reads a key when it uses it or watches the keys it acts on
(app/settings_store.py). The shell watches the two whose action is its own: the hotkey (restart
the listener) and start at login.
"""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from dictate_app.app.ai_mode import AiConfig, ModesCatalog, shift_held
from dictate_app.app.coordinator import Coordinator
from dictate_app.app.cued_recorder import CuedRecorder
from dictate_app.app.first_run import model_problem
from dictate_app.app.gui_gc import GuiThreadCollector
from dictate_app.app.hints import NO_HOTKEY, WHERE_SETTINGS, hands_free_stops, how_to_dictate, how_to_stop
from dictate_app.app.history_recorder import HistoryRecorder
from dictate_app.app.remote import make_handler
from dictate_app.app.settings_store import SettingsStore
from dictate_app.app.hotkey import HotkeyBridge, HotkeyError
from dictate_app.app.model_setup import ModelSetup
from dictate_app.app.popup import Popup
from dictate_app.app.tray import Tray
from dictate_app.app.windows import AppWindows
from dictate_app.app.worker import AsrWorker, start_worker, stop_worker
from dictate_app.desktop.base import Desktop
from dictate_app.desktop.doctor import summary
from dictate_app.engine.loader import BackgroundLoad
from dictate_app.lifecycle import ModelFailed, ModelStatus, Phase
from dictate_app.modes.catalog import ensure_modes_file
from dictate_app.output.inserter import Inserter
from dictate_app.output.per_app import PerAppInserter
from dictate_app.output.sounds import CuePlayer
from dictate_app.store import autostart
from dictate_app.store.history import History
from dictate_app.store.model_store import resolve_model_dir
from dictate_app.text.rules import RulesFile, ensure_rules_file

log = logging.getLogger(__name__)
NO_MODEL = "Dictate has no speech model yet: choose Set up the model… in the tray menu."
APP_ID = "dictate-app"


def _recorder_factory(**kwargs):
    from dictate_app.audio.recorder import Recorder  # sounddevice/PortAudio: only when needed

    return Recorder(**kwargs)


def _microphones() -> list:
    from dictate_app.audio.sources import list_microphones

    return list_microphones()


class _DesktopNotices(QObject):
    """Carries a desktop part's "my facts changed" (from its own thread) to the GUI thread."""

    changed = Signal()


def say(message: str) -> None:
    """One line on stdout for whoever started us from a terminal (and for tests)."""
    print(message, flush=True)


class AppShell:
    """The running app. ``exec()`` returns the exit code after Quit."""

    def __init__(self, settings: SettingsStore, desktop: Desktop, instance=None,
                 server_token: str | None = None, preload: BackgroundLoad | None = None):
        self.app = QApplication.instance() or QApplication(sys.argv[:1])
        self.app.setApplicationName("dictate-app")
        self.app.setDesktopFileName(APP_ID)  # the Wayland app_id (popup rules, per-app rules)
        self.app.setQuitOnLastWindowClosed(False)  # the popup closing must not end the app
        self.desktop = desktop
        self.settings = settings
        s = settings.settings
        self.popup = Popup(settings)
        desktop.prepare_popup(APP_ID, self.popup.windowTitle())
        # Every utterance is saved here before it is inserted (history_recorder.py).
        self.history = History(retention_days=s.history_retention_days, audio_cap_mb=s.history_audio_cap_mb)
        self.history_recorder = HistoryRecorder(self.history, settings)
        self.cues = CuePlayer(settings)
        self.rules = RulesFile()
        try:
            ensure_rules_file(self.rules.path)  # so users find a commented file to edit
        except OSError as exc:
            log.warning("the rules file could not be created: %s", exc)
        # Parsed now (pypinyin loads now, not mid-dictation); bad lines are reported once started.
        self._rules_problems = [f"Replacement rules: {p}" for p in self.rules.current().problems]
        self.modes = ModesCatalog()  # AI modes: the built-ins and the user's modes.txt (ai_mode.py)
        try:
            ensure_modes_file(self.modes.path)  # a commented file beside rules.txt, to edit
        except OSError as exc:
            log.warning("the AI modes file could not be created: %s", exc)
        self.modes.current()
        self._rules_problems += self.modes.problems
        self.tray: Tray | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = Tray(settings, list_microphones=_microphones,
                             list_ai_modes=lambda: list(self.modes.current()))
        else:
            say("No system tray found: running without a tray icon (quit with Ctrl+C).")

        # A Dictate server (the server_url setting or --server) when set; the local model otherwise
        # and as the fallback when the server cannot be reached (load_engine decides).
        self.server_token = server_token
        self._preload = preload  # the model load run() started before Qt: the first load takes it
        self.worker = AsrWorker(load=self._load_engine, settings=settings)
        self.thread = start_worker(self.worker)
        # Per-app overrides (paste/type/paste keys/Enter after) from the settings, per insertion.
        self.inserter = PerAppInserter(Inserter(
            desktop.make_clipboard(), desktop.keyboard, desktop.windows.focused,
            lambda ms, fn: QTimer.singleShot(ms, fn), paste_keys=s.paste_keys, can_paste=desktop.can_paste,
            fetch_grace_ms=desktop.fetch_grace_ms,
        ), lambda: settings.app_overrides)
        self.coordinator = Coordinator(
            settings, recorder_factory=lambda **kw: CuedRecorder(_recorder_factory(**kw), self.cues),
            worker=self.worker, inserter=self.inserter, active_window=desktop.windows.focused, popup=self.popup,
            transcript_log=self.history_recorder, notify=self.notify, postprocess=self.rules.apply_to,
            ai_config=self.ai_config, shift_held=shift_held,
        )
        self.coordinator.finished.connect(self.history_recorder.finished)
        self.coordinator.finished.connect(self._first_dictation)
        self.hotkey = HotkeyBridge(desktop.hotkey, s.hotkey)
        settings.watch(("hotkey",), self._restart_hotkey)
        settings.watch(("start_at_login",), self._start_at_login)
        self.hotkey.pressed.connect(self.coordinator.press)
        self.hotkey.released.connect(self.coordinator.release)
        self.hotkey.cancel.connect(self.coordinator.cancel)
        self.coordinator.phase_changed.connect(self._phase_changed)
        self.coordinator.model_ready.connect(self._model_ready)
        if self.tray is not None:
            self.tray.toggle_requested.connect(self._tray_toggle)
            self.tray.hands_free_requested.connect(self._tray_hands_free)
            self.tray.quit_requested.connect(self.quit)
        # First run (no usable model): the setup window downloads one or takes a folder.
        self.setup = ModelSetup(model_dir=self.model_dir, device=lambda: settings.device, use_model=self._use_model,
                                desktop_note=self.desktop_summary, how_to_use=self.usage)
        self.setup.quit_requested.connect(self.quit)
        self.setup.dismissed.connect(self._setup_dismissed)
        self.coordinator.model_ready.connect(self.setup.model_ready)
        self.worker.load_failed.connect(self.setup.load_failed)
        if self.tray is not None:
            self.tray.setup_requested.connect(self._show_setup)
        # The settings dialog and the history window (from the tray), the history's upkeep.
        self.windows = AppWindows(settings, self.history, self.history_recorder, inserter=self.inserter,
                                  popup=self.popup, usage=self.usage, rules_path=self.rules.path,
                                  list_microphones=_microphones, list_ai_modes=lambda: list(self.modes.current()))
        if self.tray is not None:
            self.tray.settings_requested.connect(self.windows.show_settings)
            self.tray.history_requested.connect(self.windows.show_history)
        self.instance = instance
        if instance is not None:  # `dictate-app toggle|start|stop|cancel|status` and a second start
            instance.handler = make_handler(self.coordinator, self.windows.show_running, self.desktop_facts)
        self.app.aboutToQuit.connect(self._shutdown)
        # Python only handles signals (Ctrl+C, SIGTERM) between bytecodes: wake it regularly.
        self._signal_pump = QTimer(interval=200)
        self._signal_pump.timeout.connect(lambda: None)
        self._collector = GuiThreadCollector()
        self._hotkey_ok = False
        self._waiting_for_setup = False  # started without a model, none handed to the loader yet
        self.hotkey_problem: str | None = None  # why the hotkey does not work (or its warning)
        self._desktop_notices = _DesktopNotices()
        self._desktop_notices.changed.connect(self._show_desktop_summary)
        desktop.listen(self._desktop_notices.changed.emit)

    def ai_config(self) -> AiConfig:
        """What the AI modes use for the next take: the settings now, this run's --llm-url and
        --llm-model on them, the modes file as it is now, the vocabulary of rules.txt."""
        return AiConfig(self.settings.settings, self.modes.current(), self.rules.current().vocabulary.terms)

    def model_dir(self) -> str:
        """The model folder the settings name now ("" = the model store: dictate-app model path)."""
        return str(resolve_model_dir(saved=self.settings.model_dir).path)

    def _load_engine(self, model_dir: str, device: str):
        """On the worker thread: the engine for the current model and server settings."""
        from dictate_app.engine.loader import load_engine

        model_dir = str(resolve_model_dir(saved=model_dir).path)  # "" = the model store
        server = self._server_url()
        if self._preload is not None:  # a load already under way for this model: wait for it
            engine = self._preload.take(model_dir, device, server)  # None after the first take
            if engine is not None:
                return engine
        return load_engine(model_dir, device=device, server=server, token=self.server_token)

    def exec(self) -> int:
        """Start (see :meth:`start`) and run Qt's event loop until Quit."""
        self.start()
        return self.app.exec()

    def start(self) -> None:
        """Show the tray, start the hotkey, then load the model or, without one, open the setup."""
        self._collector.start()  # before the model load and the hotkey listener allocate
        self.desktop.start()  # a portal's permission dialog comes now, not at the first paste
        if self.tray is not None:
            self.tray.show()
            self.tray.set_phase(Phase.LOADING)
        self.start_hotkey()
        for problem in self.settings.problems + self._rules_problems:  # what was reset or skipped
            self.notify(problem, False)
        # A server (when set) stands in for the local model, so only check without one.
        problem = self._model_problem()
        if problem:
            # Not coordinator.start(): that load would fail and raise an error notice over the
            # setup window. The microphone opens at the first press (or after a settings change).
            say(f"Dictate needs its speech model: {problem}")
            if self._preload is not None:
                self._preload.drop()  # it failed, or loads what the setup window will replace
            if self.tray is not None:
                self.tray.set_model_info("not set up yet")
            self._waiting_for_setup = True
            self._show_phase(Phase.LOADING)  # "No speech model yet": Start dictation waits for one
            self.setup.show(problem)
        else:
            self.coordinator.start()
        self._signal_pump.start()

    def _restart_hotkey(self, _key: str) -> None:
        self.hotkey.stop()
        self.hotkey.key_name = self.settings.hotkey
        self.start_hotkey()

    def _start_at_login(self, _key: str) -> None:
        try:
            autostart.set_enabled(self.settings.start_at_login)
        except autostart.AutostartError as exc:
            self.notify(str(exc), True)

    def start_hotkey(self) -> None:
        """(Re)start the hotkey; what goes wrong is said once and kept for `doctor` and the tray."""
        try:
            self.hotkey_problem = self.hotkey.start()
            self._hotkey_ok = True
            if self.hotkey_problem:
                self.notify(self.hotkey_problem, False)
        except HotkeyError as exc:
            self._hotkey_ok, self.hotkey_problem = False, str(exc)
            self.notify(str(exc), True)
        if self.tray is not None:
            self.tray.set_hotkey_works(self._hotkey_ok)
        self._show_desktop_summary()

    def desktop_summary(self) -> str:
        """One line on this desktop (the tray, the setup window): as `dictate-app doctor` says it."""
        return f"{self.desktop.name}: {summary(self.desktop.checks())}"

    def _show_desktop_summary(self) -> None:
        if self.tray is not None:
            self.tray.set_desktop_info(self.desktop_summary())

    def desktop_facts(self) -> dict:
        """The backend and the live hotkey's rows (``dictate-app status``, ``doctor``)."""
        return {"backend": self.desktop.name, "hotkey_problem": self.hotkey_problem,
                "checks": [row.as_dict() for row in self.desktop.hotkey.checks()]}

    def _server_url(self) -> str | None:
        return self.settings.server_url or None

    def _use_model(self, model_dir: str, save: bool) -> None:
        """Load ``model_dir`` now (from the setup window); a chosen folder is also saved."""
        self._waiting_for_setup = False
        if self.tray is not None:
            self.tray.set_phase(Phase.LOADING)  # from "No speech model yet" to "Loading…"
        if save and "model_dir" in self.settings.update({"model_dir": model_dir}):
            return  # the coordinator loads it, as a folder chosen in the settings dialog
        if not self.settings.override({"model_dir": model_dir}):  # for this run (a download)
            self.coordinator.load_model()  # the same folder, now with a model in it

    def _show_setup(self) -> None:
        """The tray's "Set up the model…": the window, with what is wrong with the current model."""
        self.setup.show(self._model_problem())

    def _model_problem(self) -> str | None:
        """Why the current model cannot load, or None (also with a server: it stands in for the model)."""
        return None if self._server_url() else model_problem(self.model_dir())

    def _setup_dismissed(self) -> None:
        """The setup window was closed without a model: presses now say why nothing records."""
        if self.coordinator.state.model is ModelStatus.LOADING:  # a failed load has said why already
            # One calm notice (not an error popup and balloon); presses then say it again.
            self.coordinator.post(ModelFailed(NO_MODEL, error=False))

    def quit(self) -> None:
        self.app.quit()

    def notify(self, message: str, error: bool = True) -> None:
        """Errors and warnings: a tray notification (when there is a tray) and a stderr line."""
        print(f"dictate-app: {message}", file=sys.stderr, flush=True)
        if self.tray is not None:
            self.tray.notify(message, error)

    def _phase_changed(self, phase: Phase) -> None:
        self.hotkey.set_escape(phase is Phase.RECORDING)  # compositor bindings take Esc only now
        self._show_phase(phase)
        log.info("phase: %s", phase.value)

    def _show_phase(self, phase: Phase) -> None:
        """The tray's state; no model set up yet is its own calm state, not "Loading" or "Error"."""
        if self.tray is None:
            return
        if phase is Phase.ERROR:
            no_model = self.coordinator.state.model_error == NO_MODEL
        else:
            no_model = phase is Phase.LOADING and self._waiting_for_setup
        if no_model:
            self.tray.set_no_model()
        else:
            self.tray.set_phase(phase)

    def _first_dictation(self, _uid: int, details: dict) -> None:
        """The very first dictation that landed (the history holds just it) says where the
        settings are, under its text in the popup; later ones do not."""
        if details.get("status") == "inserted" and not details.get("message"):
            try:
                first = self.history.count() == 1
            except Exception:  # a history that cannot be read has said so when saving
                return
            if first:
                self.popup.set_note(WHERE_SETTINGS)

    def _tray_toggle(self) -> None:
        """Start or stop from the tray; a recording started there says how to stop it."""
        was_recording = self.coordinator.state.recording is not None
        self.coordinator.toggle()
        if not was_recording and self.coordinator.state.recording is not None:
            hotkey = self.settings.hotkey if self._hotkey_ok else None
            self.popup.set_note(how_to_stop(hotkey, self.tray.toggled_by_click))

    def _tray_hands_free(self) -> None:
        """The tray's "Start hands-free dictation": a take that ends by itself after a pause."""
        self.coordinator.start_hands_free()
        after_s = self.coordinator.hands_free.after_s  # what the coordinator armed for this take
        if self.coordinator.state.recording is not None and after_s is not None:
            self.popup.set_note(hands_free_stops(after_s))

    def _model_ready(self, description: str) -> None:
        if self.tray is not None:
            # The folder now: the setup window or the settings may have changed it.
            self.tray.set_model_info(f"{self.model_dir()} ({description})")
        say(f"Dictate is ready ({description}): {self.usage()}. {WHERE_SETTINGS}")

    def usage(self) -> str:
        """How to dictate now: the hotkey in its mode, or the tray menu when the hotkey failed."""
        return how_to_dictate(self.settings.hotkey, self.settings.mode) if self._hotkey_ok else NO_HOTKEY

    def _shutdown(self) -> None:
        self.setup.shutdown()
        self.hotkey.stop()
        self.coordinator.close()
        self.popup.hide()
        if self.instance is not None:
            self.instance.close()
        if not stop_worker(self.thread):
            log.warning("the model worker was still busy at exit")
        self.cues.close()  # before PortAudio is terminated at exit
        self.desktop.close()
        self.history.close()
        self._collector.stop()
