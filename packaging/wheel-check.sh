#!/usr/bin/env bash
# The wheel as `pipx install .` and `pip install dictate-app` users get it: build it from this
# checkout, install it into a fresh virtual environment with the CPU flavour's dependencies
# (requirements/cpu.txt without its editable `-e .` line), and run it from there, outside the
# checkout, so nothing can come from the source tree: `--version`, the package data it must carry
# (the Silero VAD model, the cue sounds) found inside the venv, then `transcribe --json` of the
# given files with the given model.
#
#   bash packaging/wheel-check.sh MODEL_DIR AUDIO_FILE...
#
# PYTHON (default .venv/bin/python) builds the wheel (--no-build-isolation: setuptools is pinned
# in the requirements) and makes the venv; WORK (default: a new temporary directory, removed at
# the end) holds the wheel and the venv. pip installs the pinned CPU dependencies from its cache
# or PyPI. Used by tests/packaging/test_wheel.py (the slow tier, so CI runs it).
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: bash packaging/wheel-check.sh MODEL_DIR AUDIO_FILE..." >&2; exit 2; }
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
# Absolute, but not resolved: a venv's python is a link, and resolving it would leave the venv.
python=$(cd "$(dirname "$python")" && pwd)/$(basename "$python")
model=$(realpath "$1"); shift
files=(); for file in "$@"; do files+=("$(realpath "$file")"); done
if [ -n "${WORK:-}" ]; then work=$WORK; mkdir -p "$work"; else
  work=$(mktemp -d "${TMPDIR:-/tmp}/dictate-wheel.XXXXXX"); trap 'rm -rf "$work"' EXIT; fi

"$python" -m pip wheel --quiet --no-deps --no-build-isolation --wheel-dir "$work/dist" . >&2
wheel=$(ls "$work"/dist/dictate_app-*.whl)
"$python" -m venv "$work/venv"
grep -v '^-e ' requirements/cpu.txt > "$work/cpu-deps.txt"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$work/cpu-deps.txt" >&2
"$work/venv/bin/pip" install --quiet --disable-pip-version-check --no-deps "$wheel" >&2

cd "$work"  # away from the checkout: only the installed wheel can be imported
run() { env -u PYTHONPATH DICTATE_CONFIG_DIR="$work/config" DICTATE_DATA_DIR="$work/data" "$@"; }
run "$work/venv/bin/dictate-app" --version >&2
run "$work/venv/bin/python" - "$work/venv" >&2 <<'PY'
import sys
from pathlib import Path

import dictate_app
from dictate_app.audio.vad import model_path
from dictate_app.audio.cues import sounds_dir

venv = Path(sys.argv[1]).resolve()
for what, path in (("the package", Path(dictate_app.__file__)), ("the VAD model", model_path()),
                   ("the start cue", sounds_dir() / "start.wav")):
    path = path.resolve()
    if not path.is_file() or venv not in path.parents:
        sys.exit(f"error: {what} is not installed in {venv}: {path}")
    print(f"ok  {what}: {path}")
PY
run "$work/venv/bin/dictate-app" transcribe --model "$model" --json --no-itn "${files[@]}"
