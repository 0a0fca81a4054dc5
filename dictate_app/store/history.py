"""The history: every utterance, saved in SQLite *before* its text is inserted anywhere.

Why SQLite with these settings:

- **WAL journal**: a writer never blocks readers (the history window and ``dictate-app history``
  read while the tray app writes), and a crash mid-write leaves the last committed state intact:
  an incomplete WAL frame is ignored at the next open.
- **synchronous=FULL**: in WAL mode NORMAL already survives an application crash, but may drop the
  last commits on a power cut or kernel panic. The history's promise is "a transcript is never
  lost once recognised", and commits are rare (one per utterance, seconds apart), so the extra
  fsync per commit (a few milliseconds, measured by ``benchmarks/history_write.py``) is worth it.
- **FTS5 with the trigram tokenizer** when this SQLite has it: substring search that works for
  Chinese (no word boundaries) as well as Latin text, case-insensitive. Terms shorter than three
  characters, or an SQLite without FTS5, fall back to ``LIKE``.

A take dictated with live words (issue 24) is one row written as it goes: :meth:`History.add`
with ``status="recording"`` at its first closed segment, :meth:`History.update` as segments
close, and once more at release; every write is its own durable commit, so a crash mid-take keeps
the text up to the last closed segment, marked "recording".

AI modes (issue 25): a take an AI mode ran on keeps both texts. ``text`` stays the words as
recognised (replacement rules applied), saved before the language model is even asked, so nothing
is lost when it fails; :meth:`History.set_processed` adds the mode's name, its answer
(``processed``, NULL when it gave none) and, when the raw words were inserted instead, the one
sentence saying why (``ai_error``). Databases from before (schema 1) get the three columns at open.

Audio is optional (off by default; the caller passes it only when the user asked) and kept in its
own table as 16-bit PCM under a total size cap: the oldest audio is dropped first, the text stays.

**Private**: the database is created 0600 in a 0700 directory before SQLite opens it. SQLite's
Unix VFS gives a new ``-wal`` and ``-shm`` the database file's mode (and sets it exactly, whatever
the umask; checked with SQLite 3.40: a 0600 database got 0600 companions under umask 0, a database
SQLite created itself got 0644 ones). It copies the mode only when it creates them, so companions
left 0644 by an older Dictate (or a crash) are tightened at open, as are the database and folder.
A umask around the connection would do the same for new files but is process-wide: it would race
with files other threads create.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dictate_app.engine.result import Transcript
from dictate_app.errors import DictateError
from dictate_app.paths import data_dir
from dictate_app.store.private import make_private, private_dir, touch_private

DB_NAME = "history.sqlite3"
COMPANIONS = ("-wal", "-shm", "-journal")  # files SQLite keeps beside the database
SCHEMA_VERSION = 2  # 2: ai_mode, processed, ai_error (AI modes)
DEFAULT_AUDIO_CAP_MB = 200
# A bare window id as older versions saved it when the desktop named neither app nor title:
# X11/sway/Windows decimal ids, Hyprland's 0x address, macOS "pid:number".
_WINDOW_ID = re.compile(r"(0x[0-9a-fA-F]+|\d+(:\d*)?)")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS utterances (
    id INTEGER PRIMARY KEY,
    created REAL NOT NULL,          -- unix time (seconds, UTC)
    text TEXT NOT NULL,             -- what is inserted (after replacement rules)
    raw TEXT NOT NULL DEFAULT '',   -- the tagged model output, as recognised
    language TEXT, emotion TEXT,
    events TEXT NOT NULL DEFAULT '[]',   -- JSON list of event names
    itn INTEGER,
    duration_s REAL NOT NULL DEFAULT 0,
    timings TEXT NOT NULL DEFAULT '{}',  -- JSON object, milliseconds
    target TEXT,                    -- the window/app the text was meant for
    insert_status TEXT NOT NULL DEFAULT 'pending',  -- recording / pending / inserted / clipboard / failed
    insert_method TEXT, insert_message TEXT NOT NULL DEFAULT '', inserted_at REAL,
    ai_mode TEXT NOT NULL DEFAULT '',    -- the AI mode that ran on it ('' none)
    processed TEXT,                 -- the mode's answer (NULL: none came)
    ai_error TEXT NOT NULL DEFAULT ''    -- why the raw words were inserted instead
);
CREATE INDEX IF NOT EXISTS utterances_created ON utterances(created);
CREATE TABLE IF NOT EXISTS audio (
    utterance_id INTEGER PRIMARY KEY REFERENCES utterances(id) ON DELETE CASCADE,
    sample_rate INTEGER NOT NULL,
    pcm BLOB NOT NULL               -- mono int16 little-endian
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""

_FTS = """
CREATE VIRTUAL TABLE IF NOT EXISTS utterances_fts USING fts5(
    text, content='utterances', content_rowid='id', tokenize='trigram');
