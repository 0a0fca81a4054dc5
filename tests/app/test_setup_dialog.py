"""The model setup window's widgets (app/setup_dialog.py), offscreen: what is enabled and focused in
each state, and the progress lines. (The states themselves: tests/app/test_model_setup.py.)"""

from __future__ import annotations

import pytest

from dictate_app.app.setup_dialog import BAR_STEPS, ModelSetupDialog, mb


@pytest.fixture
def dialog(qtbot):
    d = ModelSetupDialog()
    qtbot.addWidget(d)
    d.show()
    return d


def test_megabytes_read_as_people_write_them():
    assert mb(939_000_000) == "939.0 MB" and mb(1_234_567_890) == "1,234.6 MB"


def test_downloading_offers_only_cancel_and_idle_never_focuses_quit(dialog, qtbot):
    dialog.set_busy(downloading=True)
    assert dialog.cancel_button.isVisible() and dialog.cancel_button.isEnabled()
    assert not dialog.download_button.isEnabled() and not dialog.choose_button.isEnabled()
    dialog.set_busy(downloading=False)
    assert not dialog.cancel_button.isVisible() and dialog.download_button.isEnabled()
    assert not dialog.quit_button.autoDefault() and dialog.focusWidget() is not dialog.quit_button


def test_close_is_shown_only_as_the_default(dialog):
    assert not dialog.close_button.isVisible()
    dialog.set_default(dialog.close_button)
    assert dialog.close_button.isVisible() and dialog.close_button.isDefault()
    assert not dialog.download_button.isDefault()
    dialog.set_default(dialog.choose_button)
    assert not dialog.close_button.isVisible() and dialog.choose_button.isDefault()


def test_progress_lines_and_bars(dialog):
    dialog.show_progress(True)
    dialog.set_file_progress("model.int8.onnx", 120_000_000, 240_000_000, verifying=False)
    dialog.set_overall_progress(0, 0)
    assert dialog.file_label.text() == "model.int8.onnx: 120.0 MB of 240.0 MB"
    assert dialog.file_bar.value() == BAR_STEPS // 2 and dialog.overall_bar.value() == BAR_STEPS
    dialog.set_file_progress("tokens.txt", 5, 5, verifying=True)
    assert dialog.file_label.text() == "Checking tokens.txt…"


def test_the_manual_line_and_an_error_status(dialog, tmp_path):
    dialog.show_manual(tmp_path)
    assert dialog.manual.isVisible() and dialog.folder.text() == f"Folder: {tmp_path}"
    dialog.show_manual(None)
    assert not dialog.manual.isVisible() and dialog.folder.text() == ""
    dialog.set_status("The download failed.", error=True)
    assert "#b00020" in dialog.status.styleSheet()
    dialog.set_status("Ready.")
    assert dialog.status.styleSheet() == "" and dialog.status.text() == "Ready."
