"""``dictate-app devices``: the input devices, marking the system default and the one in use."""

from __future__ import annotations

import json

from dictate_app.commands.options import add_microphone_option
from dictate_app.errors import MicrophoneError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "devices", help="list microphones (* system default, > the one in use)",
        description="List the microphones by the names the sound server gives them, with the id "
                    "Dictate keeps (stable across reboots and re-plugging). '*' marks the system "
                    "default and '>' the one Dictate records from (--microphone, else the saved "
                    "setting, else the default).")
    add_microphone_option(parser)
    parser.add_argument("--json", action="store_true", help="one JSON object per microphone")
    parser.set_defaults(run=run)


def run(args) -> int:
    from dictate_app.audio.sources import find_microphone, list_microphones
    from dictate_app.commands.listen import microphone

    mics = list_microphones()
    if len(mics) == 1:  # only "System default": no input at all
        from dictate_app.audio.portaudio import NO_MICROPHONE

        raise MicrophoneError(NO_MICROPHONE)
    in_use = find_microphone(microphone(args)).id
    for mic in mics:
        if args.json:
            print(json.dumps(dict(mic.to_dict(), in_use=mic.id == in_use), ensure_ascii=False))
            continue
        marks = ("*" if mic.is_default else " ") + (">" if mic.id == in_use else " ")
        print(f"{marks} {mic.label}" + (f"  ({mic.id})" if mic.id and mic.id != mic.label else ""))
    return 0