CREATE TRIGGER IF NOT EXISTS utterances_ai AFTER INSERT ON utterances BEGIN
    INSERT INTO utterances_fts(rowid, text) VALUES (new.id, new.text); END;
CREATE TRIGGER IF NOT EXISTS utterances_ad AFTER DELETE ON utterances BEGIN
    INSERT INTO utterances_fts(utterances_fts, rowid, text) VALUES ('delete', old.id, old.text); END;
CREATE TRIGGER IF NOT EXISTS utterances_au AFTER UPDATE OF text ON utterances BEGIN
    INSERT INTO utterances_fts(utterances_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO utterances_fts(rowid, text) VALUES (new.id, new.text); END;
"""
_FTS_TRIGGERS = ("utterances_ai", "utterances_ad", "utterances_au")
# Columns added after schema 1, as ALTER TABLE adds them to an older database (same as in _SCHEMA).
_ADDED_COLUMNS = (("ai_mode", "TEXT NOT NULL DEFAULT ''"), ("processed", "TEXT"),
                  ("ai_error", "TEXT NOT NULL DEFAULT ''"))
_COLUMNS = ("id, created, text, raw, language, emotion, events, itn, duration_s, timings, target, "
            "insert_status, insert_method, insert_message, inserted_at, ai_mode, processed, ai_error, "
            "EXISTS(SELECT 1 FROM audio WHERE utterance_id = utterances.id)")


class HistoryError(DictateError):
    """The history database could not be opened or written."""


@dataclass(frozen=True)
class Entry:
    """One stored utterance."""

    id: int
    created: float
    text: str
    raw: str = ""
    language: str | None = None
    emotion: str | None = None
    events: tuple[str, ...] = ()
    itn: bool | None = None
    duration_s: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    target: str | None = None
    insert_status: str = "pending"
    insert_method: str | None = None
    insert_message: str = ""
    inserted_at: float | None = None
    has_audio: bool = False
    ai_mode: str = ""  # the AI mode that ran on it ("" none)
    processed: str | None = None  # that mode's answer (None: none came)
    ai_error: str = ""  # why the raw words went in instead of the answer

    @property
    def inserted_text(self) -> str:
        """What went in: the mode's answer, or the words as recognised when there was none."""
        return self.processed if self.processed and not self.ai_error else self.text

    @property
    def local_time(self) -> str:
        """``created`` as local ``YYYY-MM-DD HH:MM:SS``."""
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.created))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: events as a list, plus an ISO-like local time."""
        data = asdict(self)
        data["events"] = list(self.events)
        data["time"] = self.local_time
        if self.target and _WINDOW_ID.fullmatch(self.target):
            data["target"] = None  # an id, not the application's name: nothing for `history --json`
        return data


def _entry(row: tuple) -> Entry:
    (id_, created, text, raw, language, emotion, events, itn, duration_s, timings, target,
     status, method, message, inserted_at, ai_mode, processed, ai_error, has_audio) = row
    return Entry(id_, created, text, raw, language, emotion, tuple(json.loads(events or "[]")),
                 None if itn is None else bool(itn), duration_s, json.loads(timings or "{}"),
                 target, status, method, message, inserted_at, bool(has_audio), ai_mode or "", processed,
                 ai_error or "")


def _result_columns(transcript: Transcript, text: str | None) -> tuple:
    """The recognition columns of a row (text to ``timings``), as :meth:`History.add` stores them."""
    timings = transcript.timings
    timings_dict = asdict(timings) if not isinstance(timings, dict) else dict(timings)
    return (transcript.text if text is None else text, transcript.raw, transcript.language,
            transcript.emotion, json.dumps(list(transcript.events)),
            None if transcript.itn is None else int(transcript.itn), transcript.duration_s,
            json.dumps(timings_dict))


def _pcm(audio: np.ndarray, sample_rate: int) -> tuple[int, bytes]:
    """Float samples in [-1, 1] as the audio table stores them: (rate, mono int16 little-endian)."""
    pcm = (np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0) * 32767).astype("<i2")
    return int(sample_rate), pcm.tobytes()


def _like(term: str) -> str:
    """``term`` as a LIKE pattern matching it anywhere (its % and _ taken literally)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def default_path() -> Path:
    return data_dir() / DB_NAME


