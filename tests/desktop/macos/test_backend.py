"""The macOS backend assembled over the double: it imports on Linux without pyobjc, choose.py
builds it, `dictate-app doctor --json` reports every capability through the same code."""

from __future__ import annotations

import json
import subprocess
import sys
from argparse import Namespace

from dictate_app.desktop import choose
from dictate_app.desktop.base import CAPABILITIES, ONLY_FIRST_READ_GRACE_MS, Desktop
from dictate_app.desktop.doctor import report
from dictate_app.desktop.macos import assemble
from dictate_app.desktop.session import choose as choose_session
from tests.desktop.macos.double import FakeMac

MODULES = ("", ".quartz", ".keycodes", ".permissions", ".hotkey", ".keyboard", ".pasteboard", ".windows")


def test_the_package_imports_without_pyobjc():
    """Importing every module (and building the backend) loads no pyobjc/ctypes OS library: the
    adapter imports them inside its methods."""
    code = ("import sys, importlib\n"
            f"for m in {MODULES!r}: importlib.import_module('dictate_app.desktop.macos' + m)\n"
            "from dictate_app.desktop.choose import build\n"
            "from dictate_app.desktop.session import choose\n"
            "d = build(choose('macos'))\n"
            "assert d.name == 'macos', d.name\n"
            "bad = [m for m in ('objc', 'Quartz', 'AppKit', 'ApplicationServices') if m in sys.modules]\n"
            "assert not bad, bad\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_choose_has_the_macos_builder():
    assert choose.BUILDERS["macos"] == ("dictate_app.desktop.macos", "build")


def test_doctor_rows_all_well():
    desktop = assemble(choose_session("auto", {}, "darwin"), FakeMac())
    data = report(desktop)
    assert data["backend"] == "macos" and data["reason"] == "this is macOS"
    assert [row["capability"] for row in data["checks"]] == list(CAPABILITIES)
    assert data["problems"] == [] and data["summary"] == "everything works here"
    # The promise shows only the first read: the restore waits longer after it.
    assert desktop.fetch_grace_ms == ONLY_FIRST_READ_GRACE_MS > Desktop.fetch_grace_ms


def test_doctor_without_permissions_names_each_pane():
    desktop = assemble(choose_session("macos", {}, "darwin"), FakeMac(accessibility=False, listen=False))
    data = report(desktop)
    problems = {row["capability"]: row for row in data["problems"]}
    assert set(problems) == {"hotkey", "key kept from the app", "focus identity", "typing", "paste"}
    assert "Input Monitoring" in problems["hotkey"]["fix"]
    assert all("Accessibility" in problems[c]["fix"] for c in ("typing", "paste", "focus identity"))
    assert data["summary"].startswith("hotkey: allow Dictate under System Settings")


def test_desktop_start_asks_and_tells_listeners():
    mac = FakeMac(listen=False)
    desktop = assemble(choose_session("macos", {}, "darwin"), mac)
    heard = []
    desktop.listen(lambda: heard.append(1))
    desktop.start()
    assert ("open_url", "x-apple.systempreferences:com.apple.preference.security?Privacy_ListenEvent") in mac.calls
    assert heard == [1]


def test_close_writes_a_pending_promise_out():
    mac = FakeMac()
    desktop = assemble(choose_session("macos", {}, "darwin"), mac)
    desktop.make_clipboard().set_text("left over")
    desktop.close()
    assert mac.calls[-1][0] == "pb_write"


def test_doctor_command_json(monkeypatch, capsys):
    """`dictate-app doctor --json` on macOS (backend over the double): the same JSON shape, exit 1
    while Secure Event Input blinds a modifier hotkey."""
    from dictate_app.app import single_instance
    from dictate_app.commands import doctor

    mac = FakeMac(secure=True)
    monkeypatch.setattr(choose, "build", lambda session: assemble(session, mac))
    monkeypatch.setattr(single_instance, "send", lambda *a, **k: None)
    monkeypatch.setattr(doctor, "_settings", lambda: Namespace(desktop="macos", hotkey="ctrl_r"))
    code = doctor.run(Namespace(json=True, desktop="macos"))
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and data["backend"] == "macos"
    assert set(data) == {"backend", "reason", "checks", "problems", "summary", "running"}
    assert [row["capability"] for row in data["checks"]] == list(CAPABILITIES)
    assert data["problems"][0]["capability"] == "hotkey" and "Secure Event Input" in data["problems"][0]["detail"]


def test_secure_input_changes_reach_the_desktop_listeners():
    """The tray's desktop line is refreshed when Secure Event Input starts (the hotkey's
    on_change is the Desktop's changed())."""
    mac = FakeMac()
    desktop = assemble(choose_session("macos", {}, "darwin"), mac)
    heard = []
    desktop.listen(lambda: heard.append(1))
    desktop.hotkey.poll_s = 60
    desktop.hotkey.start("f9", print, print, print)
    mac.secure = True
    desktop.hotkey.poll_secure_input()
    desktop.hotkey.stop()
    assert heard == [1]
