"""First-run model setup in the tray app: a small non-modal dialog to download the model (with
progress and Cancel), choose a folder that holds it, or quit.

Thin Qt over :mod:`dictate_app.app.first_run` and the model store: the download, its
resumption and its verification are the store's; the dialog only shows them. The download runs
on its own QThread (:class:`DownloadWorker`); what to do with a usable model directory is the
shell's ``use_model`` callback (load it, and save a chosen folder in the settings). The window's
widgets are :mod:`dictate_app.app.setup_dialog`; this module decides what they show.
"""

from __future__ import annotations

import errno
import logging
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QThread, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QFileDialog

from dictate_app.app.hints import WHERE_SETTINGS, gpu_switch_hint
from dictate_app.app.setup_dialog import ModelSetupDialog, mb
from dictate_app.engine.forms import forms_in, preferred_form
from dictate_app.app.worker import start_worker, stop_worker, user_message
from dictate_app.app.first_run import (
    DownloadCancelled, DownloadPlan, Progress, download_plan, model_problem,
)

log = logging.getLogger(__name__)

# The ready line has about 18 words ("Ready: hold F9 ... tray icon."): at a reading pace of about
# 4 words a second that is 4.5 s; 7 s leaves room to look up from the keyboard first.
READY_HIDE_MS = 7000
# A download blocked in a socket read notices Cancel only when the read returns: at most the
# store's 10 s timeout. Waiting a little longer at quit means the thread never outlives the app.
STOP_TIMEOUT_MS = 15_000


def _unreachable(exc: BaseException) -> str | None:
    """"No internet connection" / "The download server could not be reached" when ``exc`` (or the
    network error it was raised from: the store raises its ModelError ``from None``, which keeps
    ``__context__``) means the machine cannot reach the server; None for any other failure."""
    cause = exc.__cause__ or exc.__context__ or exc
    reason = getattr(cause, "reason", cause)
    if isinstance(reason, socket.gaierror) or (
            isinstance(reason, OSError) and reason.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH)):
        return "No internet connection"  # no DNS answer or no route: this machine is offline
    if isinstance(reason, (ConnectionError, TimeoutError, socket.timeout)):
        return "The download server could not be reached"
    return None


def failure_sentence(exc: BaseException) -> tuple[str, bool]:
    """What the window says after a failed download, and whether the network was the cause (then
    the user is offered the links, the folder, and Choose a folder as the default button)."""
    headline = _unreachable(exc)
    if headline:
        return (f"{headline}. Download the model files on another computer (Copy links), put them in "
                "the folder below (Open folder), then choose that folder here."), True
    message = user_message(exc, "Downloading the model")
    return message[:1].upper() + message[1:], False


class DownloadWorker(QObject):
    """Runs one :class:`DownloadPlan` at a time on its own thread.

    ``progress(name, done, total)`` per block; then ``finished(model_dir)``, ``failed(message)``
    or ``cancelled()``. :meth:`cancel` may be called from any thread.
    """

    progress = Signal(str, object, object)  # object: byte counts can exceed a 32-bit int
    finished = Signal(str)
    failed = Signal(str, bool)  # the sentence, and whether the network was the cause
    cancelled = Signal()

    def __init__(self):
        super().__init__()
        # An Event, not a queued slot: this thread is busy inside the download loop, so a queued
        # call would only run after the download had finished.
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def reset(self) -> None:
        """Forget an earlier Cancel. Called before queuing a run, not inside it: a Cancel pressed
        before the queued run starts must still count."""
        self._cancel.clear()

    @Slot(object)
    def run(self, plan: DownloadPlan) -> None:
        try:
            model_dir = plan.run(progress=self.progress.emit, cancel=self._cancel)
        except DownloadCancelled:
            self.cancelled.emit()
        except Exception as exc:  # ModelError speaks for itself; anything else is named
            log.debug("model download failed", exc_info=True)
            self.failed.emit(*failure_sentence(exc))
        else:
            self.finished.emit(str(model_dir))