class History:
    """The utterance store. One instance per thread (sqlite3 connections are not shared).

    ``retention_days`` (0 = keep forever) is applied at open and by :meth:`prune`;
    ``audio_cap_mb`` bounds the total stored audio.
    """

    def __init__(self, path: str | Path | None = None, *, retention_days: int = 0,
                 audio_cap_mb: float = DEFAULT_AUDIO_CAP_MB):
        self.path = Path(path) if path is not None else default_path()
        self.retention_days = retention_days
        self.audio_cap_bytes = int(audio_cap_mb * 1024 * 1024)
        try:
            private_dir(self.path.parent)
            touch_private(self.path)  # before SQLite creates it 0644; -wal and -shm follow its mode
            for suffix in COMPANIONS:
                make_private(f"{self.path}{suffix}")
        except OSError as exc:
            raise HistoryError(f"The history database {self.path} could not be created ({exc.strerror or exc}): "
                               "check that its folder is writable.") from exc
        try:
            # isolation_level=None: we open transactions ourselves (BEGIN IMMEDIATE), so each
            # utterance is exactly one atomic, durable commit.
            self._db = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(_SCHEMA)
            self._add_columns()
            self.fts = self._setup_fts()
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            raise HistoryError(
                f"The history database {self.path} could not be opened ({exc}): move it aside and "
                "restart Dictate to begin a new one.") from exc
        if retention_days:
            self.prune()

    # ---- setup ----

    def _add_columns(self) -> None:
        """Bring a database from an older Dictate to this schema (CREATE TABLE IF NOT EXISTS left
        its table as it was): add the columns it lacks, with their defaults."""
        have = {row[1] for row in self._db.execute("PRAGMA table_info(utterances)")}
        for name, kind in _ADDED_COLUMNS:
            if name not in have:
                self._db.execute(f"ALTER TABLE utterances ADD COLUMN {name} {kind}")

    def _setup_fts(self) -> bool:
        """Create the FTS index if this SQLite can; keep it consistent across SQLite builds."""
        try:
            self._db.executescript(_FTS)
        except sqlite3.OperationalError:
            # No FTS5/trigram here: drop the triggers (they would fail every insert if the index was
            # created by another build) and remember that the index is stale.
            for trigger in _FTS_TRIGGERS:
                self._db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('fts_stale', '1')")
            return False
        stale = self._db.execute("SELECT value FROM meta WHERE key = 'fts_stale'").fetchone()
        if stale:
            self._db.execute("INSERT INTO utterances_fts(utterances_fts) VALUES ('rebuild')")
            self._db.execute("DELETE FROM meta WHERE key = 'fts_stale'")
        return True

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _write(self, sql_and_params: Iterable[tuple[str, tuple]]) -> list[sqlite3.Cursor]:
        """Run statements in one immediate transaction; committed (and fsynced) on return."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cursors = [self._db.execute(sql, params) for sql, params in sql_and_params]
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise HistoryError(f"The history could not be saved ({exc}): check free disk space "
                               f"and that {self.path} is writable.") from exc
        return cursors

    # ---- writing ----

    def add(self, transcript: Transcript, *, text: str | None = None, target: str | None = None,
            audio: np.ndarray | None = None, sample_rate: int = 16000,
            created: float | None = None, status: str = "pending") -> int:
        """Store one utterance (committed before this returns) and give its id.

        ``text`` is what will be inserted when it differs from ``transcript.text`` (replacement
        rules); ``audio`` is float samples in [-1, 1], stored only if given; ``status``
        "recording" marks a take still being dictated (see :meth:`update`).
        """
        row = (created if created is not None else time.time(), *_result_columns(transcript, text), target, status)
        statements = [("INSERT INTO utterances (created, text, raw, language, emotion, events, itn, "
                       "duration_s, timings, target, insert_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)]
        if audio is not None and len(audio):
            statements.append(("INSERT INTO audio VALUES (last_insert_rowid(), ?, ?)", _pcm(audio, sample_rate)))
        uid = self._write(statements)[0].lastrowid
        if audio is not None and len(audio):
            self._enforce_audio_cap()
        return int(uid)

    def update(self, uid: int, transcript: Transcript, *, text: str | None = None,
               audio: np.ndarray | None = None, sample_rate: int = 16000, status: str | None = None) -> bool:
        """Rewrite utterance ``uid`` with a longer transcript of the same take (committed before
        this returns); ``audio`` and ``status`` as for :meth:`add` (None: left as they are).
        False when there is no such row (deleted meanwhile): nothing is written then. One write
        transaction, no read before it: this runs on the GUI thread at every closed segment."""
        columns = "text = ?, raw = ?, language = ?, emotion = ?, events = ?, itn = ?, duration_s = ?, timings = ?"
        params: tuple = _result_columns(transcript, text)
        if status is not None:
            columns, params = columns + ", insert_status = ?", params + (status,)
        statements = [(f"UPDATE utterances SET {columns} WHERE id = ?", params + (uid,))]
        with_audio = audio is not None and len(audio) > 0
        if with_audio:  # only beside a row that is there (the UPDATE above found nothing otherwise)
            statements.append(("INSERT OR REPLACE INTO audio SELECT ?, ?, ? "
                               "WHERE EXISTS (SELECT 1 FROM utterances WHERE id = ?)",
                               (uid, *_pcm(audio, sample_rate), uid)))
        updated = self._write(statements)[0].rowcount > 0
        if updated and with_audio:
            self._enforce_audio_cap()
        return updated

    def set_result(self, uid: int, status: str, method: str | None = None, message: str = "") -> None:
        """Record what happened when the text was inserted (``inserted``/``clipboard``/``failed``)."""
        self._write([("UPDATE utterances SET insert_status = ?, insert_method = ?, insert_message = ?, "
                      "inserted_at = ? WHERE id = ?", (status, method, message, time.time(), uid))])

    def set_processed(self, uid: int, mode: str, processed: str | None, error: str = "") -> bool:
        """Record what AI mode ``mode`` made of utterance ``uid``: its answer (None: none came) and,
        when the raw words were inserted instead, ``error`` saying why. The words as recognised
        (``text``) stay. False when there is no such row (deleted meanwhile)."""
        return self._write([("UPDATE utterances SET ai_mode = ?, processed = ?, ai_error = ? WHERE id = ?",
                             (mode, processed, error, uid))])[0].rowcount > 0

    def delete(self, uids: Iterable[int]) -> int:
        """Delete utterances (and their audio); gives how many were deleted."""
        ids = [(int(u),) for u in uids]
        if not ids:
            return 0
        return sum(c.rowcount for c in self._write([("DELETE FROM utterances WHERE id = ?", i) for i in ids]))

    def clear(self) -> int:
        """Delete everything; gives how many utterances were deleted."""
        return self._write([("DELETE FROM utterances", ())])[0].rowcount

    def prune(self, now: float | None = None) -> int:
        """Delete utterances older than ``retention_days`` (0 keeps all); gives how many."""
        if not self.retention_days:
            return 0
        cutoff = (now if now is not None else time.time()) - self.retention_days * 86400
        return self._write([("DELETE FROM utterances WHERE created < ?", (cutoff,))])[0].rowcount

    def _enforce_audio_cap(self) -> None:
        total, = self._db.execute("SELECT COALESCE(SUM(LENGTH(pcm)), 0) FROM audio").fetchone()
        if total <= self.audio_cap_bytes:
            return
        drop, excess = [], total - self.audio_cap_bytes
        for uid, size in self._db.execute("SELECT utterance_id, LENGTH(pcm) FROM audio ORDER BY utterance_id"):
            if excess <= 0:
                break
            drop.append((uid,))
            excess -= size
        self._write([("DELETE FROM audio WHERE utterance_id = ?", d) for d in drop])

    # ---- reading ----

    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM utterances").fetchone()[0])

    def get(self, uid: int) -> Entry | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM utterances WHERE id = ?", (uid,)).fetchone()
        return _entry(row) if row else None

    def recent(self, limit: int = 200, offset: int = 0) -> list[Entry]:
        """Newest first."""
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM utterances ORDER BY id DESC LIMIT ? OFFSET ?",
                                (limit, offset))
        return [_entry(r) for r in rows]

    def search(self, query: str, limit: int = 200) -> list[Entry]:
        """Utterances whose text contains every whitespace-separated term (any case), newest first.
        A term may also be in an AI mode's answer (``processed``: not indexed, a LIKE scan; 13-32 ms
        for 50,000 rows, half with an answer, on the 2-core bench, under the window's 200 ms typing pause)."""
        terms = query.split()
        if not terms:
            return self.recent(limit)
        clauses, params = [], []
        for term in terms:
            if self.fts and len(term) >= 3:  # the trigram index needs at least three characters
                clauses.append("(id IN (SELECT rowid FROM utterances_fts WHERE utterances_fts MATCH ?) "
                               "OR processed LIKE ? ESCAPE '\\')")
                params += ['"' + term.replace('"', '""') + '"', _like(term)]
            else:
                clauses.append("(text LIKE ? ESCAPE '\\' OR processed LIKE ? ESCAPE '\\')")
                params += [_like(term), _like(term)]
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM utterances WHERE {' AND '.join(clauses)} "
                                "ORDER BY id DESC LIMIT ?", (*params, limit))
        return [_entry(r) for r in rows]

    def audio(self, uid: int) -> tuple[np.ndarray, int] | None:
        """The stored audio of an utterance as (float32 samples, sample rate), or None."""
        row = self._db.execute("SELECT sample_rate, pcm FROM audio WHERE utterance_id = ?", (uid,)).fetchone()
        if not row:
            return None
        return np.frombuffer(row[1], dtype="<i2").astype(np.float32) / 32767, int(row[0])

    def integrity_ok(self) -> bool:
        """SQLite's own ``PRAGMA integrity_check`` (and FTS index check when present)."""
        ok = self._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        if ok and self.fts:
            try:
                self._db.execute("INSERT INTO utterances_fts(utterances_fts, rank) VALUES ('integrity-check', 1)")
            except sqlite3.DatabaseError:
                return False
        return ok
