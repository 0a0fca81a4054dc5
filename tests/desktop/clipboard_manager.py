"""A clipboard manager for the desktop tests: it reads every new CLIPBOARD at once, as Klipper,
CopyQ, GPaste and clipit do, and logs what it read.

XFixes tells it each time the clipboard gets a new owner; it then asks for TARGETS and the text
(UTF8_STRING) right away, from its own X client. With ``--honour-hint`` it skips content that
carries ``x-kde-passwordManagerHint`` (KDE's convention, which Klipper and CopyQ honour) and logs
``skipped`` instead. Each log line is ``read <text as JSON>`` or ``skipped``.

    python tests/desktop/clipboard_manager.py LOG [--honour-hint]
"""

from __future__ import annotations

import argparse
import json
import sys

from Xlib import X
from Xlib import display as xdisplay
from Xlib.ext import xfixes

HINT = "x-kde-passwordManagerHint"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("log")
    parser.add_argument("--honour-hint", action="store_true")
    args = parser.parse_args()
    disp = xdisplay.Display()
    disp.xfixes_query_version()
    root = disp.screen().root
    window = root.create_window(0, 0, 1, 1, 0, X.CopyFromParent)
    atoms = {name: disp.intern_atom(name) for name in ("CLIPBOARD", "TARGETS", "UTF8_STRING", HINT, "MANAGER_PROP")}
    disp.xfixes_select_selection_input(root, atoms["CLIPBOARD"], xfixes.XFixesSetSelectionOwnerNotifyMask)
    disp.sync()
    print("ready", flush=True)

    def fetch(target: str):
        window.convert_selection(atoms["CLIPBOARD"], atoms[target], atoms["MANAGER_PROP"], X.CurrentTime)
        disp.flush()
        while True:
            event = disp.next_event()
            if event.type == X.SelectionNotify:
                if event.property == X.NONE:
                    return None
                prop = window.get_full_property(atoms["MANAGER_PROP"], X.AnyPropertyType, sizehint=1 << 20)
                window.delete_property(atoms["MANAGER_PROP"])
                return prop.value if prop is not None else None

    owner_changed = disp.extension_event.SetSelectionOwnerNotify  # (type, sub code)
    with open(args.log, "a", encoding="utf-8") as log:
        while True:
            event = disp.next_event()
            if (event.type, getattr(event, "sub_code", None)) != owner_changed or event.owner in (X.NONE, window.id):
                continue
            targets = fetch("TARGETS")
            if args.honour_hint and targets is not None and atoms[HINT] in list(targets):
                log.write("skipped\n")
                log.flush()
                continue
            text = fetch("UTF8_STRING")
            if text is not None:
                value = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
                log.write(f"read {json.dumps(value, ensure_ascii=False)}\n")
                log.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
