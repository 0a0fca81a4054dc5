#!/usr/bin/env bash
# The Debian package of a built bundle (packaging/build.sh runs this on Linux after the tarball):
#
#   bash packaging/linux/make-deb.sh cpu|full
#
# In:  dist/<flavour>/dictate/ (the one-folder bundle).
# Out: dist/dictate-app_<version>_<arch>.deb (cpu) or dist/dictate-app-full_<version>_<arch>.deb
#      (full: the same files, so the two packages conflict and either replaces the other).
# Layout: /usr/lib/dictate-app/ (the bundle), /usr/bin/dictate-app (a link into it), the menu
# entry in /usr/share/applications/, the icon in /usr/share/icons/hicolor/256x256/apps/, the
# copyright and changelog in /usr/share/doc/<package>/. No maintainer scripts: the menu and icon
# caches are refreshed by the triggers of desktop-file-utils and hicolor-icon-theme.
# Depends: the system packages whose libraries the bundle links (check-deb.sh fails when a library
# resolved outside the bundle belongs to a package that is neither here nor a dependency of one).
set -euo pipefail
cd "$(dirname "$0")/../.."

flavour=${1:-}
case "$flavour" in
  cpu) package=dictate-app; other=dictate-app-full ;;
  full) package=dictate-app-full; other=dictate-app ;;
  *) echo "usage: bash packaging/linux/make-deb.sh cpu|full" >&2; exit 2 ;;
esac
bundle=dist/$flavour/dictate
[ -x "$bundle/dictate-app" ] || { echo "error: $bundle/dictate-app is missing: run bash packaging/build.sh $flavour first" >&2; exit 1; }
command -v dpkg-deb >/dev/null || { echo "error: dpkg-deb is missing (Debian/Ubuntu: apt install dpkg)" >&2; exit 1; }
version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' dictate_app/__init__.py)
arch=$(dpkg --print-architecture)
# The newest glibc symbol version any file of the bundle needs (PyInstaller's bootloader, Python,
# the wheels' libraries): the oldest libc6 the package can run on.
glibc=$(find "$bundle" -type f \( -name '*.so*' -o -name dictate-app \) -exec objdump -T {} + 2>/dev/null \
  | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
# Run time, beside libc6: the libraries the bundle links from the system (check-deb.sh checks
# every one it resolves outside the bundle comes from these or their own dependencies): ALSA,
# fontconfig and FreeType on purpose (dictate.spec's SYSTEM_LIBRARIES); OpenGL/EGL, libdrm, libxcb
# and the Wayland client libraries that Qt's platform plugins link and PyInstaller leaves to the
# system; xdotool presses the paste keys and types on X11. Recommends: the route from ALSA to
# PulseAudio/PipeWire, typing on wlroots Wayland, Qt's EGL buffers on Wayland, and fonts for the
# popup's emoji and CJK text.
depends="libc6 (>= $glibc), libasound2, libfontconfig1, libfreetype6, libgl1, libegl1, libdrm2, libxcb1, libwayland-client0, libwayland-cursor0, xdotool"
# Who answers for the package: set DEB_MAINTAINER when publishing (the default is a placeholder).
maintainer=${DEB_MAINTAINER:-Dictate contributors <dictate-app@users.noreply.github.com>}
recommends="libasound2-plugins | pipewire-alsa, wtype, libwayland-egl1, fonts-noto-color-emoji, fonts-wqy-microhei | fonts-noto-cjk"

stage=build/deb-$flavour
root=$stage/root
rm -rf "$stage"
mkdir -p "$root/DEBIAN" "$root/usr/lib" "$root/usr/bin" "$root/usr/share/applications" \
  "$root/usr/share/icons/hicolor/256x256/apps" "$root/usr/share/doc/$package"
cp -a "$bundle" "$root/usr/lib/dictate-app"
ln -s ../lib/dictate-app/dictate-app "$root/usr/bin/dictate-app"
install -m 644 packaging/linux/dictate-app.desktop "$root/usr/share/applications/"
install -m 644 packaging/linux/dictate-app.png "$root/usr/share/icons/hicolor/256x256/apps/"
install -m 644 packaging/linux/copyright "$root/usr/share/doc/$package/copyright"
printf '%s (%s) unstable; urgency=medium\n\n  * Built from the Dictate repository (packaging/build.sh %s).\n\n -- %s  %s\n' \
  "$package" "$version" "$flavour" "$maintainer" "$(date -R -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")" \
  | gzip -9n > "$root/usr/share/doc/$package/changelog.gz"
# Debian policy: directories 755, files 644 or 755 (executables), owned by root (--root-owner-group).
find "$root" -type d -exec chmod 755 {} +
find "$root/usr" -type f -exec chmod go-w {} +
# Shared libraries are loaded, not run: no execute bit (lintian's shared-library-is-executable;
# PyInstaller keeps the wheels' modes). The bundle is otherwise byte for byte the tarball's.
find "$root/usr/lib/dictate-app" -type f -name '*.so*' -exec chmod 644 {} +
# Installed-Size is in KiB (policy 5.6.20): the sum of the files' sizes, as dpkg-gencontrol counts.
size=$(du -sk --apparent-size "$root/usr" | cut -f1)
cat > "$root/DEBIAN/control" <<EOF
Package: $package
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: $depends
Recommends: $recommends
Conflicts: $other
Replaces: $other
Section: utils
Priority: optional
Description: offline push-to-talk dictation (SenseVoice, $flavour build)
 Hold a key (F9 by default), speak, release: the words appear in the focused
 window, and a small popup shows the language, emotion and sounds it heard.
 Speech recognition runs on this computer (SenseVoiceSmall); the model is
 downloaded on first start. Also a command line (dictate-app transcribe, serve).
EOF
# gzip -6 (as the tarball), not xz: several times faster on the 2-core CI machine for a package of
# libraries that xz shrinks only a little more.
deb=dist/${package}_${version}_$arch.deb
dpkg-deb --root-owner-group -Zgzip -z6 --build "$root" "$deb" >/dev/null
rm -rf "$stage"  # 325 MB (cpu) to 1 GB (full) of copies
echo "== $deb: $(du -h "$deb" | cut -f1), installed $((size / 1024)) MiB"
