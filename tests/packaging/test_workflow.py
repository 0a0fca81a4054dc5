"""The GitHub Actions workflow that builds the installers on Windows, macOS and Linux
(.github/workflows/installers.yml). It cannot run here: its shape is checked (fast tier) and
packaging/lint.sh (schema + repository scripts + shellcheck) must pass on it and fail on a broken
copy (slow tier: the lint venv is made on first use)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / ".github" / "workflows" / "installers.yml"
sys.path.insert(0, str(REPO / "packaging"))
import workflow_scripts  # noqa: E402  (packaging/ is not a package)


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _runs(job: dict) -> list[str]:
    return [step["run"].strip() for step in job["steps"] if "run" in step]


def test_one_job_per_runner_each_smoke_tests_and_uploads(workflow):
    jobs = {job["runs-on"]: job for job in workflow["jobs"].values() if job.get("needs") == "fixture-onnx"}
    assert set(jobs) == {"windows-latest", "macos-latest", "ubuntu-latest"}
    for runner, job in jobs.items():
        runs = _runs(job)
        assert any(r.startswith("python packaging/smoke.py ") and r.endswith(" build/fixture-onnx") for r in runs), runner
        uploads = [s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")]
        assert uploads and all(s["with"]["if-no-files-found"] == "error" for s in uploads), runner
        downloads = [s for s in job["steps"] if s.get("uses", "").startswith("actions/download-artifact@")]
        assert [s["with"]["name"] for s in downloads] == ["fixture-onnx"], runner


def test_the_installers_are_made_by_the_scripts_linux_ci_runs(workflow):
    """The same commands as packaging/ci.sh (build.sh, the .deb check) and the platforms' scripts."""
    runs = {job["runs-on"]: _runs(job) for job in workflow["jobs"].values() if job.get("needs")}
    ci = (REPO / "packaging" / "ci.sh").read_text()
    assert "bash packaging/build.sh cpu" in runs["ubuntu-latest"] and "bash packaging/build.sh cpu" in ci
    for action in ("install", "remove"):
        assert f"sudo bash packaging/linux/check-deb.sh {action} dist/dictate-app_*.deb" in runs["ubuntu-latest"]
        assert f"bash packaging/linux/check-deb.sh {action} " in ci
    assert runs["windows-latest"][:2] == ["bash packaging/build.sh cpu", "bash packaging/windows/make-installer.sh cpu"]
    assert "bash packaging/windows/check-installer.sh uninstall cpu" in runs["windows-latest"]
    assert runs["macos-latest"][0] == "bash packaging/macos/make-dmg.sh cpu"


def test_every_run_step_is_one_call_of_an_existing_script(workflow):
    assert workflow_scripts.problems(workflow) == []


def test_inline_logic_and_missing_scripts_are_reported():
    bad = {"jobs": {"j": {"steps": [{"run": "bash packaging/build.sh cpu"}, {"run": "pip install x\nmake"},
                                     {"name": "gone", "run": "bash packaging/nothing.sh"}, {"uses": "a/b@v1"}]}}}
    found = workflow_scripts.problems(bad)
    assert len(found) == 2
    assert "step 2" in found[0] and "not one call" in found[0]
    assert found[1] == "job j, step 3 (gone): packaging/nothing.sh does not exist in the repository"


@pytest.mark.slow
@pytest.mark.parametrize("change, message", [
    (None, None),
    (("runs-on: macos-latest", "run-on: macos-latest"), "'runs-on' is a required property"),
    (("timeout-minutes: 60", "timeout-minutes: sixty"), "Schema validation errors"),
    (("make-installer.sh cpu", "make-installr.sh cpu"), "make-installr.sh does not exist"),
])
def test_the_lint_passes_the_workflow_and_fails_a_broken_one(tmp_path, change, message):
    path = tmp_path / "installers.yml"
    text = WORKFLOW.read_text(encoding="utf-8")
    if change:
        assert change[0] in text
        text = text.replace(change[0], change[1], 1)
    path.write_text(text, encoding="utf-8")
    done = subprocess.run(["bash", str(REPO / "packaging" / "lint.sh"), str(path)], capture_output=True,
                          text=True, timeout=600)
    if message is None:
        assert done.returncode == 0, done.stdout + done.stderr
        assert "validation done" in done.stdout and "every run step calls a repository script" in done.stdout
        if shutil.which("shellcheck"):
            assert "shellcheck: ok" in done.stdout
    else:
        assert done.returncode == 1 and message in done.stdout + done.stderr, done.stdout + done.stderr
