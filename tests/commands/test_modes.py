"""``dictate-app modes path|list|models|try`` and the AI mode options of ``transcribe`` and the tray
app, run as the user runs them, against the fake OpenAI-compatible server (testkit/fake_llm.py)."""

from __future__ import annotations

import json
import time

from testkit.fake_llm import DEFAULT_MODEL


def settings_ini(config, **values) -> None:
    config.mkdir(parents=True, exist_ok=True)
    lines = "".join(f"{key}={value}\n" for key, value in values.items())
    (config / "settings.ini").write_text(f"[dictate]\n{lines}", encoding="utf-8")


def test_modes_path_creates_the_commented_file_beside_rules_txt(cli, private_folders):
    out = cli("modes", "path")
    assert out.returncode == 0, out.stderr
    path = private_folders / "config" / "modes.txt"
    assert out.stdout.strip() == str(path)
    assert path.read_text(encoding="utf-8").startswith("# Dictate AI modes")
    assert cli("rules", "path").stdout.strip() == str(private_folders / "config" / "rules.txt")


def test_modes_list_shows_builtins_and_yours_and_reports_problems(cli, private_folders):
    out = cli("modes", "list")
    assert out.returncode == 0 and out.stderr == ""
    assert out.stdout.splitlines() == ["as spoken\toff", "clean up\tbuilt-in", "email\tbuilt-in",
                                       "bullet list\tbuilt-in", "translate to English\tbuilt-in",
                                       "translate to Chinese\tbuilt-in",
                                       "translate to <language>\tbuilt-in (any language name)"]
    (private_folders / "config").mkdir()
    (private_folders / "config" / "modes.txt").write_text("[haiku]\nA haiku of {transcript}\n[empty]\n",
                                                          encoding="utf-8")
    out = cli("modes", "list")
    assert out.returncode == 1
    assert "haiku\tyours" in out.stdout.splitlines()
    assert out.stderr.strip() == ("warning: modes.txt line 3: the mode [empty] has no prompt; write it on the "
                                  "lines below its name.")


def test_modes_try_rules_first_then_the_mode_with_the_exact_request(cli, private_folders, fake_llm):
    config = private_folders / "config"
    config.mkdir()
    (config / "rules.txt").write_text("vocab: Kubernetes\nteh => the\n", encoding="utf-8")
    out = cli("modes", "try", "--mode", "Clean Up", "--llm-url", fake_llm.url, "--llm-model", DEFAULT_MODEL,
              "--json", "deploy teh kubernetis cluster now")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"text": "DEPLOY THE KUBERNETES CLUSTER NOW",
                                      "spoken": "deploy the Kubernetes cluster now",
                                      "mode": "clean up", "ran": True, "error": None}
    (body,) = fake_llm.chat_requests()
    assert body["model"] == DEFAULT_MODEL
    assert body["messages"][0]["content"].endswith("occur): Kubernetes.")
    assert body["messages"][1]["content"].endswith("<transcript>\ndeploy the Kubernetes cluster now\n</transcript>")


def test_modes_try_reads_the_endpoint_from_the_settings(cli, private_folders, fake_llm):
    fake_llm.models[:] = ["first", "second"]
    settings_ini(private_folders / "config", llm_url=fake_llm.url)
    out = cli("modes", "try", "--mode", "translate to french", "un deux trois")
    assert (out.returncode, out.stdout, out.stderr) == (0, "UN DEUX TROIS\n", "")
    assert fake_llm.chat_requests()[0]["model"] == "first"  # llm_model "": the first one listed
    assert "into French" in fake_llm.chat_requests()[0]["messages"][1]["content"]
    settings_ini(private_folders / "config", llm_url=fake_llm.url, llm_model="second")
    assert cli("modes", "try", "--mode", "email", "un deux trois").returncode == 0
    assert fake_llm.chat_requests()[-1]["model"] == "second"


