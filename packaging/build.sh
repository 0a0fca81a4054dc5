#!/usr/bin/env bash
# Build Dictate's one-folder bundle and the Linux tarball:
#
#   bash packaging/build.sh cpu     ONNX int8 backend, no torch (the default download)
#   bash packaging/build.sh full    plus funasr and torch (GPU users; whichever torch pip gives)
#
# Steps: a build venv per flavour (build/venv-<flavour>: the flavour's lock + requirements/
# packaging.txt, installed with --no-deps; re-created only when those files change), then
# PyInstaller with packaging/dictate.spec (its work directory is kept, so a rebuild re-analyses
# only what changed), then on Linux dist/dictate-<version>-linux-x86_64-<flavour>.tar.gz.
#
# Out: dist/<flavour>/dictate/ (the bundle; dictate-app inside is the executable) and the tarball.
# Environment: PYTHON (default python3; `python` on Windows), NICE (default "nice -n 10": the build
# is CPU-heavy and the machine shared; NICE= turns it off). Runs in Git Bash on Windows too (the
# GitHub workflow): the venv's programs are in Scripts\ there, and no tarball is made.
# PACKAGES=no: the bundle only, no tarball or .deb (packaging/ci.sh's full flavour, whose bundle is
# what the frozen tests run; its packages take about 4 minutes to compress on the 2-core machine).
set -euo pipefail
cd "$(dirname "$0")/.."

flavour=${1:-}
case "$flavour" in
  cpu) locks=(requirements/cpu.txt) ;;
  full) locks=(requirements/app.txt) ;;
  *) echo "usage: bash packaging/build.sh cpu|full" >&2; exit 2 ;;
esac
[ -f "${locks[0]}" ] || { echo "error: ${locks[0]} is missing; the $flavour flavour is built from it" >&2; exit 1; }
PYTHON=${PYTHON:-python3}
NICE=${NICE-nice -n 10}
venv=build/venv-$flavour
bin=$venv/bin
case "$(uname -s)" in MINGW*|MSYS*|CYGWIN*) bin=$venv/Scripts ;; esac
version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' dictate_app/__init__.py)
started=$(date +%s)

# ---- the build venv -------------------------------------------------------------------------
# sha256sum (GNU: Linux, Git Bash) or shasum (macOS).
if command -v sha256sum >/dev/null; then sha=(sha256sum); else sha=(shasum -a 256); fi
stamp=$(cat "${locks[@]}" requirements/packaging.txt | "${sha[@]}" | cut -c1-16)
if [ "$(cat "$venv/.stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "== build venv $venv (${locks[*]} + requirements/packaging.txt)"
  rm -rf "$venv"
  "$PYTHON" -m venv "$venv"
  if [ "$flavour" = full ]; then
    # As the README's install: torch with its own dependencies first (on Linux that brings the
    # CUDA libraries where pip serves the CUDA wheel), then the lock without dependencies.
    torch_pin=$(grep -E '^torch==' requirements/app.txt)
    "$bin/pip" install -q "$torch_pin"
  fi
  "$bin/pip" install -q --no-deps "${locks[@]/#/-r}" -r requirements/packaging.txt
  echo "$stamp" > "$venv/.stamp"
fi

# ---- PyInstaller ----------------------------------------------------------------------------
echo "== PyInstaller ($flavour)"
# No DISPLAY during analysis: nothing may depend on one (pynput's backend is a hidden import).
# shellcheck disable=SC2086  # $NICE is a command prefix: split on purpose (empty: none)
env -u DISPLAY -u WAYLAND_DISPLAY QT_QPA_PLATFORM=offscreen \
  $NICE "$bin/python" -m PyInstaller --noconfirm --log-level WARN \
    --distpath "dist/$flavour" --workpath "build/pyinstaller-$flavour" \
    packaging/dictate.spec -- --flavour "$flavour"
bundle=dist/$flavour/dictate
"$bundle/dictate-app" --version

# ---- the Linux tarball ----------------------------------------------------------------------
if [ "$(uname -s)" = Linux ] && [ "${PACKAGES:-yes}" != no ]; then
  name=dictate-$version-linux-$(uname -m)-$flavour
  stage=build/tarball-$flavour/$name
  rm -rf "build/tarball-$flavour"
  # A prefix layout: unpacked into ~/.local (or /usr/local, /opt/...) every file lands where the
  # desktop looks for it, so no install script is needed (README.txt says how).
  mkdir -p "$stage/bin" "$stage/lib" "$stage/share/applications" "$stage/share/icons/hicolor/256x256/apps"
  cp -a "$bundle" "$stage/lib/dictate-app"
  ln -s ../lib/dictate-app/dictate-app "$stage/bin/dictate-app"
  cp packaging/linux/dictate-app.desktop "$stage/share/applications/"
  cp packaging/linux/dictate-app.png "$stage/share/icons/hicolor/256x256/apps/"
  # The cpu build has no torch: it needs sherpa-onnx's int8 conversion of the model.
  hint=""; [ "$flavour" = cpu ] && hint=" --format onnx-int8"
  sed -e "s/@VERSION@/$version/g" -e "s/@FLAVOUR@/$flavour/g" -e "s/@MODEL_HINT@/$hint/g" \
    packaging/linux/README.txt > "$stage/README.txt"
  tarball=dist/$name.tar.gz
  # shellcheck disable=SC2086  # as above
  $NICE tar -C "build/tarball-$flavour" -czf "$tarball" "$name"
  rm -rf "build/tarball-$flavour"  # a second copy of the bundle: 305 MB (cpu) to 1 GB (full)
  echo "== sizes"
  du -sh "$bundle" "$tarball"
  # The Debian package beside the tarball, from the same bundle (where dpkg-deb exists).
  if command -v dpkg-deb >/dev/null; then
    bash packaging/linux/make-deb.sh "$flavour"
  fi
fi
echo "== done in $(( $(date +%s) - started )) s: $bundle"
