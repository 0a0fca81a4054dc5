"""AI modes catalog: the built-ins, translate to any language, the user's modes.txt (format,
problems as sentences, never raising), and the fallback to "as spoken" for an unknown name."""

from __future__ import annotations

from dictate_app.modes.catalog import (AS_SPOKEN, BUILTINS, TEMPLATE, AiMode, ensure_modes_file, find_mode,
                                       load_modes, modes_file, parse_modes)


def test_builtins_cover_the_issue(tmp_path):
    modes, problems = load_modes(tmp_path / "missing.txt")
    assert problems == []
    assert list(modes)[:6] == [AS_SPOKEN, "clean up", "email", "bullet list", "translate to English",
                               "translate to Chinese"]
    assert modes[AS_SPOKEN].off and not any(m.off for m in BUILTINS[1:])
    assert all(m.builtin and "{transcript}" in m.prompt for m in BUILTINS[1:])
    assert all("{language}" in modes[name].prompt for name in ("clean up", "email", "bullet list"))


def test_translate_to_any_language_and_case_and_spacing_are_ignored():
    modes, _ = load_modes("/nonexistent/modes.txt")
    mode, problem = find_mode("Translate   into german", modes)
    assert problem is None and mode.name == "translate to German"
    assert "into German" in mode.prompt and "{transcript}" in mode.prompt
    assert find_mode("CLEAN UP", modes) == (modes["clean up"], None)
    assert find_mode("", modes) == (AiMode(AS_SPOKEN, ""), None)


def test_an_unknown_mode_falls_back_to_as_spoken_with_one_sentence():
    modes, _ = load_modes("/nonexistent/modes.txt")
    mode, problem = find_mode("pirate speak", modes)
    assert mode.name == AS_SPOKEN and mode.off
    assert problem.startswith("The AI mode 'pirate speak' is not defined") and problem.count(".") == 1
    assert find_mode("translate to 42", modes)[0].off  # not a language name


def test_the_users_file_adds_and_replaces_modes(tmp_path):
    path = tmp_path / "modes.txt"
    path.write_text("# mine\n[Excited]\nKeep the excitement if {emotion}.\n\n{transcript}\n\n"
                    "[email]\nA formal email in {language}.\n", encoding="utf-8")
    modes, problems = load_modes(path)
    assert problems == []
    assert modes["Excited"] == AiMode("Excited", "Keep the excitement if {emotion}.\n\n{transcript}", builtin=False)
    assert modes["email"].prompt == "A formal email in {language}." and not modes["email"].builtin
    assert find_mode("excited", modes)[0].name == "Excited"


def test_problems_are_sentences_and_the_good_modes_still_load():
    text = ("stray line\n[as spoken]\nx\n[empty]\n\n# only a comment\n[odd]\nUse {mood} here.\n"
            "[twice]\none\n[Twice]\ntwo\n")
    modes, problems = parse_modes(text)
    assert list(modes) == ["odd", "Twice"] and modes["Twice"].prompt == "two"
    assert [p.split(":")[0] for p in problems] == ["modes.txt line 1", "modes.txt line 2", "modes.txt line 4",
                                                   "modes.txt line 7", "modes.txt line 11"]
    assert "{mood}" in problems[3] and "not a placeholder" in problems[3]
    assert all(p.endswith(".") and "\n" not in p for p in problems)


def test_an_unreadable_file_is_one_sentence_and_the_builtins_stay(tmp_path):
    path = tmp_path / "modes.txt"
    path.write_bytes(b"[x]\n\xff\xfe bad")
    modes, problems = load_modes(path)
    assert len(problems) == 1 and "could not be read" in problems[0]
    assert "clean up" in modes


def test_the_file_lives_beside_rules_txt_and_its_template_parses_clean(tmp_path, monkeypatch):
    from dictate_app.text.rules import default_path

    monkeypatch.setenv("DICTATE_CONFIG_DIR", str(tmp_path / "config"))
    assert modes_file().parent == default_path().parent == tmp_path / "config"
    path = ensure_modes_file()
    assert path == modes_file() and path.read_text(encoding="utf-8") == TEMPLATE
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_modes(path) == load_modes(tmp_path / "none.txt")  # all comments: no modes, no problems
    examples = TEMPLATE.split("remove the # to use them):\n", 1)[1]
    uncommented = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in examples.splitlines())
    modes, problems = parse_modes(uncommented)
    assert problems == [] and list(modes) == ["excited", "commit message"]
    assert "{emotion}" in modes["excited"].prompt and modes["excited"].prompt.endswith("{transcript}")