def test_modes_try_falls_back_to_the_words_with_the_reason(cli, private_folders, fake_llm):
    fake_llm.set("slow", delay_s=10)
    settings_ini(private_folders / "config", llm_url=fake_llm.url, llm_timeout_s=1)
    started = time.monotonic()
    out = cli("modes", "try", "--mode", "email", "--llm-model", DEFAULT_MODEL, "--json", "see you at noon")
    print(f"modes try against a 10 s server with llm_timeout_s=1: {time.monotonic() - started:.2f} s")
    assert out.returncode == 3
    assert json.loads(out.stdout) == {
        "text": "see you at noon", "spoken": "see you at noon", "mode": "email", "ran": False,
        "error": "The language model at 127.0.0.1 did not answer within 1 s; the words went in as spoken "
                 "(raise llm_timeout_s or use a smaller model)."}
    assert out.stderr.startswith("warning: The language model at 127.0.0.1 did not answer within 1 s")
    fake_llm.set("down")
    out = cli("modes", "try", "--mode", "email", "--llm-url", fake_llm.url, "see you at noon")
    assert (out.returncode, out.stdout) == (3, "see you at noon\n")
    assert out.stderr.startswith(f"warning: Nothing answers at {fake_llm.url} ") and "ollama serve" in out.stderr


def test_modes_try_says_when_the_text_is_too_short(cli, fake_llm):
    out = cli("modes", "try", "--mode", "email", "--llm-url", fake_llm.url, "hi", "there")
    assert (out.returncode, out.stdout) == (0, "hi there\n")
    assert out.stderr.strip() == ("note: fewer than 3 words, so the AI mode did not run "
                                  "(the ai_mode_min_words setting)")
    assert fake_llm.requests == []


def test_an_unknown_mode_is_an_error_before_anything_runs(cli, tmp_path):
    out = cli("modes", "try", "--mode", "pirate", "a b c d")
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.strip() == ("error: there is no AI mode 'pirate'; choose one that `dictate-app modes list` "
                                  "shows or add it to the file `dictate-app modes path` prints")
    # transcribe checks the mode before it loads a model or reads a file
    out = cli("transcribe", "--mode", "pirate", "--model", tmp_path / "no-model", tmp_path / "none.wav")
    assert out.returncode == 1 and out.stderr.startswith("error: there is no AI mode 'pirate'")


def test_a_bad_llm_url_is_refused_by_the_parser(cli):
    out = cli("modes", "try", "--mode", "email", "--llm-url", "localhost:11434", "a b c")
    assert out.returncode == 2
    assert "argument --llm-url: 'localhost:11434' is not an http:// or https:// address" in out.stderr


def test_modes_models_lists_the_endpoints_models(cli, fake_llm):
    fake_llm.models[:] = ["llama3.2", "qwen2.5:3b"]
    out = cli("modes", "models", "--llm-url", fake_llm.url)
    assert (out.returncode, out.stdout) == (0, "llama3.2\nqwen2.5:3b\n")
    fake_llm.set("down")
    out = cli("modes", "models", "--llm-url", fake_llm.url)
    assert out.returncode == 1 and out.stderr.startswith(f"error: Nothing answers at {fake_llm.url} ")


def test_the_tray_app_takes_llm_url_and_llm_model_for_one_run():
    from dictate_app.cli import build_parser
    from dictate_app.commands.app import overrides

    options = overrides(build_parser().parse_args(["--model", "/m"]))
    assert "llm_url" not in options and "llm_model" not in options  # the settings, read at each take
    args = build_parser().parse_args(["--model", "/m", "--llm-url", "http://10.0.0.2:8080/v1", "--llm-model", "qwen"])
    assert (overrides(args)["llm_url"], overrides(args)["llm_model"]) == ("http://10.0.0.2:8080/v1", "qwen")
    # given before the command, they still reach it (the subcommand's default does not erase them)
    args = build_parser().parse_args(["--llm-url", "http://10.0.0.2:8080/v1", "modes", "try", "--mode", "email", "x"])
    assert args.llm_url == "http://10.0.0.2:8080/v1"
