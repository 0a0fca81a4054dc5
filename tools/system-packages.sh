#!/bin/sh
# Install the Debian/Ubuntu packages Dictate needs. Idempotent; fast when all are present.
#   sh tools/system-packages.sh app    what the app needs at run time
#   sh tools/system-packages.sh test   plus the real-desktop test benches (Xvfb; headless sway; PulseAudio,
#                                      espeak-ng; a D-Bus session bus and xdg-desktop-portal; shellcheck and
#                                      lintian for packaging/lint.sh and the .deb check)
set -eu
APP="python3-venv libportaudio2 libasound2-plugins xsel xdotool wtype
 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0
 libxcb-xkb1 libxcb-randr0 libxcb-cursor0 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3
 fonts-noto-color-emoji fonts-wqy-microhei fonts-dejavu-core"
TEST="$APP xvfb x11-utils x11-xserver-utils xclip imagemagick xterm openbox trayer
 pulseaudio pulseaudio-utils alsa-utils espeak-ng sox desktop-file-utils
 sway wl-clipboard grim dbus xdg-desktop-portal
 shellcheck lintian"
case "${1:-app}" in
  app) WANT=$APP ;;
  test) WANT=$TEST ;;
  *) echo "usage: sh tools/system-packages.sh app|test" >&2; exit 2 ;;
esac
MISSING=""
for pkg in $WANT; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || MISSING="$MISSING $pkg"
done
[ -z "$MISSING" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
echo "installing system packages:$MISSING" >&2
$SUDO apt-get update -qq
# shellcheck disable=SC2086  # the package list is split on purpose
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $MISSING >/dev/null
