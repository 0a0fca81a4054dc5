"""The history store: saved before insertion, searchable (FTS5 trigram or LIKE), deletable, pruned,
audio capped, and crash-safe (a writer killed with SIGKILL loses no committed row)."""

from __future__ import annotations

import signal
import sqlite3
import stat
import subprocess
import sys
import time

import numpy as np
import pytest

from dictate_app.engine.result import Timings, Transcript
from dictate_app.store.history import History, HistoryError
from dictate_app.store.history_export import export, render

HELLO = Transcript(text="hello world", language="en", emotion="HAPPY", events=("Speech",), itn=True,
                   raw="<|en|><|HAPPY|><|Speech|><|withitn|>hello world", duration_s=1.5,
                   timings=Timings(1.0, 20.0, 21.0))
ZH = Transcript(text="今天天气很好", language="zh", emotion="NEUTRAL", events=("Speech", "BGM"), itn=False,
                raw="<|zh|><|NEUTRAL|><|BGM|><|woitn|>今天天气很好")


@pytest.fixture
def history(tmp_path):
    with History(tmp_path / "h.sqlite3") as h:
        yield h


def test_add_stores_every_field_and_the_result_later(history):
    uid = history.add(HELLO, text="Hello, world!", target="window 42")
    entry = history.get(uid)
    assert entry.text == "Hello, world!" and entry.raw == HELLO.raw
    assert (entry.language, entry.emotion, entry.events, entry.itn) == ("en", "HAPPY", ("Speech",), True)
    assert entry.duration_s == 1.5 and entry.timings == {"feature_ms": 1.0, "model_ms": 20.0, "total_ms": 21.0}
    assert entry.target == "window 42" and entry.insert_status == "pending" and not entry.has_audio
    history.set_result(uid, "clipboard", "paste", "focus moved")
    entry = history.get(uid)
    assert (entry.insert_status, entry.insert_method, entry.insert_message) == ("clipboard", "paste", "focus moved")
    assert entry.inserted_at >= entry.created


def test_rows_are_committed_for_other_connections_at_once(history):
    uid = history.add(HELLO)
    other = sqlite3.connect(history.path)
    assert other.execute("SELECT text FROM utterances WHERE id = ?", (uid,)).fetchone() == ("hello world",)
    assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    other.close()


def test_search_latin_and_chinese_any_case(history):
    a = history.add(HELLO)
    b = history.add(ZH)
    c = history.add(Transcript(text="Hello again, World"))
    assert history.fts  # this SQLite (3.40) has FTS5 with trigram
    assert [e.id for e in history.search("WORLD")] == [c, a]
    assert [e.id for e in history.search("world hello")] == [c, a]  # every term, any order
    assert [e.id for e in history.search("天气")] == [b]  # two characters: LIKE path
    assert [e.id for e in history.search("天气很好")] == [b]  # FTS path
    assert history.search("again 天气") == []
    assert [e.id for e in history.search("")] == [c, b, a]
    assert history.search('50% "quoted"') == []  # LIKE wildcards and FTS quotes are escaped


def test_search_without_fts_uses_like(history):
    history.add(HELLO)
    history.fts = False  # as on an SQLite built without FTS5
    assert [e.text for e in history.search("WORLD")] == ["hello world"]


def test_fts_stays_consistent_after_update_and_delete(history):
    uid = history.add(HELLO)
    history.delete([uid])
    assert history.search("hello") == []
    assert history.integrity_ok()


def test_delete_clear_and_count(history):
    ids = [history.add(HELLO) for _ in range(3)]
    assert history.delete([ids[0], 9999]) == 1
    assert history.count() == 2 and history.get(ids[0]) is None
    assert history.clear() == 2 and history.count() == 0


def test_retention_prunes_old_entries(tmp_path):
    now = time.time()
    with History(tmp_path / "h.sqlite3") as h:
        h.add(HELLO, created=now - 40 * 86400)
        keep = h.add(ZH, created=now - 2 * 86400)
    with History(tmp_path / "h.sqlite3", retention_days=30) as h:  # applied at open
        assert [e.id for e in h.recent()] == [keep]
        h.retention_days = 1
        assert h.prune(now) == 1 and h.count() == 0


