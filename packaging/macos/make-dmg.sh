#!/usr/bin/env bash
# Build Dictate.app and wrap it in a drag-to-Applications disk image (macOS only: hdiutil).
#
#   bash packaging/macos/make-dmg.sh cpu|full
#     -> dist/<flavour>/Dictate.app and dist/dictate-<version>-macos-<arch>-<flavour>.dmg
#
# Not run here (no macOS); never run by its authors. The .app comes from packaging/dictate.spec's
# BUNDLE: Info.plist has NSMicrophoneUsageDescription (macOS asks for the microphone with that text
# and ends an app without it), LSUIElement (a menu-bar agent app: no Dock icon) and the bundle id
# io.github.dictate-app. The global hotkey needs Input Monitoring and the paste Accessibility
# (System Settings > Privacy & Security); no Info.plist key asks for these: Dictate asks at start.
#
# Signing, and what keeps those permissions across an update. macOS stores each grant against the
# app's designated requirement (DR), which codesign derives from the bundle id and the signature:
# - CODESIGN_IDENTITY set (a Developer ID, or any certificate kept in your keychain and used for
#   every build, e.g. a self-signed "Dictate Local Signing" code-signing certificate): the DR is
#   "identifier io.github.dictate-app and this certificate", the same for every version, so
#   Accessibility and Input Monitoring survive updates.
# - unset: signed ad hoc ("-"). An ad hoc DR is the code's hash, which every build changes: after an
#   update the old entries stay listed and switched on but no longer match (Handy #1234, #1618); the
#   user removes Dictate from both lists (minus button) and allows it again. The microphone grant
#   is kept by bundle id either way. Gatekeeper wants a right-click > Open on the first start of
#   anything not notarized.
# Keep the bundle id unchanged forever: a new id is a new app to macOS (every grant asked again).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(uname -s)" = Darwin ] || { echo "error: make-dmg.sh runs on macOS (hdiutil)" >&2; exit 1; }
flavour=${1:-}
case "$flavour" in cpu|full) ;; *) echo "usage: bash packaging/macos/make-dmg.sh cpu|full" >&2; exit 2 ;; esac

# The bundle: the same build as on Linux (build venv, PyInstaller; no tarball on macOS).
bash packaging/build.sh "$flavour"
app=dist/$flavour/Dictate.app
[ -d "$app" ] || { echo "error: $app was not built" >&2; exit 1; }

plist=$app/Contents/Info.plist
for key in NSMicrophoneUsageDescription LSUIElement CFBundleIdentifier; do
  /usr/libexec/PlistBuddy -c "Print :$key" "$plist" >/dev/null || { echo "error: Info.plist lacks $key" >&2; exit 1; }
done
[ "$(/usr/libexec/PlistBuddy -c "Print :CFBundleIdentifier" "$plist")" = io.github.dictate-app ] \
  || { echo "error: the bundle id changed: every user would have to grant the permissions again" >&2; exit 1; }

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
  # Hardened runtime for notarization (its entitlements: the microphone, libffi closures); the
  # whole app is (re)signed deep with the one identity.
  codesign --force --deep --options runtime --timestamp --entitlements packaging/macos/entitlements.plist \
    --sign "$CODESIGN_IDENTITY" "$app"
else
  # Ad hoc at least: Apple silicon runs no unsigned code, and a sealed bundle is what TCC records.
  echo "note: signing ad hoc; Accessibility/Input Monitoring must be granted again after each update" >&2
  codesign --force --deep --sign - "$app"
fi
codesign --verify --deep --strict "$app"
codesign --display --requirements - "$app" 2>&1 | sed -n 's/^designated => /designated requirement: /p'

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
