#!/usr/bin/env bash
# Install or remove the Debian package for real and check the result (as root; packaging/ci.sh and
# the GitHub workflow run it around the frozen tests):
#
#   bash packaging/linux/check-deb.sh install dist/dictate-app_<version>_<arch>.deb
#   bash packaging/linux/check-deb.sh remove dist/dictate-app_<version>_<arch>.deb
#
# install: `apt-get install ./<deb>` (apt resolves Depends), then: dictate-app on PATH is
#   /usr/bin/dictate-app and runs; the menu entry and the icon are where the desktop looks and the
#   entry validates; every library the bundle's programs link resolves (in the bundle or from a
#   package the control file depends on); Installed-Size matches what dpkg put on disk; lintian
#   (when installed) reports no errors.
# remove: `apt-get remove`, then nothing of the package is left: no /usr/lib/dictate-app, no
#   /usr/bin/dictate-app, no menu entry, no icon.
set -euo pipefail
cd "$(dirname "$0")/../.."
action=${1:-}
deb=${2:-}
case "$action" in install|remove) ;; *) echo "usage: bash packaging/linux/check-deb.sh install|remove DEB" >&2; exit 2 ;; esac
[ -f "$deb" ] || { echo "error: $deb is not a file: build it with bash packaging/build.sh cpu" >&2; exit 1; }
package=$(dpkg-deb --field "$deb" Package)
FILES=(/usr/bin/dictate-app /usr/share/applications/dictate-app.desktop
       /usr/share/icons/hicolor/256x256/apps/dictate-app.png /usr/lib/dictate-app/dictate-app)
LINTIAN_SUPPRESSED=embedded-library,custom-library-search-path,unstripped-binary-or-object,library-not-linked-against-libc,missing-depends-on-sensible-utils
fail() { echo "check-deb: $*" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

if [ "$action" = remove ]; then
  apt-get remove -y -qq "$package" >/dev/null
  if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q ' installed'; then fail "$package is still installed"; fi
  for path in "${FILES[@]}" /usr/lib/dictate-app; do
    if [ -e "$path" ] || [ -L "$path" ]; then fail "$path is left after apt remove"; fi
  done
  echo "check-deb: $package removed, nothing left in /usr/lib/dictate-app, /usr/bin, the menu or the icons"
  exit 0
fi

if command -v lintian >/dev/null; then
  # Errors fail, warnings are printed. Suppressed: what a PyInstaller bundle is by design, not
  # ours to change in third-party wheels' libraries: Python, Qt and the wheels' own copies of
  # libraries (embedded-library), their $ORIGIN rpaths (custom-library-search-path), their debug
  # symbols (unstripped-binary-or-object: the bundle ships as built and tested, like the tarball),
  # a few of them not linking libc directly (library-not-linked-against-libc), and libmount/
  # libblkid's mention of sensible-pager, which they never run here (missing-depends-on-sensible-utils).
  lintian --fail-on error --suppress-tags "$LINTIAN_SUPPRESSED" "$deb" || fail "lintian reports errors in $deb"
fi
apt-get install -y -qq "./$deb" >/dev/null
for path in "${FILES[@]}"; do
  [ -e "$path" ] || fail "$path is missing after installing $deb"
done
[ "$(command -v dictate-app)" = /usr/bin/dictate-app ] || fail "dictate-app on PATH is $(command -v dictate-app), not /usr/bin/dictate-app"
dictate-app --version >/dev/null || fail "dictate-app --version failed"
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate /usr/share/applications/dictate-app.desktop || fail "the installed menu entry does not validate"
fi
grep -qx 'Exec=dictate-app' /usr/share/applications/dictate-app.desktop || fail "the menu entry does not run dictate-app from PATH"
grep -qx 'Icon=dictate-app' /usr/share/applications/dictate-app.desktop || fail "the menu entry's icon is not dictate-app"
# Every ELF file of the bundle finds every library it links: in the bundle (rpath or PyInstaller's
# own lookup through _internal) or on the system. "not found" means a missing Depends. Except two
# Qt plugins Qt loads only where their libraries are there by nature: the GTK 3 theme (GNOME,
# which has GTK 3) and Wayland's EGL buffers (a Wayland session; libwayland-egl1 is Recommended,
# and Qt falls back to shared-memory buffers without it).
internal=/usr/lib/dictate-app/_internal
elf_files() {
  find /usr/lib/dictate-app -type f \( -name '*.so*' -o -name dictate-app \) \
    -not -path '*/plugins/platformthemes/libqgtk3.so' \
    -not -path '*/plugins/wayland-graphics-integration-client/libqt-plugin-wayland-egl.so' -print0
}
linked=$(elf_files | LD_LIBRARY_PATH=$internal xargs -0 ldd 2>/dev/null)
missing=$(grep 'not found' <<<"$linked" | sort -u || true)
[ -z "$missing" ] || fail "libraries not found (add their packages to Depends in make-deb.sh):
$missing"
# ...and every library found outside the bundle belongs to a package of Depends or to one of
# their own dependencies: found here is not enough, this machine has many more packages.
names() { tr ',|' '\n' | sed 's/(.*//; s/:any//; s/ //g' | grep -v '^$' || true; }
direct=$(dpkg-deb --field "$deb" Depends | names)
allowed=$direct
for name in $direct; do
  allowed+=$'\n'$(dpkg-query -W -f='${Depends},${Pre-Depends}' "$name" 2>/dev/null | names)
done
while read -r lib; do
  owner=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "/usr$lib" 2>/dev/null || dpkg -S "${lib#/usr}" 2>/dev/null || true)
  owner=${owner%%:*}
  grep -qx "$owner" <<<"$allowed" || fail "$lib (package ${owner:-unknown}) is linked from the system but not in Depends"
done < <(awk '$2 == "=>" && $3 ~ /^\// {print $3}' <<<"$linked" | grep -v '^/usr/lib/dictate-app/' | sort -u)
size=$(dpkg-deb --field "$deb" Installed-Size)
actual=$(du -sk --apparent-size /usr/lib/dictate-app | cut -f1)
if [ "$actual" -gt "$size" ] || [ "$size" -gt $((actual + 1024)) ]; then fail "Installed-Size $size KiB, but /usr/lib/dictate-app holds $actual KiB"; fi
echo "check-deb: $package installed: /usr/bin/dictate-app on PATH, menu entry and icon in place, all libraries found, Installed-Size $size KiB"
