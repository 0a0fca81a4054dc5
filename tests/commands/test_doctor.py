"""``dictate-app doctor``: the backend and why, every capability with the one thing to do, as text
and JSON, and an exit code scripts can check."""

from __future__ import annotations

import json

from dictate_app.desktop.base import CAPABILITIES


def _env(tmp_path, **extra):
    # No display of the caller's, our own config and runtime dirs (no running Dictate to ask).
    env = {"DISPLAY": "", "WAYLAND_DISPLAY": "", "DICTATE_CONFIG_DIR": str(tmp_path / "config"),
           "DICTATE_DATA_DIR": str(tmp_path / "data"), "XDG_RUNTIME_DIR": str(tmp_path / "run")}
    (tmp_path / "run").mkdir(mode=0o700, exist_ok=True)
    env.update(extra)
    return env


def test_without_a_session_every_capability_says_why_and_what_to_do(cli, tmp_path):
    out = cli("doctor", "--json", env=_env(tmp_path))
    assert out.returncode == 1, out.stderr
    data = json.loads(out.stdout)
    assert data["backend"] == "none" and "neither WAYLAND_DISPLAY nor DISPLAY" in data["reason"]
    rows = {row["capability"]: row for row in data["checks"]}
    assert {"hotkey", "key kept from the app", "focus identity", "typing", "paste"} <= set(rows)
    assert rows["hotkey"]["status"] == "unsupported" and "dictate-app toggle" in rows["hotkey"]["fix"]
    assert data["running"] is None and data["summary"].startswith("hotkey: ")


def test_text_report_names_the_fix(cli, tmp_path):
    out = cli("doctor", env=_env(tmp_path))
    lines = out.stdout.splitlines()
    assert lines[0].startswith("desktop backend: none (")
    assert any(line.strip().startswith("-> bind `dictate-app start`") for line in lines)
    assert lines[-1].startswith("summary: hotkey: ")


def test_the_desktop_setting_chooses_the_backend(cli, tmp_path):
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.ini").write_text("[dictate]\ndesktop=x11\n")
    data = json.loads(cli("doctor", "--json", env=_env(tmp_path)).stdout)
    assert data["backend"] == "x11" and "the desktop setting says x11" in data["reason"]
    # No X display to open: the rows say so rather than a traceback.
    rows = {row["capability"]: row for row in data["checks"]}
    assert rows["hotkey"]["status"] == "unsupported" and "cannot be opened" in rows["hotkey"]["detail"]
    assert [row["capability"] for row in data["checks"]] == sorted(
        (row["capability"] for row in data["checks"]), key=CAPABILITIES.index)
