#!/usr/bin/env bash
# The smoke test's model: the fixture model (tests/fixtures/mini-sensevoice) exported to ONNX by
# the real command, in the test venv of the README's test command (.venv, made here if missing).
#
#   bash packaging/fixture-onnx.sh OUT_DIR
#
# TORCH_INDEX (optional): pip's index for torch, e.g. https://download.pytorch.org/whl/cpu on a
# GitHub runner, where PyPI's Linux torch would be the multi-GB CUDA build. Here pip finds the CPU
# build on local disk. packaging/ci.sh needs no export of its own: tests/packaging makes one.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-}
[ -n "$out" ] || { echo "usage: bash packaging/fixture-onnx.sh OUT_DIR" >&2; exit 2; }
if [ ! -x .venv/bin/python ]; then
  "${PYTHON:-python3}" -m venv .venv
  .venv/bin/pip install -q torch==2.13.0 ${TORCH_INDEX:+--index-url "$TORCH_INDEX"}
  .venv/bin/pip install -q --no-deps -r requirements/test.txt
fi
.venv/bin/python -m dictate_app model export-onnx tests/fixtures/mini-sensevoice --out "$out" --fp32
