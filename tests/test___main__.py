"""``python -m dictate_app`` (dictate_app/__main__.py) is the ``dictate-app`` command: the same output
and the command's exit code."""

from __future__ import annotations

from importlib.metadata import version

from tests.conftest import run_cli


def test_python_m_runs_the_command_and_passes_its_exit_code_on(tmp_path):
    proc = run_cli("--version")
    assert (proc.returncode, proc.stdout.strip()) == (0, f"dictate-app {version('dictate-app')}")
    no_model = run_cli("transcribe", "--model", tmp_path, tmp_path / "missing.wav")
    assert no_model.returncode == 3  # ModelError's exit code
    assert no_model.stderr.startswith(f"error: there is no speech model in {tmp_path} yet; ")
