#!/usr/bin/env bash
# Build Dictate.app and wrap it in a drag-to-Applications disk image (macOS only: hdiutil).
#
#   bash packaging/macos/make-dmg.sh cpu|full
#     -> dist/<flavour>/Dictate.app and dist/dictate-<version>-macos-<arch>-<flavour>.dmg
#
# Not run in CI (no macOS there). The .app comes from packaging/dictate.spec's BUNDLE: Info.plist
# has NSMicrophoneUsageDescription (macOS asks for the microphone with that text and ends an app
# without it) and LSUIElement (a menu-bar app: no Dock icon). The first global hotkey needs the
# user to allow Dictate under System Settings > Privacy & Security > Input Monitoring and
# Accessibility (paste); macOS has no Info.plist key that asks for these.
#
# Unsigned: Gatekeeper then wants a right-click > Open on first start. To sign and notarize, set
# CODESIGN_IDENTITY ("Developer ID Application: ...") and run the notarytool step printed below.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(uname -s)" = Darwin ] || { echo "error: make-dmg.sh runs on macOS (hdiutil)" >&2; exit 1; }
flavour=${1:-}
case "$flavour" in cpu|full) ;; *) echo "usage: bash packaging/macos/make-dmg.sh cpu|full" >&2; exit 2 ;; esac

# The bundle: the same build as on Linux (build venv, PyInstaller; no tarball on macOS).
bash packaging/build.sh "$flavour"
app=dist/$flavour/Dictate.app
[ -d "$app" ] || { echo "error: $app was not built" >&2; exit 1; }
/usr/libexec/PlistBuddy -c "Print :NSMicrophoneUsageDescription" "$app/Contents/Info.plist" >/dev/null

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
  # Hardened runtime for notarization; PyInstaller signs the bundle's parts with the same identity
  # when built with codesign_identity, here the whole app is (re)signed deep.
  codesign --force --deep --options runtime --timestamp --sign "$CODESIGN_IDENTITY" "$app"
fi

version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' dictate_app/__init__.py)
dmg=dist/dictate-$version-macos-$(uname -m)-$flavour.dmg
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -R "$app" "$stage/"
ln -s /Applications "$stage/Applications"  # drag the app onto this link to install
# UDZO: zlib-compressed, read-only, opens on every supported macOS. -ov replaces an old image.
hdiutil create -volname "Dictate $version" -srcfolder "$stage" -fs HFS+ -format UDZO -ov "$dmg"
echo "built $dmg ($(du -h "$dmg" | cut -f1))"
if [ -n "${CODESIGN_IDENTITY:-}" ]; then
  codesign --sign "$CODESIGN_IDENTITY" --timestamp "$dmg"
  echo "notarize: xcrun notarytool submit $dmg --keychain-profile PROFILE --wait && xcrun stapler staple $dmg"
fi
