"""AI modes (issue 25) in the real tray app on the real (headless) X11 desktop, fixture model.

Everything of Dictate is real, as in test_app_dictation.py: the `dictate-app` process, the pynput
hotkey, the recorder, the model, the popup, the history, xdotool, a target window in another
process, espeak-ng speech into the virtual microphone. The endpoint and model come from ``--llm-url``/``--llm-model`` (the settings name a closed
port). The language model is the one stand-in
(there is none on the bench): testkit/fake_llm.py as its own process on loopback, an
OpenAI-compatible server whose answer is the delimited transcript upper-cased, so the target
holding the upper-cased words proves the whole path (request, streamed answer, insertion).

With "clean up" on and the server answering, the answer lands; with Shift held with F9 (the
per-take choice: the Shift mode is "clean up" too, so Shift gives the words as spoken) the words
as spoken land; with the server slow, the words as spoken land at the timeout; with the server
stopped, the words as spoken land at once. Each popup is kept as a screenshot for a human to
look at, and the history row holds both texts (or why there is one).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request

import pytest

from dictate_app.store.history import History
from testkit.desktop.app_harness import REPO, App, Target, settled_text, start_talking, synthesize, wait_for

pytestmark = [pytest.mark.desktop, pytest.mark.slow]
SPOKEN = "call my friend"  # three words: ai_mode_min_words is 3
TIMEOUT_S = 3.0


class FakeLlmProcess:
    """``python -m testkit.fake_llm`` on a free loopback port, until :meth:`stop`."""

    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-m", "testkit.fake_llm", "--port", "0"], cwd=REPO,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline().strip()
        assert line.startswith("fake LLM listening on "), line
        self.url = line.rsplit(" ", 1)[1]

    def set(self, **values) -> None:
        request = urllib.request.Request(self.url.removesuffix("/v1") + "/_fake/set", data=json.dumps(values).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        urllib.request.urlopen(request, timeout=5).read()

    def requests(self) -> list[dict]:
        """Every request the server received (GET /_fake/requests)."""
        with urllib.request.urlopen(self.url.removesuffix("/v1") + "/_fake/requests", timeout=5) as reply:
            return json.loads(reply.read())

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@pytest.fixture(scope="module")
def session(desktop, fixture_model_dir, tmp_path_factory):
    """The app with "clean up" on in its settings, whose llm_url names a closed port: the endpoint
    comes from the command line (--llm-url), as a user tries another server for one run."""
    data = tmp_path_factory.mktemp("ai-mode")
    llm = FakeLlmProcess()
    (data / "settings.ini").write_text(
        f"[dictate]\nai_mode=clean up\nllm_url=http://127.0.0.1:9/v1\nllm_timeout_s={TIMEOUT_S}\n"
        "ai_mode_min_words=3\n", encoding="utf-8")
    target = Target(desktop, data / "target.txt")
    app = App(desktop, fixture_model_dir, data, "--llm-url", llm.url, "--llm-model", "fake-model")
    try:
        wav = synthesize(desktop, SPOKEN, data / "spoken.wav", "en-us")
        yield desktop, target, app, llm, wav
    finally:
        rc = app.close()
        target.close()
        llm.stop()
    assert rc == 0, app.stderr()[-3000:]


def dictate(desktop, target, wav, shift: bool = False, while_waiting=None) -> tuple[str, float]:
    """Hold F9 (with Shift, when asked) around the words; the settled text and release-to-text.
    ``while_waiting()`` runs once the popup shows the words waiting for the model."""
    target.reset()
    if shift:
        desktop.key_down("shift")
    start_talking(desktop)
    desktop.speak(wav, wait=True)
    desktop.key_up("F9")
    released = time.monotonic()
    if shift:
        desktop.key_up("shift")
    if while_waiting is not None:
        while_waiting()
    wait_for(target.text, 30, "text in the target")
    waited = time.monotonic() - released
    return settled_text(target), waited


def last_entry(app):
    with History(app.log) as history:
        return history.recent(1)[0]


def test_clean_up_with_the_server_answering_inserts_its_answer(session):
    desktop, target, app, llm, wav = session
    llm.set(behaviour="ok")
    text, waited = dictate(desktop, target, wav)
    wait_for(lambda: app.popup_text() == SPOKEN.upper(), 5, "the popup with the answer")
    print(f"\nclean up: {text!r} {waited:.2f} s after release; screenshot {desktop.screenshot('app-ai-mode-ok.png')}")
    assert text == SPOKEN.upper(), "the server's transform of the words, not the words"
    entry = last_entry(app)
    assert (entry.text, entry.processed, entry.ai_mode, entry.ai_error) == (SPOKEN, SPOKEN.upper(), "clean up", "")
    (request,) = [r for r in llm.requests() if r["path"].endswith("/chat/completions")]
    assert request["body"]["model"] == "fake-model" and request["body"]["stream"] is True
    assert "<transcript>" in request["body"]["messages"][-1]["content"]


def test_shift_held_with_the_hotkey_gives_the_words_as_spoken_for_one_take(session):
    desktop, target, app, llm, wav = session
    text, waited = dictate(desktop, target, wav, shift=True)
    print(f"\nshift: {text!r} {waited:.2f} s after release")
    assert text == SPOKEN, "Shift: the Shift mode (clean up) is the one that would run, so as spoken"
    assert last_entry(app).ai_mode == ""
    text, _ = dictate(desktop, target, wav)
    assert text == SPOKEN.upper(), "without Shift: clean up again"


def test_slow_server_the_words_as_spoken_land_at_the_timeout(session):
    desktop, target, app, llm, wav = session
    llm.set(behaviour="slow", delay_s=30)
    seen = {}

    def waiting():  # the words as spoken are shown at once; nothing is in the target yet
        seen["popup"] = wait_for(app.popup_text, 5, "the popup with the words as spoken")
        time.sleep(1.0)
        seen["target"] = target.text()
        seen["shot"] = desktop.screenshot("app-ai-mode-waiting.png")

    text, waited = dictate(desktop, target, wav, while_waiting=waiting)
    print(f"\nwhile waiting: popup {seen['popup']!r}, target {seen['target']!r}; screenshot {seen['shot']}")
    assert seen["popup"] == SPOKEN and seen["target"] == ""
    shot = desktop.screenshot("app-ai-mode-slow.png")
    print(f"\nslow: {text!r} {waited:.2f} s after release (timeout {TIMEOUT_S:g} s); screenshot {shot}")
    assert text == SPOKEN
    assert TIMEOUT_S - 0.5 < waited < TIMEOUT_S + 5, "the words wait for the timeout, then land"
    entry = last_entry(app)
    assert entry.text == SPOKEN and entry.processed is None and "did not answer within 3 s" in entry.ai_error
    llm.set(behaviour="ok")


def test_server_stopped_the_words_as_spoken_land_and_the_popup_says_why(session):
    desktop, target, app, llm, wav = session
    llm.stop()
    text, waited = dictate(desktop, target, wav)
    shot = desktop.screenshot("app-ai-mode-down.png")
    print(f"\ndown: {text!r} {waited:.2f} s after release; screenshot {shot}")
    assert text == SPOKEN and waited < TIMEOUT_S + 2
    entry = last_entry(app)
    assert entry.processed is None and "ollama" in entry.ai_error.lower(), entry.ai_error
