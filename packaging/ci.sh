#!/usr/bin/env bash
# CI step for the packaging: build the Linux cpu bundle and test it frozen, as a user gets it.
#
#   bash packaging/ci.sh      (after the README's test command made .venv; works as root)
#
# 1. packaging/build.sh cpu: build venv from requirements/cpu.txt, PyInstaller, the tarball.
# 2. The tarball is unpacked into a temporary prefix as its README.txt says (bin/, lib/, share/).
# 3. tests/packaging runs against that prefix's bin/dictate-app: --version, every command,
#    transcribe with the fixture model's ONNX export (real words), the tray app on the desktop
#    bench (ready, one dictation, status, clean quit), and the checks of packaging/'s files.
# Measured on the 2-core machine: see the timing printed at the end (budget: 10 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
[ -x .venv/bin/python ] || { echo "error: .venv is missing; run the README's test command first" >&2; exit 1; }

bash packaging/build.sh cpu
built=$(date +%s)

version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' dictate_app/__init__.py)
tarball=dist/dictate-$version-linux-$(uname -m)-cpu.tar.gz
prefix=$(mktemp -d "${TMPDIR:-/tmp}/dictate-prefix.XXXXXX")
trap 'rm -rf "$prefix"' EXIT
tar -xzf "$tarball" -C "$prefix" --strip-components=1
for path in bin/dictate-app share/applications/dictate-app.desktop share/icons/hicolor/256x256/apps/dictate-app.png; do
  [ -e "$prefix/$path" ] || { echo "error: $tarball lacks $path" >&2; exit 1; }
done

DICTATE_BUNDLE=$prefix/bin/dictate-app .venv/bin/python -m pytest tests/packaging -ra
finished=$(date +%s)
echo "packaging CI: build $((built - started)) s, frozen tests $((finished - built)) s, total $((finished - started)) s"
