"""``dictate-app doctor [--json]``: which desktop backend Dictate uses here and why, and for each
capability (hotkey, key kept from the app, focus identity, typing, paste, clipboard read
detection, clipboard-manager hint) whether it works, with the one thing to do where it does not.

Exit code 0 when everything works, 1 when something does not (scripts can check it).
"""

from __future__ import annotations

import json

from dictate_app.desktop.session import DESKTOP_CHOICES


def register(subparsers) -> None:
    parser = subparsers.add_parser("doctor", help="what works on this desktop (hotkey, typing, paste...) and how to fix what does not")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--desktop", choices=DESKTOP_CHOICES, default=None,
                        help="check this backend instead of the one the settings and the session choose")
    parser.set_defaults(run=run)


def _settings():
    """The saved hotkey and desktop settings (settings.ini), read without a GUI."""
    from dictate_app.app.settings_store import SettingsStore

    return SettingsStore().settings


def run(args) -> int:
    from dictate_app.app.single_instance import send
    from dictate_app.desktop.choose import build
    from dictate_app.desktop.doctor import format_text, report
    from dictate_app.desktop.session import choose

    settings = _settings()
    desktop = build(choose(args.desktop or settings.desktop))
    # A running Dictate holds the hotkey: probing the key from here would find it taken. Its own
    # hotkey rows (from the live listener) replace ours.
    running = send("status")
    desktop.hotkey.key = running.get("hotkey", settings.hotkey) if running else settings.hotkey
    data = report(desktop, running)
    desktop.close()
    print(json.dumps(data, ensure_ascii=False, indent=2) if args.json else format_text(data))
    return 0 if not data["problems"] else 1
