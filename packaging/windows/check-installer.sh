#!/usr/bin/env bash
# Windows (Git Bash, the GitHub runner): install the built installer for real, per user and
# silently, check what it put where; or uninstall it and check what is left.
#
#   bash packaging/windows/check-installer.sh install cpu     -> prints the installed CLI's path
#   bash packaging/windows/check-installer.sh uninstall cpu
#
# install: both executables in %LOCALAPPDATA%\Programs\Dictate, the Start menu entry. A marker
#   file is left in the user data folder (%LOCALAPPDATA%\dictate-app) for the uninstall check.
# uninstall: the program folder and the Start menu entry are gone, the start-at-sign-in Run value
#   too, and the user data folder is still there (a silent uninstall never deletes history).
set -euo pipefail
cd "$(dirname "$0")/../.."
action=${1:-}
flavour=${2:-cpu}
case "$action" in install|uninstall) ;; *) echo "usage: bash packaging/windows/check-installer.sh install|uninstall cpu|full" >&2; exit 2 ;; esac
version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' dictate_app/__init__.py)
local_app_data=$(cygpath -u "$LOCALAPPDATA")
app=$local_app_data/Programs/Dictate
menu=$(cygpath -u "$APPDATA")/Microsoft/Windows/Start\ Menu/Programs/Dictate
data=$local_app_data/dictate-app
fail() { echo "check-installer: $*" >&2; exit 1; }

if [ "$action" = install ]; then
  setup=dist/dictate-$version-windows-x64-$flavour-setup.exe
  [ -f "$setup" ] || fail "$setup is missing: run bash packaging/windows/make-installer.sh $flavour"
  MSYS_NO_PATHCONV=1 "$setup" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /CURRENTUSER /TASKS=autostart /LOG=build/install.log
  for path in "$app/Dictate.exe" "$app/dictate-app.exe" "$app/unins000.exe" "$menu/Dictate.lnk"; do
    [ -f "$path" ] || fail "$path is missing after the install (log: build/install.log)"
  done
  MSYS_NO_PATHCONV=1 reg query 'HKCU\Software\Microsoft\Windows\CurrentVersion\Run' /v dictate-app >/dev/null \
    || fail "the start-at-sign-in task wrote no Run value"
  mkdir -p "$data" && echo kept > "$data/uninstall-marker.txt"
  echo "$app/dictate-app.exe"
  exit 0
fi

MSYS_NO_PATHCONV=1 "$app/unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART
# The uninstaller runs on from a copy in %TEMP% and returns at once: wait for it to finish.
for _ in $(seq 120); do [ -e "$app/Dictate.exe" ] || break; sleep 1; done
for path in "$app/Dictate.exe" "$app/dictate-app.exe" "$app/_internal" "$menu/Dictate.lnk"; do
  [ ! -e "$path" ] || fail "$path is left after the uninstall"
done
if MSYS_NO_PATHCONV=1 reg query 'HKCU\Software\Microsoft\Windows\CurrentVersion\Run' /v dictate-app >/dev/null 2>&1; then
  fail "the Run value dictate-app is left after the uninstall"
fi
[ -f "$data/uninstall-marker.txt" ] || fail "the silent uninstall deleted the user data in $data"
echo "check-installer: uninstalled; the user data in $data was kept"
