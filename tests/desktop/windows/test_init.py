"""The Windows backend assembled (dictate_app/desktop/windows/__init__.py): importable on Linux,
built over the double with every capability's row, and `dictate-app doctor --json` through it."""

from __future__ import annotations

import importlib
import json
import pkgutil
from types import SimpleNamespace

import dictate_app.desktop.windows as windows_pkg
from dictate_app.desktop.base import CAPABILITIES, ONLY_FIRST_READ_GRACE_MS, Desktop
from dictate_app.desktop.choose import build as choose_build
from dictate_app.desktop.session import Session, choose
from dictate_app.desktop.windows import build
from tests.desktop.windows.fake_win32 import FakeWin32


def test_every_module_imports_without_windows():
    """Importing the package on Linux must not fail: windll is loaded only in win32.load()."""
    names = [m.name for m in pkgutil.iter_modules(windows_pkg.__path__)]
    assert {"win32", "win32_hook", "hotkey", "keyboard", "clipboard", "focus", "vk", "pipe_peer"} <= set(names)
    for name in names:
        importlib.import_module(f"dictate_app.desktop.windows.{name}")


def test_choose_builds_the_windows_backend_on_windows():
    session = choose("auto", env={}, platform="win32")
    assert session.backend == "windows"
    desktop = choose_build(session)  # off Windows: the backend, every row saying why not
    assert desktop.name == "windows"
    assert {row.capability for row in desktop.checks()} == set(CAPABILITIES)
    rows = {row.capability: row for row in desktop.checks()}
    assert all(row.status == "unsupported" for row in rows.values())
    assert rows["hotkey"].fix == rows["paste"].fix == "run Dictate on Windows"


def test_over_the_double_every_capability_works():
    api = FakeWin32()
    desktop = build(Session("windows", "this is Windows", {}), api=api)
    rows = desktop.checks()
    assert [row.capability for row in rows] == list(CAPABILITIES)
    assert all(row.status == "ok" for row in rows)
    clipboard = desktop.make_clipboard()
    clipboard.set_text("x")
    desktop.close()
    assert ("DestroyWindow", clipboard.hwnd) in api.calls
    # Delayed rendering shows only the first read: the restore waits longer after it.
    assert desktop.fetch_grace_ms == ONLY_FIRST_READ_GRACE_MS > Desktop.fetch_grace_ms  # Windows renders what nobody read, then


def test_doctor_json_through_the_windows_backend(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DICTATE_CONFIG_DIR", str(tmp_path))
    api = FakeWin32()
    monkeypatch.setattr("dictate_app.desktop.choose.build", lambda session: build(session, api=api))
    monkeypatch.setattr("dictate_app.app.single_instance.send", lambda command: None)
    from dictate_app.commands import doctor

    code = doctor.run(SimpleNamespace(json=True, desktop="windows"))
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["backend"] == "windows" and data["problems"] == []
    assert [row["capability"] for row in data["checks"]] == list(CAPABILITIES)
    assert set(data["checks"][0]) == {"capability", "status", "detail", "fix"}
    assert data["summary"] == "everything works here"
