"""Every transcript, appended to a JSON-lines file *before* it is inserted.

Until the searchable history lands, this is what guarantees that a failed insertion (focus moved,
xdotool missing, the app crashing mid-paste) never loses what the user said: one JSON object per
line, flushed and fsynced before the text goes anywhere else.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from dictate_app.engine.result import Transcript
from dictate_app.store.paths import data_dir

LOG_NAME = "transcripts.jsonl"


class TranscriptLog:
    """Append-only, crash-safe log of transcripts."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else data_dir() / LOG_NAME

    def append(self, transcript: Transcript, **extra: Any) -> dict:
        """Write one line (the transcript's fields, a timestamp and ``extra``) and fsync it."""
        record = {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **transcript.to_dict(), **extra}
        line = json.dumps(record, ensure_ascii=False) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
        return record

    def read(self) -> list[dict]:
        """All records, oldest first; a torn last line (crash mid-write) is skipped."""
        if not self.path.exists():
            return []
        records = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return records
