"""Builds the tray app from its parts and runs Qt's event loop.

Construction only: which real backend goes behind each seam (Qt clipboard, xdotool, pynput,
sounddevice recorder, funasr engine) and how their signals connect. Decisions are elsewhere.
"""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from dictate_app.app.coordinator import AppOptions, Coordinator
from dictate_app.app.hotkey import HotkeyBridge, HotkeyError
from dictate_app.app.popup import Popup
from dictate_app.app.tray import Tray
from dictate_app.app.worker import AsrWorker, start_worker, stop_worker
from dictate_app.lifecycle import Mode, Phase
from dictate_app.output.inserter import Inserter
from dictate_app.output.qt_clipboard import QtClipboard
from dictate_app.output.x11 import Xdotool
from dictate_app.store.transcript_log import TranscriptLog

log = logging.getLogger(__name__)


def _recorder_factory(**kwargs):
    from dictate_app.audio.recorder import Recorder  # sounddevice/PortAudio: only when needed

    return Recorder(**kwargs)


def _microphone_names() -> list[str]:
    from dictate_app.audio.devices import list_input_devices

    return [device.name for device in list_input_devices(refresh=True)]


def say(message: str) -> None:
    """One line on stdout for whoever started us from a terminal (and for tests)."""
    print(message, flush=True)


class AppShell:
    """The running app. ``exec()`` returns the exit code after Quit."""

    def __init__(self, options: AppOptions):
        self.app = QApplication.instance() or QApplication(sys.argv[:1])
        self.app.setApplicationName("dictate-app")
        self.app.setQuitOnLastWindowClosed(False)  # the popup closing must not end the app
        self.options = options
        self.popup = Popup()
        self.log = TranscriptLog()
        self.tray: Tray | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = Tray(
                hotkey=options.hotkey, mode=options.mode, language=options.language,
                insert=options.insert, paste_keys=options.paste_keys,
                microphone=options.microphone, list_microphones=_microphone_names,
            )
        else:
            say("No system tray found: running without a tray icon (quit with Ctrl+C).")

        self.worker = AsrWorker()
        self.thread = start_worker(self.worker)
        keys = Xdotool()
        self.inserter = Inserter(
            QtClipboard(), keys, lambda ms, fn: QTimer.singleShot(ms, fn),
            paste_keys=options.paste_keys,
        )
        self.coordinator = Coordinator(
            options, recorder_factory=_recorder_factory, worker=self.worker,
            inserter=self.inserter, active_window=keys.active_window, popup=self.popup,
            transcript_log=self.log, notify=self.notify,
        )
        self.hotkey = HotkeyBridge(options.hotkey)
        self.hotkey.pressed.connect(self.coordinator.press)
        self.hotkey.released.connect(self.coordinator.release)
        self.hotkey.cancel.connect(self.coordinator.cancel)
        self.coordinator.phase_changed.connect(self._phase_changed)
        self.coordinator.model_ready.connect(self._model_ready)
        if self.tray is not None:
            self.tray.toggle_requested.connect(self.coordinator.toggle)
            self.tray.option_changed.connect(self.coordinator.set_option)
            self.tray.open_log_requested.connect(self._open_log)
            self.tray.quit_requested.connect(self.quit)
        self.app.aboutToQuit.connect(self._shutdown)
        # Python only handles signals (Ctrl+C, SIGTERM) between bytecodes: wake it regularly.
        self._signal_pump = QTimer(interval=200)
        self._signal_pump.timeout.connect(lambda: None)
        self._hotkey_ok = False

    def exec(self) -> int:
        if self.tray is not None:
            self.tray.show()
            self.tray.set_phase(Phase.LOADING)
        try:
            warning = self.hotkey.start()
            self._hotkey_ok = True
            if warning:
                self.notify(warning, False)
        except HotkeyError as exc:
            self.notify(str(exc), True)
        self.coordinator.start()
        self._signal_pump.start()
        return self.app.exec()

    def quit(self) -> None:
        self.app.quit()

    def notify(self, message: str, error: bool = True) -> None:
        """Errors and warnings: a tray notification (when there is a tray) and a stderr line."""
        print(f"dictate-app: {message}", file=sys.stderr, flush=True)
        if self.tray is not None:
            self.tray.notify(message, error)

    def _phase_changed(self, phase: Phase) -> None:
        if self.tray is not None:
            self.tray.set_phase(phase)
        log.info("phase: %s", phase.value)

    def _model_ready(self, description: str) -> None:
        if self.tray is not None:
            self.tray.set_model_info(f"{self.options.model_dir} ({description})")
        key = self.options.hotkey.upper() if len(self.options.hotkey) <= 3 else self.options.hotkey
        if self._hotkey_ok:
            how = f"hold {key}, speak, release" if self.options.mode is Mode.HOLD else f"press {key} to start and stop"
        else:
            how = "use Start dictation in the tray menu"
        say(f"Dictate is ready ({description}): {how}.")

    def _open_log(self) -> None:
        self.log.path.parent.mkdir(parents=True, exist_ok=True)
        self.log.path.touch()
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log.path)))

    def _shutdown(self) -> None:
        self.hotkey.stop()
        self.coordinator.close()
        self.popup.hide()
        if not stop_worker(self.thread):
            log.warning("the model worker was still busy at exit")