def test_audio_round_trip_and_cap(tmp_path):
    tone = (0.5 * np.sin(np.arange(16000) / 5)).astype(np.float32)  # 1 s: 32,000 bytes as int16
    with History(tmp_path / "h.sqlite3", audio_cap_mb=70_000 / 2**20) as h:
        first = h.add(HELLO, audio=tone)
        samples, rate = h.audio(first)
        assert rate == 16000 and np.max(np.abs(samples - tone)) < 1e-4
        second = h.add(HELLO, audio=tone)
        third = h.add(HELLO, audio=tone)  # 96,000 bytes > 70,000: the oldest audio goes
        assert h.audio(first) is None and h.audio(second) is not None and h.audio(third) is not None
        assert h.get(first).text == "hello world" and not h.get(first).has_audio  # the text stays
        h.delete([second])
        assert h._db.execute("SELECT COUNT(*) FROM audio").fetchone()[0] == 1  # cascaded


def _modes(folder) -> dict[str, int]:
    return {p.name: stat.S_IMODE(p.stat().st_mode) for p in [folder, *folder.iterdir()]}


def test_database_wal_and_shm_are_private(tmp_path):
    """Transcripts are the user's alone: folder 0700, database and its -wal/-shm 0600 (SQLite gives
    the companions the database's mode, so the database is created 0600 before SQLite sees it)."""
    data = tmp_path / "data"
    with History(data / "h.sqlite3") as h:
        h.add(HELLO, audio=np.zeros(1600, dtype=np.float32))
        assert _modes(data) == {"data": 0o700, "h.sqlite3": 0o600, "h.sqlite3-wal": 0o600, "h.sqlite3-shm": 0o600}


def test_an_old_world_readable_install_is_tightened_at_open(tmp_path):
    """As an older Dictate left it: 0755 folder, 0644 database, and a -wal/-shm kept by a
    connection that is still open (another process reading). Opening the history fixes all four."""
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o755)
    old = sqlite3.connect(data / "h.sqlite3", isolation_level=None)
    old.execute("PRAGMA journal_mode=WAL")
    old.execute("CREATE TABLE early (x)")
    assert set(_modes(data).values()) == {0o755, 0o644} and len(_modes(data)) == 4
    with History(data / "h.sqlite3") as h:
        h.add(HELLO)
        assert _modes(data) == {"data": 0o700, "h.sqlite3": 0o600, "h.sqlite3-wal": 0o600, "h.sqlite3-shm": 0o600}
        assert h.recent()[0].text == "hello world"
    old.close()


def test_unopenable_database_is_one_clear_error(tmp_path):
    bad = tmp_path / "h.sqlite3"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(HistoryError, match="move it aside"):
        History(bad)
    (tmp_path / "file").write_text("in the way of a folder")
    with pytest.raises(HistoryError, match="could not be created .*: check that its folder is writable"):
        History(tmp_path / "file" / "h.sqlite3")


