"""``dictate-app rules``: path creates the commented file, check reports bad lines, apply tries them."""

from __future__ import annotations


def test_rules_path_check_apply(cli, tmp_path):
    env = {"DICTATE_CONFIG_DIR": str(tmp_path)}
    out = cli("rules", "path", env=env)
    assert out.returncode == 0 and out.stdout.strip() == str(tmp_path / "rules.txt")
    assert (tmp_path / "rules.txt").read_text(encoding="utf-8").startswith("# Dictate replacement rules")
    with open(tmp_path / "rules.txt", "a", encoding="utf-8") as fh:
        fh.write("vocab: Kubernetes\nteh => the\nre: ([ => x\n")
    out = cli("rules", "check", env=env)
    assert out.returncode == 1
    assert out.stdout.splitlines()[-1] == "1 rules, 1 vocabulary terms, 1 problems"
    out = cli("rules", "apply", "teh", "kubernetis", "cluster", env=env)
    assert out.stdout.splitlines()[-1] == "the Kubernetes cluster"
