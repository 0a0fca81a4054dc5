#!/bin/sh
# The README's app command: Dictate from this checkout, for this user, in the flavour that fits
# the machine, on PATH and in the desktop menu. Idempotent: run it again after `git pull`.
#
#   sh tools/install-app.sh             everything below, then prints how to start Dictate
#   sh tools/install-app.sh plan        only print the flavour it would install, and why
#   sh tools/install-app.sh launcher    only the launcher and the menu entry (for an existing .venv)
#
# Flavour: full (funasr + PyTorch with CUDA, several GB) when `nvidia-smi -L` lists a GPU, so
# SenseVoice runs on it; else cpu (the int8 ONNX model, no PyTorch, about 0.5 GB). FLAVOUR=cpu or
# FLAVOUR=full chooses. Steps: tools/system-packages.sh app, python3 -m venv .venv, the flavour's
# pinned requirements (full: torch==2.13.0 first, with its NVIDIA libraries), then the launcher:
# ~/.local/bin/dictate-app (a link to .venv/bin/dictate-app) and
# ~/.local/share/applications/dictate-app.desktop with its icon, as the .deb installs them.
# VENV (default .venv in this checkout) is the virtual environment to use.
set -eu
cd "$(dirname "$0")/.."
repo=$(pwd)
venv=${VENV:-$repo/.venv}
data=${XDG_DATA_HOME:-$HOME/.local/share}
bin=$HOME/.local/bin

case ${FLAVOUR:-} in
  ''|cpu|full) ;;
  *) echo "error: FLAVOUR=$FLAVOUR is not cpu or full" >&2; exit 2 ;;
esac

flavour() {
  if [ -n "${FLAVOUR:-}" ]; then
    echo "$FLAVOUR chosen with FLAVOUR"
  elif command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then
    echo "full because nvidia-smi lists a GPU: SenseVoice runs on it with PyTorch (FLAVOUR=cpu for the small one)"
  else
    echo "cpu because no NVIDIA GPU was found: the int8 ONNX model on the CPU (FLAVOUR=full for PyTorch)"
  fi
}

launcher() {
  [ -x "$venv/bin/dictate-app" ] || { echo "error: $venv/bin/dictate-app is missing; run sh tools/install-app.sh" >&2; exit 1; }
  mkdir -p "$bin" "$data/applications" "$data/icons/hicolor/256x256/apps"
  ln -sfn "$venv/bin/dictate-app" "$bin/dictate-app"
  cp packaging/linux/dictate-app.png "$data/icons/hicolor/256x256/apps/dictate-app.png"
  # The menu does not read the login shell's PATH: the entry names the launcher by its full path.
  sed "s|^Exec=dictate-app|Exec=$bin/dictate-app|" packaging/linux/dictate-app.desktop \
    > "$data/applications/dictate-app.desktop"
  echo "dictate-app is in $bin and in the applications menu (Dictate)"
  case ":$PATH:" in
    *":$bin:"*) ;;
    *) echo "note: $bin is not on this shell's PATH yet (Debian and Ubuntu add it at the next login); until then run $bin/dictate-app" ;;
  esac
}

case "${1:-all}" in
  plan) echo "flavour: $(flavour)"; exit 0 ;;
  launcher) launcher; exit 0 ;;
  all) ;;
  *) echo "usage: sh tools/install-app.sh [plan|launcher]" >&2; exit 2 ;;
esac

choice=$(flavour)
echo "flavour: $choice"
sh tools/system-packages.sh app
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
case $choice in
  full*) "$venv/bin/pip" install torch==2.13.0 && "$venv/bin/pip" install --no-deps -r requirements/app.txt ;;
  *) "$venv/bin/pip" install --no-deps -r requirements/cpu.txt ;;
esac
launcher
