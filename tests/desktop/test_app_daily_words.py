"""Issue 6 end to end with the trained fixture model in the real app: hold F9, speak, release.

- the replacement rules in the user's rules.txt change the words before they are pasted;
- the history holds the pasted text, the raw model output and the insertion result;
- the start cue (on by default) is not in the recording: with "keep audio" on, the stored audio
  before the speech is digital silence although the cue went into the same null sink the
  microphone listens to.
"""

from __future__ import annotations

import numpy as np
import pytest

from dictate_app.store.history import History
from testkit.desktop.app_harness import app_and_target, hold_to_talk, synthesize, wait_for

pytestmark = [pytest.mark.desktop, pytest.mark.slow]
LEAD_S = 0.6  # the user starts speaking a moment after the cue (the microphone live)


@pytest.fixture(scope="module")
def session(desktop, fixture_model_dir, tmp_path_factory):
    data = tmp_path_factory.mktemp("daily-words")
    (data / "rules.txt").write_text("# test rules\nmother => Mom\nvocab: 天启\n", encoding="utf-8")
    with app_and_target(desktop, fixture_model_dir, data, "history_audio=true\nsound_volume=100\n") as (target, app):
        yield desktop, target, app, data


@pytest.mark.parametrize(("case", "spoken", "voice", "expected"), [
    ("english", "call my mother", "en-us", "call my Mom"),
    ("mandarin", "今天天气很好", "cmn-latn-pinyin", "今天天启很好"),
])
def test_rules_history_and_no_cue_in_the_audio(session, tmp_path, case, spoken, voice, expected):
    desktop, target, app, data = session
    wav = synthesize(desktop, spoken, tmp_path / f"{case}.wav", voice)
    result = hold_to_talk(desktop, target, wav, lead_s=LEAD_S)
    assert result["text"] == expected
    wait_for(lambda: app.logged_texts()[-1:] == [expected], 10, "the history entry")
    with History(data / "history.sqlite3") as history:
        wait_for(lambda: history.recent(1)[0].insert_status != "pending", 10, "the insertion result")
        entry = history.recent(1)[0]
        assert entry.text == expected and spoken in entry.raw and entry.insert_status == "inserted"
        samples, rate = history.audio(entry.id)
    # The recording starts after the cue has been heard; the speech starts LEAD_S after that.
    # Everything before the speech must be silence: no cue.
    onset = int(np.argmax(np.abs(samples) > 0.01))
    assert onset > 0.1 * rate, f"speech starts at {onset / rate:.3f} s: too early to check the head"
    assert float(np.max(np.abs(samples[:onset - int(0.02 * rate)]))) < 1e-3
