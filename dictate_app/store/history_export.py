"""Export history entries as plain text, CSV or JSON (the history window and the CLI share this).

CSV cells that a spreadsheet would run as a formula are defused (:func:`csv_cell`); txt and json
keep every transcript exactly. The file is written atomically and 0600 even though the user chose
where it goes: it holds the same transcripts the history keeps private, and a world-readable copy
in a shared folder is easy to make by accident; the user can loosen it on purpose (``chmod``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path

from dictate_app.errors import DictateError
from dictate_app.store.history import Entry
from dictate_app.store.private import atomic_write

FORMATS = ("txt", "csv", "json")
CSV_FIELDS = ("id", "time", "text", "language", "emotion", "events", "duration_s", "target",
              "insert_status", "insert_method", "raw", "ai_mode", "processed", "ai_error")


def format_for(path: str | Path, fmt: str | None = None) -> str:
    """The export format: ``fmt`` if given, else the file's extension; raises if neither is known."""
    chosen = (fmt or Path(path).suffix.lstrip(".")).lower()
    if chosen not in FORMATS:
        raise DictateError(f"Cannot export to {Path(path).name!r}: use a .txt, .csv or .json file "
                           "(or --format txt|csv|json).")
    return chosen


# OWASP's "CSV Injection": a cell starting with one of these is a formula (or becomes one) in
# Excel, LibreOffice and Google Sheets; tab and carriage return can hide such a start.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """``value`` as a CSV cell: a string that starts like a formula gets a leading single quote,
    as OWASP advises, so "=HYPERLINK(...)" in a transcript stays text when the file is opened.

    The quote is visible in the spreadsheet, also on a legitimate "-5 degrees" or "+1 for that":
    we accept it, because telling a harmless minus from a formula ("-2+3", "-A1*0+HYPERLINK(...)")
    needs a formula parser, and a stray quote costs less than a link or command run on open.
    """
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def render(entries: Sequence[Entry], fmt: str) -> str:
    """The export text. txt: one ``time<TAB>text`` line per entry, oldest first (a readable diary of
    what went in: an AI mode's answer where one was inserted); csv: one row per entry with a header
    (both texts); json: a list of full entries."""
    ordered = sorted(entries, key=lambda e: (e.created, e.id))
    if fmt == "txt":
        # Newlines inside a transcript would break the one-line-per-entry shape.
        return "".join(f"{e.local_time}\t{' '.join(e.inserted_text.splitlines())}\n" for e in ordered)
    if fmt == "csv":
        out = io.StringIO()
        # CRLF rows (RFC 4180): the writer quotes a cell holding any line-terminator character, so a
        # transcript with a bare \r stays one cell (with "\n" rows it went out unquoted and split the row).
        writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore", lineterminator="\r\n")
        writer.writeheader()
        for e in ordered:
            row = e.to_dict()
            row["events"] = " ".join(e.events)
            writer.writerow({key: csv_cell(value) for key, value in row.items()})
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
        atomic_write(path, render(entries, chosen), encoding=encoding)
    except OSError as exc:
        raise DictateError(f"Could not write {path} ({exc.strerror or exc}): choose another file.") from exc
    return len(entries)
