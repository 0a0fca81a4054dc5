#!/usr/bin/env bash
# Windows (Git Bash, as on the GitHub runner): the Inno Setup installer of a built bundle.
#
#   bash packaging/build.sh cpu && bash packaging/windows/make-installer.sh cpu
#     -> dist/dictate-<version>-windows-x64-<flavour>-setup.exe
#
# The version comes from dictate_app/__init__.py (/DAppVersion), so the installer and the bundle
# always agree. iscc is looked up on PATH and in Inno Setup 6's default folders; where it is
# missing and Chocolatey exists (GitHub's Windows runners), `choco install innosetup` installs it.
# Signing (not done here: it needs the publisher's certificate) is in packaging/README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
flavour=${1:-}
case "$flavour" in cpu|full) ;; *) echo "usage: bash packaging/windows/make-installer.sh cpu|full" >&2; exit 2 ;; esac
version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' dictate_app/__init__.py)

find_iscc() {
  command -v iscc 2>/dev/null && return
  local candidate
  for candidate in "/c/Program Files (x86)/Inno Setup 6/ISCC.exe" "/c/Program Files/Inno Setup 6/ISCC.exe"; do
    [ -f "$candidate" ] && { echo "$candidate"; return; }
  done
}
iscc=$(find_iscc || true)
if [ -z "$iscc" ] && command -v choco >/dev/null; then
  choco install innosetup --yes --no-progress >/dev/null
  iscc=$(find_iscc || true)
fi
[ -n "$iscc" ] || { echo "error: Inno Setup 6 (iscc) is missing: install it from jrsoftware.org (or choco install innosetup)" >&2; exit 1; }
# MSYS_NO_PATHCONV: Git Bash would otherwise rewrite the /D... switches as if they were paths.
MSYS_NO_PATHCONV=1 "$iscc" /Qp "/DFlavour=$flavour" "/DAppVersion=$version" packaging/windows/dictate.iss
ls -l "dist/dictate-$version-windows-x64-$flavour-setup.exe"
