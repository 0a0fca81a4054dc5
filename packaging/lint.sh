#!/usr/bin/env bash
# Lint what CI cannot run here: the GitHub Actions workflow(s) and the shell scripts.
#
#   bash packaging/lint.sh [WORKFLOW.yml ...]     (default: every .github/workflows/*.yml)
#
# 1. check-jsonschema --builtin-schema vendor.github-workflows (SchemaStore's schema of workflow
#    files: keys, job and step structure, runner labels' types, `uses`/`run` shape), from its own
#    venv build/venv-lint (requirements/packaging-lint.txt, --no-deps; re-made when that changes).
# 2. Every `run:` step of the installers workflow calls a script of this repository that exists
#    (tests/packaging/test_workflow.py checks the rest of its shape).
# 3. shellcheck (when installed: sh tools/system-packages.sh test) on packaging/'s scripts,
#    .ci/run and tools/system-packages.sh.
# Exit 1 with the linter's message when any of them fails.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
venv=build/venv-lint
stamp=$(sha256sum requirements/packaging-lint.txt | cut -c1-16)
if [ "$(cat "$venv/.stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$venv"
  "$PYTHON" -m venv "$venv"
  "$venv/bin/pip" install -q --no-deps -r requirements/packaging-lint.txt
  echo "$stamp" > "$venv/.stamp"
fi
if [ $# -eq 0 ]; then set -- .github/workflows/*.yml; fi
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows "$@"
"$venv/bin/python" packaging/workflow_scripts.py "$@"
if command -v shellcheck >/dev/null; then
  shellcheck -x packaging/*.sh packaging/linux/*.sh packaging/windows/*.sh packaging/macos/*.sh .ci/run tools/system-packages.sh
  echo "shellcheck: ok"
else
  echo "shellcheck is not installed: shell scripts not linted (sh tools/system-packages.sh test)" >&2
fi
