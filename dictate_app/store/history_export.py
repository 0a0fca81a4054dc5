"""Export history entries as plain text, CSV or JSON (the history window and the CLI share this)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path

from dictate_app.errors import DictateError
from dictate_app.store.history import Entry

FORMATS = ("txt", "csv", "json")
CSV_FIELDS = ("id", "time", "text", "language", "emotion", "events", "duration_s", "target",
              "insert_status", "insert_method", "raw")


def format_for(path: str | Path, fmt: str | None = None) -> str:
    """The export format: ``fmt`` if given, else the file's extension; raises if neither is known."""
    chosen = (fmt or Path(path).suffix.lstrip(".")).lower()
    if chosen not in FORMATS:
        raise DictateError(f"Cannot export to {Path(path).name!r}: use a .txt, .csv or .json file "
                           "(or --format txt|csv|json).")
    return chosen


def render(entries: Sequence[Entry], fmt: str) -> str:
    """The export text. txt: one ``time<TAB>text`` line per entry, oldest first (a readable diary);
    csv: one row per entry with a header; json: a list of full entries."""
    ordered = sorted(entries, key=lambda e: (e.created, e.id))
    if fmt == "txt":
        # Newlines inside a transcript would break the one-line-per-entry shape.
        return "".join(f"{e.local_time}\t{' '.join(e.text.splitlines())}\n" for e in ordered)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for e in ordered:
            row = e.to_dict()
            row["events"] = " ".join(e.events)
            writer.writerow(row)
        return out.getvalue()
    if fmt == "json":
        return json.dumps([e.to_dict() for e in ordered], ensure_ascii=False, indent=1) + "\n"
    raise ValueError(fmt)


def export(entries: Sequence[Entry], path: str | Path, fmt: str | None = None) -> int:
    """Write ``entries`` to ``path`` in ``fmt`` (default: by extension); gives how many were written."""
    chosen = format_for(path, fmt)
    # utf-8-sig for CSV so spreadsheet programs read CJK correctly; plain utf-8 elsewhere.
    encoding = "utf-8-sig" if chosen == "csv" else "utf-8"
    try:
        Path(path).write_text(render(entries, chosen), encoding=encoding)
    except OSError as exc:
        raise DictateError(f"Could not write {path} ({exc.strerror or exc}): choose another file.") from exc
    return len(entries)