class ModelSetup(QObject):
    """The setup flow around :class:`ModelSetupDialog`.

    ``use_model(model_dir, save)`` is called with a usable directory (``save``: the user chose it,
    keep it in the settings); the shell then loads it and reports back through
    :meth:`model_ready` or :meth:`load_failed`. ``quit_requested`` comes from Quit;
    ``dismissed`` when the window is closed while there is still no model and no download.
    ``how_to_use()`` says how to dictate now ("hold F9 anywhere, speak, release") for the ready line.
    """

    quit_requested = Signal()
    dismissed = Signal()
    _start_download = Signal(object)

    def __init__(self, *, model_dir: Callable[[], str], device: Callable[[], str],
                 use_model: Callable[[str, bool], None],
                 plan_for: Callable[[str, str], DownloadPlan] | None = None,
                 desktop_note: Callable[[], str] = str, how_to_use: Callable[[], str] = str,
                 gpu_note: Callable[[], str] = gpu_switch_hint, parent: QObject | None = None):
        super().__init__(parent)
        self._gpu_note = gpu_note
        self._desktop_note = desktop_note
        self._how_to_use = how_to_use
        self._model_dir = model_dir
        self._device = device
        self._use_model = use_model
        # Which plan for (model_dir, device); tests point it at a local server and small files.
        self._plan_for = plan_for or (lambda directory, device: download_plan(preferred_form(device), directory))
        self._plan: DownloadPlan | None = None
        self._progress: Progress | None = None
        self._downloading = False
        self._loading: str | None = None  # the directory handed to use_model, until it loads or fails
        self._ready = ""
        self._offline = ""  # the sentence of the last download that could not reach the server
        self.dialog = ModelSetupDialog()
        self.dialog.download_button.clicked.connect(self.download)
        self.dialog.cancel_button.clicked.connect(self.cancel)
        # Bound methods, not lambdas: a lambda holding self through a C++ connection is a cycle
        # Python cannot collect, and the window would then outlive the QApplication.
        self.dialog.choose_button.clicked.connect(self._choose_clicked)
        self.dialog.quit_button.clicked.connect(self.quit_requested)
        self.dialog.close_button.clicked.connect(self.dialog.accept)
        self.dialog.copy_button.clicked.connect(self.copy_links)
        self.dialog.open_button.clicked.connect(self.open_folder)
        # Esc and the window's close button both reject() the dialog; a running download goes
        # on (the tray menu brings the window back).
        self.dialog.finished.connect(self._closed)
        self._hide_timer = QTimer(self, singleShot=True, interval=READY_HIDE_MS)
        self._hide_timer.timeout.connect(self.dialog.hide)
        self.worker = DownloadWorker()
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_downloaded)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(self._on_cancelled)
        self._start_download.connect(self.worker.run)
        self.thread: QThread | None = None  # started at the first download: most starts need none

    # ---- showing ----

    def show(self, problem: str | None = None) -> None:
        """Open (or raise) the window; ``problem`` says why the current model cannot be used."""
        self._hide_timer.stop()
        d = self.dialog
        if not self._downloading and self._loading is None:
            self._plan = self._plan_for(self._model_dir(), self._device())
            size = f"{self._plan.total_bytes / 1e6:,.0f} MB"
            d.download_button.setText(f"&Download ({size})")
            d.download_button.setToolTip(f"Into {self._plan.dest}; a stopped download resumes where it stopped.")
            d.show_progress(False)
            d.show_manual(None)
            d.set_default(d.download_button)
            if self._ready:
                d.intro.setText("The speech model is loaded. You can download it again or choose another folder.")
                d.set_status(self._ready_line())
                d.set_default(d.close_button)
            elif self._offline:  # known offline: reopened, the window says so again, Choose a folder first
                d.set_status(self._offline, error=True)
                d.show_manual(self._plan.dest)
                d.set_default(d.choose_button)
            else:
                d.intro.setText(f"Dictate turns your speech into text on this computer. It needs its speech "
                                f"model once: download it ({size}), or choose a folder that already has it.")
                if problem and forms_in(self._model_dir()):  # files there, yet unusable
                    d.set_status(problem[:1].upper() + problem[1:], error=True)  # a broken folder
                else:  # the normal first start (or what a failed download left): not an error
                    d.set_status(f"No speech model yet. Download saves it in {self._plan.dest}.")
        note = self._desktop_note()
        d.desktop.setText(f"Desktop: {note}" if note else "")
        d.desktop.setVisible(bool(note))
        gpu = self._gpu_note()
        d.gpu.setText(gpu)
        d.gpu.setVisible(bool(gpu))
        d.fit()
        d.show()
        d.raise_()
        d.activateWindow()

    # ---- download ----

    @Slot()
    def download(self) -> None:
        if self._downloading:
            return
        plan = self._plan or self._plan_for(self._model_dir(), self._device())
        self._plan = plan
        if self.thread is None:
            self.thread = start_worker(self.worker)
        self._downloading = True
        self._progress = Progress(plan.manifest)
        d = self.dialog
        d.set_busy(True)
        d.show_manual(None)
        d.show_progress(True)
        d.set_file_progress(plan.manifest[0].name, 0, plan.manifest[0].size, False)
        d.set_overall_progress(0, plan.total_bytes)
        d.set_status(f"Downloading the speech model into {plan.dest}…")
        self.worker.reset()
        self._start_download.emit(plan)

    @Slot()
    def cancel(self) -> None:
        if self._downloading:
            self.worker.cancel()
            self.dialog.cancel_button.setEnabled(False)
            self.dialog.set_status("Stopping the download…")

    @Slot(str, object, object)
    def _on_progress(self, name: str, done: int, total: int) -> None:
        self._progress.update(name, done, total)
        # At the end of a file the store hashes it before the next one starts: say so.
        self.dialog.set_file_progress(name, done, total, verifying=done >= total)
        self.dialog.set_overall_progress(self._progress.overall_done, self._progress.overall_total)

    @Slot(str)
    def _on_downloaded(self, model_dir: str) -> None:
        self._downloading = False
        self._offline = ""
        total = self._plan.total_bytes
        self.dialog.set_overall_progress(total, total)
        self._hand_over(model_dir, save=False, what="Downloaded and verified")

    @Slot(str, bool)
    def _on_failed(self, message: str, unreachable: bool) -> None:
        self._downloading = False
        d = self.dialog
        d.show_progress(False)  # bars frozen at some point say nothing more after a failure
        d.set_status(message, error=True)
        self._offline = message if unreachable else ""
        if unreachable:  # trying again will not help now: choosing a folder may
            d.show_manual(self._plan.dest)
            d.set_default(d.choose_button)
        d.set_busy(False)
        if not d.isVisible():  # closed while downloading: the user must still see this
            d.show()

    def links(self) -> list[str]:
        """The address of each file of the current plan (what Copy links puts on the clipboard)."""
        plan = self._plan or self._plan_for(self._model_dir(), self._device())
        base = plan.base_url or plan.sources[plan.source]
        return [base + spec.name for spec in plan.manifest]

    @Slot()
    def copy_links(self) -> None:
        QGuiApplication.clipboard().setText("\n".join(self.links()) + "\n")
        self.dialog.copy_button.setText("Links copied")

    @Slot()
    def open_folder(self) -> None:
        """Open the folder the files go in (made now if needed) in the file manager."""
        dest = (self._plan or self._plan_for(self._model_dir(), self._device())).dest
        try:
            dest.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.dialog.set_status(f"The folder {dest} cannot be made: {exc.strerror or exc}.", error=True)
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(dest)))

    @Slot()
    def _on_cancelled(self) -> None:
        self._downloading = False
        self.dialog.set_busy(False)
        self.dialog.show_progress(False)
        kept = self._progress.overall_done if self._progress else 0
        self.dialog.set_status(f"Download stopped with {mb(kept)} saved: Download goes on from there.")

    # ---- choose a folder ----

    @Slot()
    def _choose_clicked(self) -> None:
        self.choose_folder()  # without clicked's "checked" argument

    def choose_folder(self, folder: str | None = None) -> None:
        """Ask for a folder (or take ``folder``), check it, and use it if it holds a model."""
        if folder is None:
            start = self._model_dir() if Path(self._model_dir()).is_dir() else str(Path.home())
            folder = QFileDialog.getExistingDirectory(self.dialog, "Choose the speech model folder", start)
        if not folder:
            return  # the file dialog was cancelled
        problem = model_problem(folder)
        if problem:
            self.dialog.set_status(f"That folder cannot be used: {problem}.", error=True)
            return
        self._hand_over(folder, save=True, what="Model found")

    # ---- loading (through the shell) ----

    def _hand_over(self, model_dir: str, save: bool, what: str) -> None:
        self._loading = model_dir
        self.dialog.show_manual(None)
        self.dialog.set_busy(False, loading=True)
        self.dialog.set_status(f"{what} in {model_dir}. Loading the speech model…")
        self._use_model(model_dir, save)

    @Slot(str)
    def model_ready(self, description: str) -> None:
        """The shell's model loaded (whichever way it was chosen)."""
        self._ready = description
        if self._loading is None:
            return
        self._loading = None
        self.dialog.set_busy(False)
        self.dialog.show_progress(False)
        self.dialog.intro.setText("The speech model is loaded.")
        self.dialog.set_status(self._ready_line())
        self.dialog.set_default(self.dialog.close_button)
        if self.dialog.isVisible():
            self._hide_timer.start()

    def _ready_line(self) -> str:
        """"Ready: hold F9 anywhere, speak, release. Settings and history are in ..." (the real key)."""
        how = self._how_to_use()
        return f"Ready: {how}. {WHERE_SETTINGS}" if how else f"Ready. {WHERE_SETTINGS}"

    @Slot(str)
    def load_failed(self, message: str) -> None:
        self._ready = ""
        if self._loading is None:
            return
        self._loading = None
        self.dialog.set_busy(False)
        self.dialog.set_status(message, error=True)

    @property
    def busy(self) -> bool:
        return self._downloading or self._loading is not None

    # ---- closing ----

    def _closed(self, *_result) -> None:
        self._hide_timer.stop()
        self.dialog.hide()
        if not self.busy and not self._ready:
            self.dismissed.emit()

    def shutdown(self) -> None:
        """At quit: stop a running download (its ``.part`` files stay) and the thread."""
        self._hide_timer.stop()
        self.dialog.hide()
        self.worker.cancel()
        if self.thread is not None and not stop_worker(self.thread, STOP_TIMEOUT_MS):
            log.warning("the model download was still running at exit")
