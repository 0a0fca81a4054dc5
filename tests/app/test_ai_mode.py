"""AI modes in the running app: the coordinator end to end (the real lifecycle, worker thread,
inserter, popup and history, as in test_coordinator.py) against the fake OpenAI-compatible server
on loopback (testkit/fake_llm.py): the answer goes in, or the words as spoken within the timeout
with the popup's sentence; both texts are in the history; the per-take and per-app choices."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace

from dictate_app.app.ai_mode import LIVE_NOTE, AiConfig
from dictate_app.desktop.base import Window
from dictate_app.modes.catalog import BUILTINS, AiMode
from dictate_app.store.settings import DEFAULTS, AppOverride
from tests.app.test_coordinator import SPEECH, Take, harness  # noqa: F401  (fixture)

WORDS = "so um the meeting moves to friday"
MODES = {m.name: m for m in BUILTINS}


def _config(fake_llm, **changes) -> AiConfig:
    values = dict(ai_mode="clean up", llm_url=fake_llm.url, llm_model="fake-model", llm_timeout_s=2.0,
                  ai_mode_min_words=3)
    values.update(changes)
    return AiConfig(replace(DEFAULTS, **values), modes=MODES)


def _with_mode(harness, fake_llm, texts=(WORDS,), script=(SPEECH,), shift=False, **changes):
    h = harness(texts=list(texts), script=list(script))
    h.co.ai.config = lambda: _config(fake_llm, **changes)
    h.co.ai.shift_held = lambda: shift
    h.start()
    return h


def _dictate(h, at=0.0):
    h.co.press(at)
    h.co.release(at + 1000.0)


def test_the_answer_goes_in_streamed_to_the_popup_and_the_history_keeps_both(harness, fake_llm, qtbot):
    fake_llm.set("slow", delay_s=0.0, chunk_delay_s=0.15)  # streamed word by word, visibly
    h = _with_mode(harness, fake_llm)
    _dictate(h)
    qtbot.waitUntil(lambda: h.popup.raw_label.isVisible(), timeout=5000)
    # The words as spoken are shown at once, saved, and nothing is inserted yet.
    assert h.popup.raw_label.text() == f"As spoken: {WORDS}"
    assert h.popup.status_label.text().startswith("AI mode “clean up”")
    assert h.saved_texts() == [WORDS] and h.keyboard.sent == []
    qtbot.waitUntil(lambda: h.popup.text_label.text() == "SO UM", timeout=5000)  # a piece, not yet all
    assert h.keyboard.sent == [], "insertion waits for the whole answer"
    (uid, details), = h.wait_finished(1)
    assert details["status"] == "inserted" and details["text"] == WORDS.upper()
    assert h.keyboard.sent == [("key", "ctrl+v", False)] and h.saved_before_insert == [False]
    entry, = h.history.recent()
    assert (entry.text, entry.processed, entry.ai_mode, entry.ai_error) == (WORDS, WORDS.upper(), "clean up", "")
    assert h.popup.text_label.text() == WORDS.upper() and h.popup.status_label.text() == "AI mode: clean up"
    assert not h.popup.note_label.isVisible(), "the insertion went well: no note"
    assert h.popup.raw_label.text() == f"As spoken: {WORDS}"
    # The exact request: the model, streaming, the words delimited as data.
    body, = fake_llm.chat_requests()
    assert body["model"] == "fake-model" and body["stream"] is True
    assert f"<transcript>\n{WORDS}\n</transcript>" in body["messages"][-1]["content"] or \
        f"<transcript>{WORDS}</transcript>" in body["messages"][-1]["content"]
    # The call ran on a thread of its own: neither the GUI thread nor the ASR worker's.
    thread = h.co.ai.last_thread
    assert thread.name == "ai-mode-1" and thread is not threading.main_thread()


def test_slow_server_the_words_as_spoken_go_in_at_the_timeout(harness, fake_llm, qtbot):
    fake_llm.set("slow", delay_s=10.0)
    h = _with_mode(harness, fake_llm, llm_timeout_s=1.0)
    _dictate(h)
    qtbot.waitUntil(lambda: h.popup.raw_label.isVisible(), timeout=5000)
    shown = time.monotonic()
    (uid, details), = h.wait_finished(1)
    waited = time.monotonic() - shown
    print(f"raw words inserted {waited:.2f} s after the popup showed them (timeout 1 s)")
    assert 0.8 < waited < 2.0, "the words wait for the timeout, and not much longer"
    assert details["text"] == WORDS
    assert h.keyboard.sent == [("key", "ctrl+v", False)]
    note = h.popup.note_label.text()
    assert "did not answer within 1 s" in note, note
    assert h.popup.status_label.text() == "AI mode: clean up (not applied)"
    entry, = h.history.recent()
    assert entry.text == WORDS and entry.processed is None and entry.ai_error == note, "the one sentence, saved"


def test_server_down_the_words_as_spoken_go_in_and_the_popup_says_why(harness, fake_llm, qtbot):
    fake_llm.set("down")
    h = _with_mode(harness, fake_llm)
    _dictate(h)
    (uid, details), = h.wait_finished(1)
    assert details["text"] == WORDS and h.keyboard.sent == [("key", "ctrl+v", False)]
    assert fake_llm.url.removesuffix("/v1") in h.popup.note_label.text() or "127.0.0.1" in h.popup.note_label.text()
    assert "ollama" in h.popup.note_label.text().lower()
    assert h.popup.text_label.text() == WORDS
    assert h.history.recent()[0].ai_error


def test_server_error_the_words_as_spoken_go_in(harness, fake_llm, qtbot):
    fake_llm.set("error")
    h = _with_mode(harness, fake_llm)
    _dictate(h)
    (uid, details), = h.wait_finished(1)
    assert details["text"] == WORDS and "500" in h.popup.note_label.text()
    assert h.history.recent()[0].processed is None


def test_a_take_dictated_while_the_mode_works_goes_in_after_the_answer(harness, fake_llm, qtbot):
    fake_llm.set("slow", delay_s=0.8)
    h = _with_mode(harness, fake_llm, texts=(WORDS, "ok"), script=(SPEECH, SPEECH))
    _dictate(h)
    qtbot.waitUntil(lambda: h.popup.raw_label.isVisible(), timeout=5000)
    _dictate(h, 2000.0)  # one word: below min_words, no mode, but it must wait its turn
    finished = h.wait_finished(2)
    assert [d["text"] for _u, d in finished] == [WORDS.upper(), "ok"]
    assert len(fake_llm.chat_requests()) == 1


def test_fewer_words_than_the_minimum_and_as_spoken_ask_nothing(harness, fake_llm, qtbot):
    h = _with_mode(harness, fake_llm, texts=("call mom", WORDS), script=(SPEECH, SPEECH), ai_mode_min_words=3)
    _dictate(h)
    h.wait_finished(1)
    h.co.ai.config = lambda: _config(fake_llm, ai_mode="as spoken")
    _dictate(h, 2000.0)
    finished = h.wait_finished(2)
    assert [d["text"] for _u, d in finished] == ["call mom", WORDS] and fake_llm.chat_requests() == []
    assert all(not e.ai_mode for e in h.history.recent())


def test_shift_held_at_the_press_turns_the_shift_mode_on_for_one_take(harness, fake_llm, qtbot):
    h = _with_mode(harness, fake_llm, texts=(WORDS, WORDS), script=(SPEECH, SPEECH), shift=True,
                   ai_mode="as spoken", ai_mode_shift="bullet list")
    _dictate(h)
    h.wait_finished(1)
    assert "bullet list" in fake_llm.chat_requests()[0]["messages"][-1]["content"].lower()
    h.co.ai.shift_held = lambda: False
    _dictate(h, 2000.0)
    finished = h.wait_finished(2)
    assert [d["text"] for _u, d in finished] == [WORDS.upper(), WORDS], "without Shift: the setting again"
    assert len(fake_llm.chat_requests()) == 1


def test_shift_skips_the_mode_once_when_it_is_the_shift_mode(harness, fake_llm, qtbot):
    h = _with_mode(harness, fake_llm, shift=True, ai_mode="clean up", ai_mode_shift="clean up")
    _dictate(h)
    (uid, details), = h.wait_finished(1)
    assert details["text"] == WORDS and fake_llm.chat_requests() == []


def test_the_per_app_mode_applies_to_its_app_only(harness, fake_llm, qtbot):
    overrides = (AppOverride("thunderbird", ai_mode="email"), AppOverride("xterm", ai_mode="as spoken"))
    h = _with_mode(harness, fake_llm, texts=(WORDS, WORDS), script=(SPEECH, SPEECH), ai_mode="clean up",
                   app_overrides=overrides)
    h.co.active_window = lambda: Window("w1", app="Thunderbird")
    _dictate(h)
    (uid, details), = h.wait_finished(1)
    assert details["text"] == WORDS.upper()
    assert "email" in fake_llm.chat_requests()[0]["messages"][-1]["content"].lower()
    assert h.history.recent()[0].ai_mode == "email"
    h.co.active_window = lambda: Window("w1", app="XTerm")
    _dictate(h, 2000.0)
    assert h.wait_finished(2)[1][1]["text"] == WORDS, "as spoken in the terminal"
    assert len(fake_llm.chat_requests()) == 1


def test_an_unknown_mode_falls_back_to_as_spoken_and_says_so_once(harness, fake_llm, qtbot):
    h = _with_mode(harness, fake_llm, texts=(WORDS, WORDS), script=(SPEECH, SPEECH), ai_mode="pirate speak")
    _dictate(h)
    h.wait_finished(1)
    assert "'pirate speak' is not defined" in h.popup.note_label.text()
    _dictate(h, 2000.0)
    h.wait_finished(2)
    assert fake_llm.chat_requests() == []
    assert sum("pirate speak" in n for n in h.notices) == 1
    assert "pirate speak" not in h.popup.note_label.text(), "said once: the second take's popup is plain"


def test_words_inserted_as_spoken_are_not_rewritten(harness, fake_llm, qtbot):
    seg = SPEECH[4000:12000]
    h = harness(texts=["so um the", "so um the meeting moves"], script=[Take([seg], seg)], insert_live=True)
    h.co.ai.config = lambda: _config(fake_llm)
    h.start()
    h.co.press(0.0)
    h.recorders[0].deliver()
    qtbot.waitUntil(lambda: len(h.keyboard.sent) == 1, timeout=5000)  # a piece went in while held
    h.co.release(1000.0)
    h.wait_finished(1)
    assert fake_llm.chat_requests() == [] and LIVE_NOTE in h.notices
    assert LIVE_NOTE in h.popup.note_label.text()


def test_this_runs_llm_url_and_llm_model_win_over_the_settings():
    settings = replace(DEFAULTS, llm_url="http://127.0.0.1:11434/v1", llm_model="llama3.2")
    assert AiConfig(settings).endpoint().url == "http://127.0.0.1:11434/v1"
    # --llm-url / --llm-model are this run's overrides of the settings (app/settings_store.py)
    endpoint = AiConfig(replace(settings, llm_url="http://127.0.0.1:8080/v1", llm_model="qwen")).endpoint()
    assert (endpoint.url, endpoint.model) == ("http://127.0.0.1:8080/v1", "qwen")
    assert AiConfig(replace(settings, llm_model="")).endpoint().model == "", "--llm-model '' asks the endpoint"


def test_the_guard_inserts_the_words_if_the_call_overruns_its_timeout(harness, fake_llm, qtbot, monkeypatch):
    """apply_mode promises to return within its timeout; if it ever broke that promise, the
    guard still lets the words as spoken go in (the seam: apply_mode itself, hanging)."""
    from dictate_app.app import ai_mode

    release = threading.Event()
    monkeypatch.setattr(ai_mode, "GUARD_MS", 300)
    monkeypatch.setattr(ai_mode, "apply_mode", lambda *a, **k: release.wait(10))
    h = _with_mode(harness, fake_llm, llm_timeout_s=0.5)
    _dictate(h)
    (uid, details), = h.wait_finished(1)
    release.set()
    assert details["text"] == WORDS and "did not answer within 0.5 s" in h.popup.note_label.text()


def test_the_app_placeholder_is_the_application_not_the_window_title(harness, fake_llm, qtbot):
    modes = dict(MODES, mine=AiMode("mine", "Rewrite this for {app}, feeling {emotion}:\n{transcript}", False))
    h = _with_mode(harness, fake_llm, ai_mode="mine")
    h.co.ai.config = lambda: AiConfig(replace(DEFAULTS, ai_mode="mine", llm_url=fake_llm.url,
                                              llm_model="fake-model"), modes=modes)
    h.co.active_window = lambda: Window("w1", app="Thunderbird", title="Re: salary review - Mozilla Thunderbird")
    _dictate(h)
    h.wait_finished(1)
    prompt = fake_llm.chat_requests()[0]["messages"][-1]["content"]
    assert "Rewrite this for Thunderbird, feeling happy:" in prompt, prompt
    assert "salary review" not in json.dumps(fake_llm.chat_requests()[0]), "a title (a mail's subject) stays here"


def test_a_shift_hotkey_is_not_taken_for_the_per_take_choice(harness, fake_llm, qtbot):
    h = harness(texts=[WORDS], script=[SPEECH], hotkey="shift_r")
    h.co.ai.config = lambda: _config(fake_llm)
    h.co.ai.shift_held = lambda: True  # the hotkey itself is Shift: held at every press
    h.start()
    _dictate(h)
    (uid, details), = h.wait_finished(1)
    assert details["text"] == WORDS.upper(), "the AI mode setting, not the Shift choice"


def test_a_take_whose_mode_ran_leaves_nothing_behind(harness, fake_llm, qtbot):
    h = _with_mode(harness, fake_llm, texts=(WORDS, WORDS), script=(SPEECH, SPEECH), llm_timeout_s=0.5)
    _dictate(h)
    assert h.wait_finished(1)[0][1]["text"] == WORDS.upper()
    fake_llm.set("slow", delay_s=10.0)  # the guard's way: the call is given up, its take ends all the same
    _dictate(h, 2000.0)
    assert h.wait_finished(2)[1][1]["text"] == WORDS
    assert h.co.utterances == {}
