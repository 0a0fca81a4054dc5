"""Replacement rules: exact and regex, the file format with its comments, bad lines reported."""

from __future__ import annotations

import os
import stat

from dictate_app.engine.result import Transcript
from dictate_app.text.rules import TEMPLATE, RulesFile, ensure_rules_file, load_rules, parse_rules, save_rules


def test_template_parses_to_nothing_and_is_all_comments():
    assert all(line.startswith("#") for line in TEMPLATE.splitlines())
    rules = parse_rules(TEMPLATE)
    assert not rules and rules.problems == ()


def test_exact_rules_whole_words_ignore_case():
    rules = parse_rules("cat => dog\nmy number => my phone number\n今天 => 明天\n")
    assert rules.apply("Cat and category, CAT.") == "dog and category, dog."
    assert rules.apply("my number is 37") == "my phone number is 37"
    assert rules.apply("今天天气很好") == "明天天气很好"  # no word boundaries in Chinese


def test_regex_rules_groups_and_order():
    rules = parse_rules("re: call (\\w+) => phone \\1\nphone mother => phone Mom\nre: (?i)^hello => Hi")
    assert rules.apply("Hello, call mother") == "Hi, phone Mom"


def test_deletion_and_literal_backslashes():
    rules = parse_rules("um =>\nx => a\\1b\n")
    assert rules.apply("so um I think um yes") == "so I think yes"
    assert rules.apply("x") == "a\\1b"  # exact rules never expand groups


def test_vocab_runs_before_rules():
    rules = parse_rules("vocab: Kubernetes\nKubernetes => k8s")
    assert rules.apply("on kubernetis now") == "on k8s now"


def test_bad_lines_are_skipped_and_reported():
    rules = parse_rules("no arrow here\nre: ([a-z => x\nre: (a) => \\2\n => x\nvocab:\ngood => fine")
    assert len(rules.problems) == 5 and all(p.startswith("Line ") for p in rules.problems)
    assert "Line 2" in rules.problems[1] and "invalid" in rules.problems[1]
    assert rules.apply("good") == "fine"


def test_regex_may_contain_the_arrow():
    assert parse_rules("re: a=>b => c").apply("x a=>b") == "x c"


def test_apply_to_transcript_keeps_raw():
    t = Transcript(text="call my mother", language="en", raw="<|en|>call my mother")
    out = parse_rules("mother => Mom").apply_to(t)
    assert out.text == "call my Mom" and out.raw == t.raw and out.language == "en"
    assert parse_rules("").apply_to(t) is t


def test_file_created_from_template_and_loaded(tmp_path, monkeypatch):
    monkeypatch.setenv("DICTATE_CONFIG_DIR", str(tmp_path))
    assert not load_rules()
    path = ensure_rules_file()
    assert path == tmp_path / "rules.txt" and path.read_text(encoding="utf-8") == TEMPLATE
    path.write_text(TEMPLATE + "teh => the\n", encoding="utf-8")
    assert ensure_rules_file() == path and "teh => the" in path.read_text(encoding="utf-8")  # not overwritten
    assert load_rules().apply("teh end") == "the end"
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00bad")
    assert load_rules(tmp_path / "bad.txt").problems[0].startswith("The rules file")


def test_rules_file_follows_edits(tmp_path):
    path = tmp_path / "rules.txt"
    live = RulesFile(path)
    t = Transcript(text="teh end")
    assert live.apply_to(t) is t  # no file yet
    path.write_text("teh => the\n", encoding="utf-8")
    assert live.apply_to(t).text == "the end"
    path.write_text("teh => THE\n", encoding="utf-8")
    os.utime(path, ns=(1, 2_000_000_000_000_000_000))  # a new stamp even within one clock tick
    assert live.apply_to(t).text == "THE end"
    path.unlink()
    assert live.apply_to(t) is t


def test_rules_file_is_private_and_saved_atomically(tmp_path):
    config = tmp_path / "config"
    path = ensure_rules_file(config / "rules.txt")
    assert stat.S_IMODE(config.stat().st_mode) == 0o700 and stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.stat().st_ino
    save_rules("teh => the\n", path)
    assert path.stat().st_ino != before  # replaced by rename, not rewritten in place
    assert load_rules(path).apply("teh end") == "the end" and stat.S_IMODE(path.stat().st_mode) == 0o600
    # A rules file from an older install: readable by everyone until the app starts.
    path.chmod(0o644)
    assert ensure_rules_file(path) == path and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="utf-8") == "teh => the\n"
    assert sorted(p.name for p in config.iterdir()) == ["rules.txt"]


def test_a_save_is_seen_even_within_one_clock_tick(tmp_path):
    """Same size, same mtime (coarse clocks, a fast second save): the new inode still tells."""
    path = save_rules("teh => the\n", tmp_path / "rules.txt")
    live = RulesFile(path)
    os.utime(path, ns=(1, 1_000_000_000))
    assert live.current().apply("teh") == "the"
    save_rules("teh => THE\n", path)
    os.utime(path, ns=(1, 1_000_000_000))
    assert live.current().apply("teh") == "THE"
