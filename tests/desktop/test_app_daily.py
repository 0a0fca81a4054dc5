"""Issue 6 on the real desktop, with the real `dictate-app` processes (tray on the bench's X
display, PulseAudio microphone, the engine over a real-format random model):

- one instance: a second `dictate-app` defers to the first (exit 0, the first shows a popup);
- remote control: `dictate-app status|toggle|cancel|start|stop --json` drive the running app;
- history: a recording started and stopped remotely is saved, with its insertion result, and
  `dictate-app history --json` reads it while the app runs;
- a Dictate server (the server_url setting): held F9, the words are recognised by `dictate-app
  serve` running the trained fixture model and land in the target.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from testkit.desktop.app_harness import REPO, App, Target, hold_to_talk, synthesize, wait_for

pytestmark = [pytest.mark.desktop, pytest.mark.slow]


def test_server_url_setting_makes_the_app_recognise_through_a_dictate_server(desktop, tiny_model_dir,
                                                                            fixture_model_dir, tmp_path):
    """settings.ini's server_url: the tray app recognises through `dictate-app serve`.

    The server runs the trained fixture model; the app's own model folder holds the random one,
    whose words are noise. So the spoken words in the target came from the server, and its
    /asr counter says it answered them. First in this module: the ``running`` app below, alive
    until the module ends, holds F9 too and would dictate its own noise into the same target.
    """
    import requests

    from testkit.server.harness import ServerProcess, metric

    answered = 'dictate_requests_total{endpoint="/asr",status="200"}'
    server = ServerProcess("--model", str(fixture_model_dir), "--device", "cpu")
    try:
        (tmp_path / "settings.ini").write_text(f"[dictate]\nserver_url={server.url}\n", encoding="utf-8")
        target = Target(desktop, tmp_path / "target.txt")
        app = App(desktop, tiny_model_dir, tmp_path)
        try:
            assert app.ready_line.startswith("Dictate is ready (remote on ")
            assert "already a shortcut of another program" not in app.stderr(), "another app holds F9"
            before = metric(requests.get(f"{server.url}/metrics", timeout=10).text, answered)
            spoken = "call my mother"
            wav = synthesize(desktop, spoken, tmp_path / "remote.wav", "en-us")
            result = hold_to_talk(desktop, target, wav)
            assert result["text"] == app.logged_texts()[-1] == spoken
            assert metric(requests.get(f"{server.url}/metrics", timeout=10).text, answered) > before
        finally:
            target.close()
            rc = app.close()
        assert rc == 0, app.stderr()[-3000:]
    finally:
        server.stop()


@pytest.fixture(scope="module")
def running(desktop, tiny_model_dir, tmp_path_factory):
    data = tmp_path_factory.mktemp("daily")
    app = App(desktop, tiny_model_dir, data)
    env = dict(desktop.env, DICTATE_DATA_DIR=str(data), DICTATE_CONFIG_DIR=str(data))

    def cli(*args, timeout=60):
        return subprocess.run([sys.executable, "-m", "dictate_app", *args], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=timeout)

    yield app, cli, data
    assert app.close() == 0, app.stderr()[-3000:]


def _status(cli) -> dict:
    out = cli("status", "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_second_instance_defers_to_the_first(running):
    app, cli, _data = running
    second = cli("--model", "/nonexistent", timeout=60)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "Dictate is already running: use its tray icon, or `dictate-app toggle|status`."
    assert app.proc.poll() is None  # the first keeps running
    assert wait_for(lambda: app.popup_text() and "already running" in app.popup_text(), 10, "the popup")


def test_remote_control_and_history(running, desktop):
    app, cli, _data = running
    status = _status(cli)
    assert (status["phase"], status["model"], status["recording"], status["hotkey"]) == ("ready", "ready", False, "f9")
    assert json.loads(cli("stop", "--json").stdout)["recording"] is False  # nothing to stop
    assert json.loads(cli("start", "--json").stdout)["recording"] is True
    assert json.loads(cli("cancel", "--json").stdout)["recording"] is False
    wait_for(lambda: _status(cli)["phase"] == "ready", 10, "ready after cancel")

    # A remote toggle records real audio from the virtual microphone. The random model's words
    # are noise, but they are words (its CTC head is not blank-dominated): the utterance must be
    # saved, inserted, and readable with `dictate-app history` while the app runs.
    before = app.logged_texts()
    target = Target(desktop, _data / "target.txt")  # a text field that has the focus
    target.reset()
    assert json.loads(cli("toggle", "--json").stdout)["recording"] is True
    wav = desktop.synthesize("hello world, this is a dictation test", desktop.artifact("daily-hello.wav"))
    desktop.speak(wav)
    assert json.loads(cli("toggle", "--json").stdout)["recording"] is False
    wait_for(lambda: len(app.logged_texts()) > len(before), 120, "the utterance in the history")
    wait_for(lambda: json.loads(cli("history", "--json", "--limit", "1").stdout)[0]["insert_status"] != "pending",
             60, "the insertion result")
    entry = json.loads(cli("history", "--json", "--limit", "1").stdout)[0]
    assert entry["text"] == app.logged_texts()[-1] and entry["raw"]  # raw: the model output as is
    try:
        assert entry["insert_status"] == "inserted" and entry["insert_method"] == "paste"
        assert target.text() == entry["text"]  # what the history says was pasted is in the field
    finally:
        target.close()


def test_not_running_after_quit(desktop, tiny_model_dir, tmp_path):
    env = dict(desktop.env, DICTATE_CONFIG_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-m", "dictate_app", "status"], env=env, cwd=REPO,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "not running" in out.stderr
