"""The transcript log: one fsynced JSON line per transcript, readable after a torn write."""

from dictate_app.engine.result import Transcript
from dictate_app.store.transcript_log import LOG_NAME, TranscriptLog


def test_append_and_read_back(tmp_path):
    log = TranscriptLog(tmp_path / "sub" / "t.jsonl")
    t = Transcript(text="你好 hello", language="zh", emotion="HAPPY", events=("Speech", "Laughter"),
                   raw="<|zh|><|HAPPY|><|Laughter|><|withitn|>你好 hello")
    log.append(t, uid=1, target="123")
    records = log.read()
    assert len(records) == 1
    assert records[0]["text"] == "你好 hello" and records[0]["events"] == ["Speech", "Laughter"]
    assert records[0]["uid"] == 1 and records[0]["target"] == "123" and records[0]["time"]
    # Non-ASCII is stored as such, one line per record.
    assert "你好" in log.path.read_text(encoding="utf-8")


def test_torn_last_line_is_skipped(tmp_path):
    log = TranscriptLog(tmp_path / "t.jsonl")
    log.append(Transcript(text="one"))
    with open(log.path, "a", encoding="utf-8") as fh:
        fh.write('{"text": "tw')
    assert [r["text"] for r in log.read()] == ["one"]


def test_default_location_follows_env(tmp_path, monkeypatch):
    monkeypatch.setenv("DICTATE_DATA_DIR", str(tmp_path))
    assert TranscriptLog().path == tmp_path / LOG_NAME
