#!/usr/bin/env bash
# CI step for the packaging: lint what cannot run here, build both Linux flavours and test them
# frozen, as users get them.
#
#   bash packaging/ci.sh      (after the README's test command made .venv; as root, or sudo works)
#
# 1. packaging/lint.sh: the GitHub workflow (schema, every step a repository script), shellcheck.
# 2. cpu: packaging/build.sh cpu (build venv from requirements/cpu.txt, PyInstaller, the tarball,
#    the .deb). The tarball is unpacked into a temporary prefix as its README.txt says and its
#    linked bin/dictate-app run. The .deb is installed with apt (packaging/linux/check-deb.sh:
#    PATH, menu entry, icon, libraries, lintian), tests/packaging runs against /usr/bin/dictate-app
#    (--version, every command, transcribe with the fixture model's ONNX export, the smoke test of
#    the GitHub workflow, the tray app on the desktop bench), then apt remove and nothing is left.
# 3. full: packaging/build.sh full (torch==2.13.0, the CPU build pip finds on local disk, and
#    funasr), tests/packaging against dist/full/dictate (funasr transcription, `model export-onnx`
#    frozen, the tray app on funasr). The bundle only (PACKAGES=no): its tarball and .deb hold
#    the same bundle and take about 4 minutes to compress; the cpu ones test that packaging.
# FLAVOURS="cpu" limits the run to the cpu flavour (local use); CI runs both.
# Budget: the whole .ci/run under 30 minutes on the 2-core machine; the timings are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
[ -x .venv/bin/python ] || { echo "error: .venv is missing; run the README's test command first" >&2; exit 1; }
if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
FLAVOURS=${FLAVOURS:-cpu full}
version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' dictate_app/__init__.py)
timings=()
lap() { local now; now=$(date +%s); timings+=("$1 $((now - lap_start)) s"); lap_start=$now; }
lap_start=$started
frozen_tests() { DICTATE_BUNDLE=$1 .venv/bin/python -m pytest tests/packaging -m packaging -ra; }

# Free disk at each step: a CI run that ran out of it (objcopy in the full build, 2026-12-06)
# printed nothing that said how close it had been. The whole .ci/run peaks at about 5 GB.
disk_free() { df -h --output=avail . | tail -n 1 | tr -d ' '; }
echo "packaging CI: $(disk_free) free"

bash packaging/lint.sh
lap lint

# ---- cpu: the tarball and the .deb --------------------------------------------------------------
bash packaging/build.sh cpu
lap "cpu build (bundle, tarball, .deb)"

tarball=dist/dictate-$version-linux-$(uname -m)-cpu.tar.gz
deb=dist/dictate-app_${version}_$(dpkg --print-architecture).deb
prefix=$(mktemp -d "${TMPDIR:-/tmp}/dictate-prefix.XXXXXX")
cleanup() {
  rm -rf "$prefix"
  # A failed test must not leave the package installed on the CI machine.
  if dpkg-query -W -f='${Status}' dictate-app 2>/dev/null | grep -q ' installed'; then
    "${SUDO[@]}" apt-get remove -y -qq dictate-app >/dev/null || true
  fi
}
trap cleanup EXIT
tar -xzf "$tarball" -C "$prefix" --strip-components=1
for path in bin/dictate-app share/applications/dictate-app.desktop share/icons/hicolor/256x256/apps/dictate-app.png; do
  [ -e "$prefix/$path" ] || { echo "error: $tarball lacks $path" >&2; exit 1; }
done
# The tarball's lib/dictate-app is the same bundle the .deb holds (both copied from dist/cpu/dictate
# by build.sh): its own check is that the prefix layout runs through the bin/ link.
[ "$("$prefix/bin/dictate-app" --version)" = "dictate-app $version" ] || { echo "error: the tarball's bin/dictate-app does not run" >&2; exit 1; }

"${SUDO[@]}" bash packaging/linux/check-deb.sh install "$deb"
frozen_tests /usr/bin/dictate-app
"${SUDO[@]}" bash packaging/linux/check-deb.sh remove "$deb"
lap "cpu frozen tests (tarball, .deb installed, tests/packaging, removed)"

# ---- full: funasr and torch -------------------------------------------------------------------
if [[ " $FLAVOURS " == *" full "* ]]; then
  # A CI clone never rebuilds: the cpu build venv, PyInstaller's work and the bundle the packages
  # were made from (about 0.8 GB) go before the full flavour needs 2.7 GB of its own.
  if [ "${CI:-}" = true ]; then rm -rf build/venv-cpu build/pyinstaller-cpu dist/cpu; fi
  echo "full flavour: $(disk_free) free"
  PACKAGES=no bash packaging/build.sh full
  lap "full build (bundle)"
  frozen_tests dist/full/dictate
  lap "full frozen tests"
fi

echo "packaging CI ($FLAVOURS): ${timings[*]/%/;} total $(( $(date +%s) - started )) s, $(disk_free) free"
du -sh build dist 2>/dev/null | tr '\n' ' ' && echo
