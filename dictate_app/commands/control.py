"""``dictate-app toggle|start|stop|cancel|status [--json]``: control the running tray app.

For desktops where Dictate has no hotkey backend (`dictate-app doctor` says which) and for window
managers: bind these commands to keys in the desktop's own keyboard settings. ``start`` begins a
recording if none is running, ``stop`` ends it (the words are recognised and inserted),
``toggle`` does whichever applies, ``cancel`` throws the recording away, ``status`` prints the state.
``start --hands-free`` starts a recording that stops by itself after a pause (the ``auto_stop_s``
setting, 2 s when it is off) and inserts the words: no second command needed.

While recording, ``status --json`` carries the words so far (README "Live words"): ``partial``
(everything the popup shows, provisional words included), ``partial_final`` (the closed segments'
words, which will not change) and ``partial_tags``; all three are null otherwise.
"""

from __future__ import annotations

import json

from dictate_app.errors import DictateError

ACTIONS = {
    "toggle": "start dictating, or stop and insert the words",
    "start": "start dictating; nothing happens if already recording",
    "stop": "stop dictating and insert the words",
    "cancel": "stop dictating and throw the recording away",
    "status": "print what the running Dictate is doing",
}


class NotRunningError(DictateError):
    """No tray app to talk to."""


def register(subparsers) -> None:
    for action, text in ACTIONS.items():
        parser = subparsers.add_parser(action, help=f"{text}, in the running tray app")
        parser.add_argument("--json", action="store_true", help="print the reply as JSON")
        if action == "start":
            parser.add_argument("--hands-free", action="store_true",
                                help="stop by itself after a pause of speech and insert the words")
        parser.set_defaults(run=run, control_action=action)


def describe(reply: dict) -> str:
    """One human line for a status reply."""
    parts = [reply.get("phase", "?")]
    if reply.get("model"):
        parts.append(f"model {reply['model']}")
    if reply.get("mode"):
        parts.append(f"{reply['mode']} mode")
    if reply.get("hotkey"):
        parts.append(f"hotkey {reply['hotkey']}")
    if reply.get("partial"):
        parts.append(f"so far: {reply['partial']}")
    return ", ".join(parts)


def run(args) -> int:
    from dictate_app.app.single_instance import send

    command = "start-hands-free" if getattr(args, "hands_free", False) else args.control_action
    reply = send(command)
    if reply is None:
        raise NotRunningError("Dictate is not running: start it with `dictate-app` first.")
    if args.json:
        print(json.dumps(reply, ensure_ascii=False))
        return 0 if reply.get("ok") else 1
    if not reply.get("ok"):
        raise DictateError(reply.get("error") or "The running Dictate refused the command.")
    print(describe(reply))
    return 0
