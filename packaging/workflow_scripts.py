"""Check that a GitHub workflow's steps are this repository's scripts, not inline logic.

    python packaging/workflow_scripts.py .github/workflows/installers.yml

Every ``run:`` is one line that starts with one of ``RUNNERS`` followed by a path in the
repository, and that path exists (so the workflow runs the same commands as packaging/ci.sh, and a
renamed script breaks the lint, not the release). Exit 1 naming the step otherwise.
Needs ruamel.yaml or PyYAML (packaging/lint.sh runs it in build/venv-lint, which has ruamel.yaml).
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUNNERS = ("bash ", "sudo bash ", "sh ", "sudo sh ", "python ", "python3 ", "sudo python3 ")


def load(path: Path) -> dict:
    try:
        from ruamel.yaml import YAML

        return YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except ImportError:
        import yaml

        return yaml.safe_load(path.read_text(encoding="utf-8"))


def problems(workflow: dict) -> list[str]:
    """One line per step that is not a call of an existing repository script."""
    found = []
    for job_name, job in workflow.get("jobs", {}).items():
        for i, step in enumerate(job.get("steps", [])):
            command = step.get("run")
            if command is None:
                continue
            where = f"job {job_name}, step {i + 1} ({step.get('name', command.strip()[:40])})"
            lines = [line for line in command.strip().splitlines() if line.strip()]
            runner = next((r for r in RUNNERS if lines and lines[0].startswith(r)), None)
            if len(lines) != 1 or runner is None:
                found.append(f"{where}: not one call of a repository script: {command.strip()[:80]!r}")
                continue
            script = lines[0][len(runner):].split()[0]
            if not (REPO / script).is_file():
                found.append(f"{where}: {script} does not exist in the repository")
    return found


def main(paths: list[str]) -> int:
    bad = [f"{path}: {p}" for path in paths for p in problems(load(Path(path)))]
    for line in bad:
        print(line, file=sys.stderr)
    if not bad:
        print(f"workflow steps: every run step calls a repository script ({', '.join(paths)})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
