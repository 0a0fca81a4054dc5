"""The desktop interface (desktop/base.py) without any desktop: what per-app rules match, check rows
in doctor's order, and a Desktop's start, change listeners and close."""

from __future__ import annotations

from dictate_app.desktop.base import CAPABILITIES, MISSING, OK, UNSUPPORTED, Check, Desktop, Window


class Part:
    """A hotkey, window or keyboard part that only reports rows."""

    def __init__(self, *rows: Check):
        self.rows = list(rows)

    def checks(self) -> list[Check]:
        return self.rows


def test_a_window_is_described_by_its_app_and_title():
    assert Window("0x1", "xterm.XTerm", "vim notes.txt").describe() == "xterm.XTerm vim notes.txt"
    assert Window("7", title="Inbox").describe() == "Inbox"
    assert Window("7").describe() == ""


def test_checks_come_in_doctors_order_with_the_sessions_own_first_among_equals():
    extra = Check("wl-copy", MISSING, "wl-copy is not installed.", "sudo apt install wl-clipboard")
    desktop = Desktop("x11", "DISPLAY is set.",
                      hotkey=Part(Check("key kept from the app", OK, "grabbed."), Check("hotkey", OK, "F9.")),
                      windows=Part(Check("focus identity", OK, "_NET_ACTIVE_WINDOW.")),
                      keyboard=Part(Check("paste", OK, "xdotool."), Check("typing", OK, "xdotool.")),
                      make_clipboard=lambda: None, extra_checks=lambda: [extra])
    rows = desktop.checks()
    assert [r.capability for r in rows] == ["hotkey", "key kept from the app", "focus identity", "typing",
                                            "paste", "wl-copy"]
    assert [r.capability for r in rows[:5]] == [c for c in CAPABILITIES if c in {r.capability for r in rows}]
    assert rows[-1].as_dict() == {"capability": "wl-copy", "status": "missing",
                                  "detail": "wl-copy is not installed.", "fix": "sudo apt install wl-clipboard"}
    assert UNSUPPORTED == "unsupported"


def test_start_changed_and_close_run_what_the_parts_gave():
    seen = []
    desktop = Desktop("sway", "SWAYSOCK is set.", Part(), Part(), Part(), lambda: None,
                      start_parts=[lambda: seen.append("start")], close_parts=[lambda: seen.append("close")])
    desktop.listen(lambda: seen.append("changed 1"))
    desktop.listen(lambda: seen.append("changed 2"))
    desktop.start()
    desktop.changed()
    desktop.close()
    assert seen == ["start", "changed 1", "changed 2", "close"]
