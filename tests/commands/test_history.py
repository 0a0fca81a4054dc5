"""``dictate-app history``: list, search, JSON, export and delete, as the user runs it."""

from __future__ import annotations

import json

from dictate_app.engine.result import Transcript
from dictate_app.store.history import History


def _fill(data_dir):
    with History(data_dir / "history.sqlite3") as h:
        a = h.add(Transcript(text="call my mother", language="en", emotion="NEUTRAL"))
        b = h.add(Transcript(text="今天天气很好", language="zh", emotion="HAPPY"))
    return a, b


def test_list_search_json_export_delete(cli, tmp_path):
    env = {"DICTATE_DATA_DIR": str(tmp_path)}
    a, b = _fill(tmp_path)
    out = cli("history", env=env)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].endswith("[en neutral]  call my mother") and lines[1].endswith("今天天气很好")

    out = cli("history", "search", "天气", "--json", env=env)
    assert out.returncode == 0, out.stderr
    assert [e["id"] for e in json.loads(out.stdout)] == [b]

    out = cli("history", "--json", "search", "MOTHER", env=env)  # options before the action too
    assert [e["text"] for e in json.loads(out.stdout)] == ["call my mother"]

    out = cli("history", "--export", tmp_path / "all.txt", env=env)
    assert out.returncode == 0 and "exported 2" in out.stdout
    assert [line.split("\t")[1] for line in (tmp_path / "all.txt").read_text().splitlines()] == [
        "call my mother", "今天天气很好"]

    out = cli("history", "--export", tmp_path / "all.xls", env=env)
    assert out.returncode == 1 and out.stderr.startswith("error: Cannot export") and "Traceback" not in out.stderr

    out = cli("history", "delete", str(a), env=env)
    assert out.returncode == 0 and "deleted 1 of 1" in out.stdout
    out = cli("history", "clear", env=env)
    assert out.returncode == 1 and "--yes" in out.stderr
    assert cli("history", "clear", "--yes", env=env).stdout.strip() == "deleted 1 entries"
    assert cli("history", env=env).stdout.strip() == "no entries yet"


def test_no_database_yet(cli, tmp_path):
    out = cli("history", "search", "x", env={"DICTATE_DATA_DIR": str(tmp_path / "none")})
    assert out.returncode == 0 and out.stdout.strip() == "no entries match"
    assert not (tmp_path / "none").exists()  # reading never creates files


def test_json_names_the_app_and_never_a_raw_window_id(cli, tmp_path):
    with History(tmp_path / "history.sqlite3") as h:
        for target in ("kitty ~/src", "94371849", "0x55d0c2a8e4f0", "512:77"):  # the last three: ids older versions kept
            h.add(Transcript(text=f"to {target}", language="en"), target=target)
    out = cli("history", "--json", env={"DICTATE_DATA_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert {e["text"]: e["target"] for e in json.loads(out.stdout)} == {
        "to kitty ~/src": "kitty ~/src", "to 94371849": None, "to 0x55d0c2a8e4f0": None, "to 512:77": None}


def test_a_take_with_an_ai_mode_lists_both_texts(cli, tmp_path):
    env = {"DICTATE_DATA_DIR": str(tmp_path)}
    a, b = _fill(tmp_path)
    with History(tmp_path / "history.sqlite3") as h:
        h.set_processed(a, "clean up", "Call my mother.")
        h.set_processed(b, "email", None, "The language model at 127.0.0.1 did not answer within 5 s.")
    lines = cli("history", env=env).stdout.splitlines()
    assert lines[0].endswith("call my mother") and lines[1].strip() == "clean up: Call my mother."
    assert lines[3].strip() == "email: The language model at 127.0.0.1 did not answer within 5 s."
    entries = json.loads(cli("history", "--json", env=env).stdout)
    first = next(e for e in entries if e["id"] == a)
    assert (first["text"], first["processed"], first["ai_mode"], first["ai_error"]) == (
        "call my mother", "Call my mother.", "clean up", "")
    assert cli("history", "--export", tmp_path / "all.txt", env=env).returncode == 0
    assert [line.split("\t")[1] for line in (tmp_path / "all.txt").read_text().splitlines()] == [
        "Call my mother.", "今天天气很好"], "the diary holds what went in"
    assert cli("history", "--export", tmp_path / "all.csv", env=env).returncode == 0
    header = (tmp_path / "all.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.endswith("raw,ai_mode,processed,ai_error")
