"""The doctor's report (Qt-free): a running Dictate's live hotkey rows replace the ones this process
would probe, the summary is one line, the text names each fix."""

from __future__ import annotations

from dictate_app.desktop.base import MISSING, OK, Check
from dictate_app.desktop.doctor import format_text, report, summary
from tests.desktop.fakes import fake_desktop


class Rows:
    def __init__(self, rows):
        self.rows = rows

    def checks(self):
        return self.rows


def test_summary_is_one_line():
    assert summary([Check("paste", OK, "fine")]) == "everything works here"
    rows = [Check("typing", MISSING, "wtype is not installed.", "sudo apt install wtype"),
            Check("paste", MISSING, "no data-control.", "")]
    assert summary(rows) == "typing: sudo apt install wtype (and 1 more: dictate-app doctor)"


def test_running_apps_rows_replace_the_probe():
    desktop = fake_desktop()
    desktop.extra_checks = lambda: [Check("key kept from the app", MISSING, "F9 is already a shortcut.", "pick another")]
    alone = report(desktop)
    assert alone["problems"][0]["capability"] == "key kept from the app"
    running = {"phase": "idle", "hotkey": "f9", "desktop": {"hotkey_problem": None, "checks": [
        Check("key kept from the app", OK, "F9 is grabbed on the focused window.").as_dict()]}}
    data = report(desktop, running)
    assert data["problems"] == [] and data["summary"] == "everything works here"
    text = format_text(data)
    assert "running Dictate: idle; hotkey f9: listening" in text and "F9 is grabbed" in text
