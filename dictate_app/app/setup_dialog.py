"""The model setup window's widgets (:class:`ModelSetupDialog`): what it shows in each state;
:mod:`dictate_app.app.model_setup` decides the states (download, failure, folder, ready)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

TITLE = "Dictate – speech model setup"
BAR_STEPS = 1000  # QProgressBar holds an int: show per-mille, not bytes (939 MB > 2**31 is close)


def mb(n: int) -> str:
    """Bytes as "12.3 MB"."""
    return f"{n / 1e6:,.1f} MB"


class ModelSetupDialog(QDialog):
    """The window: why a model is needed, progress, a status line, what to do by hand after a
    failed download (the folder, Copy links, Open folder) and the buttons."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.setModal(False)  # the tray menu, settings and history stay usable meanwhile
        self.intro = QLabel(wordWrap=True)
        self.file_label = QLabel()
        self.file_bar = QProgressBar(maximum=BAR_STEPS)
        self.overall_label = QLabel()
        self.overall_bar = QProgressBar(maximum=BAR_STEPS)
        self.status = QLabel(wordWrap=True)
        # After a failed download: where the files go (selectable) and two buttons, instead of a
        # shell command in the sentence.
        self.folder = QLabel(wordWrap=True, textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QPushButton("Copy &links")
        self.open_button = QPushButton("&Open folder")
        self.manual = QWidget()
        manual = QHBoxLayout(self.manual)
        manual.setContentsMargins(0, 0, 0, 0)
        manual.addWidget(self.folder, 1)
        manual.addWidget(self.copy_button)
        manual.addWidget(self.open_button)
        # What works on this desktop (`dictate-app doctor`'s summary): a new user learns here, not
        # at the first failed paste, that a tool is missing.
        self.desktop = QLabel(wordWrap=True)
        # The CPU build on a machine with an NVIDIA card: how to switch, in one line.
        self.gpu = QLabel(wordWrap=True)
        self.download_button = QPushButton("&Download")
        self.cancel_button = QPushButton("&Cancel download")
        self.choose_button = QPushButton("C&hoose a folder…")
        self.quit_button = QPushButton("&Quit Dictate")
        # Once the model is loaded, Enter closes the window (Download stayed the default before,
        # so Enter on the ready window started a second 240 MB download).
        self.close_button = QPushButton("C&lose")
        self.close_button.hide()
        # Enter must never quit (it did after a failed download disabled Download and left the
        # focus on Quit): no auto-default, and no focus from clicks or a disabled neighbour.
        for button in (self.quit_button, self.cancel_button, self.copy_button, self.open_button):
            button.setAutoDefault(False)
        self.quit_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        buttons = QHBoxLayout()
        for button in (self.download_button, self.cancel_button, self.choose_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.quit_button)
        layout = QVBoxLayout(self)
        for widget in (self.intro, self.file_label, self.file_bar, self.overall_label, self.overall_bar,
                       self.status, self.manual, self.desktop, self.gpu):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        self.setMinimumWidth(560)
        self.manual.hide()
        self.gpu.hide()
        self.show_progress(False)
        self.set_busy(False)

    def show_progress(self, visible: bool) -> None:
        for widget in (self.file_label, self.file_bar, self.overall_label, self.overall_bar):
            widget.setVisible(visible)
        self.fit()

    def show_manual(self, folder: Path | None) -> None:
        """The folder line and its two buttons (after a failed download), or nothing (``None``)."""
        self.manual.setVisible(folder is not None)
        self.folder.setText(f"Folder: {folder}" if folder is not None else "")
        self.copy_button.setText("Copy &links")
        self.fit()

    def set_busy(self, downloading: bool, loading: bool = False) -> None:
        """Only what makes sense now is enabled: Cancel (shown) while downloading, the rest otherwise."""
        self.download_button.setEnabled(not downloading and not loading)
        self.choose_button.setEnabled(not downloading and not loading)
        self.cancel_button.setEnabled(downloading)
        self.cancel_button.setVisible(downloading)  # a greyed "Cancel download" with nothing to cancel only puzzles
        self._focus_default()

    def set_default(self, button: QPushButton) -> None:
        """Make ``button`` (Download; Choose a folder when offline is known; Close when ready) the
        Enter button. Close is shown only as the default."""
        for other in (self.download_button, self.choose_button, self.close_button):
            other.setDefault(other is button)
        self.close_button.setVisible(button is self.close_button)
        self._focus_default()

    def _focus_default(self) -> None:
        """Keep the keyboard focus on the default button (else on Choose a folder), never on Quit."""
        default = next((button for button in (self.close_button, self.choose_button) if button.isDefault()),
                       self.download_button)
        for button in (default, self.choose_button, self.download_button, self.cancel_button):
            if button.isEnabled():
                button.setFocus(Qt.FocusReason.OtherFocusReason)
                return

    def set_status(self, text: str, error: bool = False) -> None:
        """A line in the normal colour; red only for ``error`` (a failure, not the first start)."""
        self.status.setText(text)
        self.status.setStyleSheet("color: #b00020;" if error else "")
        self.fit()

    def fit(self) -> None:
        """Grow (or shrink) to what is shown now: wrapped labels do not resize a shown window."""
        self.layout().activate()
        self.resize(self.width(), self.heightForWidth(self.width()) if self.hasHeightForWidth()
                    else self.sizeHint().height())

    def set_file_progress(self, name: str, done: int, total: int, verifying: bool) -> None:
        what = f"Checking {name}…" if verifying else f"{name}: {mb(done)} of {mb(total)}"
        self.file_label.setText(what)
        self.file_bar.setValue(int(BAR_STEPS * done / total) if total else BAR_STEPS)

    def set_overall_progress(self, done: int, total: int) -> None:
        self.overall_label.setText(f"Overall: {mb(done)} of {mb(total)}")
        self.overall_bar.setValue(int(BAR_STEPS * done / total) if total else BAR_STEPS)