def test_export_formats(history, tmp_path):
    history.add(HELLO, created=1_700_000_000)
    history.add(ZH, created=1_700_000_100)
    entries = history.recent()
    txt = render(entries, "txt").splitlines()
    assert [line.split("\t")[1] for line in txt] == ["hello world", "今天天气很好"]  # oldest first
    assert export(entries, tmp_path / "h.csv") == 2
    import csv
    rows = list(csv.DictReader((tmp_path / "h.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert rows[1]["text"] == "今天天气很好" and rows[1]["events"] == "Speech BGM"
    export(entries, tmp_path / "h.json")
    import json
    data = json.loads((tmp_path / "h.json").read_text(encoding="utf-8"))
    assert data[0]["raw"] == HELLO.raw and data[1]["events"] == ["Speech", "BGM"]


WRITER = r"""
import sys, numpy as np
from dictate_app.engine.result import Transcript
from dictate_app.store.history import History
h = History(sys.argv[1], audio_cap_mb=2)
start = int(sys.argv[2])
audio = np.random.default_rng(start).uniform(-1, 1, 24000).astype(np.float32)  # 48 KB per row
for i in range(start, start + 100000):
    uid = h.add(Transcript(text=f"row {i} " + "x" * (i % 500), raw="<|en|>"), audio=audio)
    print(i, uid, flush=True)  # printed only after the commit returned
"""


@pytest.mark.parametrize("round_", range(4))
def test_sigkill_during_writes_loses_no_committed_row(tmp_path, round_):
    """A writer is killed at a random moment while committing rows with audio (so the kill can
    land inside a transaction, a WAL append or a checkpoint); every row it reported committed must
    be there and the database must pass integrity_check, also across several kill-and-reopen rounds."""
    db = tmp_path / "h.sqlite3"
    rng = np.random.default_rng(round_)
    committed: dict[int, int] = {}
    start = 0
    for _kill in range(3):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(start)],
                                stdout=subprocess.PIPE, text=True)
        target = int(rng.integers(20, 120))
        seen = 0
        for line in proc.stdout:
            i, uid = map(int, line.split())
            committed[i] = uid
            seen += 1
            if seen >= target:
                break
        proc.send_signal(signal.SIGKILL)  # no cleanup, no checkpoint, mid-write
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        start = max(committed) + 1
        with History(db) as h:
            assert h.integrity_ok()
            texts = {e.id: e.text for e in h.recent(limit=-1)}
            for i, uid in committed.items():
                assert texts[uid].startswith(f"row {i} "), (i, uid)
    assert len(committed) >= 60


def test_update_rewrites_a_take_in_place_and_search_follows(tmp_path):
    with History(tmp_path / "h.sqlite3") as history:
        hid = history.add(Transcript(text="the first sentence", language="en"), status="recording")
        assert history.get(hid).insert_status == "recording"
        history.update(hid, Transcript(text="the first sentence and a second one", language="en"),
                       audio=np.full(1600, 0.5, np.float32))
        entry = history.get(hid)
        assert entry.insert_status == "recording" and entry.has_audio, "status kept unless given"
        assert [e.id for e in history.search("second")] == [hid] and history.integrity_ok()
        history.update(hid, Transcript(text="done"), audio=np.zeros(800, np.float32), status="pending")
        samples, _rate = history.audio(hid)
        assert history.get(hid).insert_status == "pending" and samples.size == 800, "audio replaced"
        history.delete([hid])  # the user deleted the row mid-take: nothing is written for it
        assert not history.update(hid, Transcript(text="later"), audio=np.zeros(800, np.float32))
        assert history.get(hid) is None and history.recent() == [] and history.integrity_ok()
        assert history._db.execute("SELECT COUNT(*) FROM audio").fetchone()[0] == 0


def test_an_ai_mode_keeps_both_texts_and_json_shows_them(history):
    uid = history.add(HELLO)
    assert history.get(uid).ai_mode == "" and history.get(uid).processed is None
    assert history.get(uid).inserted_text == "hello world"
    assert history.set_processed(uid, "clean up", "Hello, world.")
    entry = history.get(uid)
    assert (entry.text, entry.processed, entry.ai_mode, entry.ai_error) == ("hello world", "Hello, world.", "clean up", "")
    assert entry.inserted_text == "Hello, world."
    data = entry.to_dict()
    assert data["text"] == "hello world" and data["processed"] == "Hello, world." and data["ai_mode"] == "clean up"
    history.set_processed(uid, "clean up", "Hello, wor", "The language model did not answer within 5 s.")
    assert history.get(uid).inserted_text == "hello world", "a fallback inserted the words as spoken"
    assert not history.set_processed(uid + 99, "email", "x"), "no such row: nothing written"


def test_a_schema_1_database_opens_and_gets_the_ai_columns(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)  # the utterances table exactly as schema 1 created it
    old.executescript("""
        CREATE TABLE utterances (id INTEGER PRIMARY KEY, created REAL NOT NULL, text TEXT NOT NULL,
            raw TEXT NOT NULL DEFAULT '', language TEXT, emotion TEXT, events TEXT NOT NULL DEFAULT '[]',
            itn INTEGER, duration_s REAL NOT NULL DEFAULT 0, timings TEXT NOT NULL DEFAULT '{}', target TEXT,
            insert_status TEXT NOT NULL DEFAULT 'pending', insert_method TEXT,
            insert_message TEXT NOT NULL DEFAULT '', inserted_at REAL);
        INSERT INTO utterances (created, text) VALUES (1700000000, 'from before');
        PRAGMA user_version=1;""")
    old.close()
    with History(path) as h:
        (entry,) = h.recent()
        assert entry.text == "from before" and entry.ai_mode == "" and entry.processed is None
        assert h.set_processed(entry.id, "email", "Dear team, from before.")
        assert h.get(entry.id).processed == "Dear team, from before."
        assert h._db.execute("PRAGMA user_version").fetchone()[0] == 2
    with History(path) as h:  # opened a second time: nothing to add, nothing lost
        assert h.recent()[0].processed == "Dear team, from before."


def test_search_finds_words_of_an_ai_modes_answer_too(history):
    uid = history.add(HELLO)
    other = history.add(ZH)
    history.set_processed(uid, "translate to German", "Hallo Welt")
    assert [e.id for e in history.search("hallo")] == [uid]  # trigram index or not: the answer is LIKE
    assert [e.id for e in history.search("welt hello")] == [uid], "one term in each text"
    assert [e.id for e in history.search("天气")] == [other]
    assert history.search("50%_") == []
