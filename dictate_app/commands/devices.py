"""``dictate-app devices``: the input devices, marking the system default and the one in use."""

from __future__ import annotations

import json

from dictate_app.commands.options import add_microphone_option
from dictate_app.errors import DeviceError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "devices", help="list microphones (* system default, > the one in use)",
        description="List the input devices PortAudio sees. '*' marks the system default and "
                    "'>' the one Dictate records from (--microphone, else the saved setting, else "
                    "the default).")
    add_microphone_option(parser)
    parser.add_argument("--json", action="store_true", help="one JSON object per device")
    parser.set_defaults(run=run)


def run(args) -> int:
    from dictate_app.audio.devices import find_input_device, list_input_devices

    found = list_input_devices(refresh=True)
    if not found:
        from dictate_app.audio.devices import NO_MICROPHONE

        raise DeviceError(NO_MICROPHONE)
    from dictate_app.commands.listen import microphone

    in_use = find_input_device(microphone(args)).index
    for device in found:
        if args.json:
            print(json.dumps(dict(device.to_dict(), in_use=device.index == in_use), ensure_ascii=False))
            continue
        marks = ("*" if device.is_default else " ") + (">" if device.index == in_use else " ")
        print(f"{marks} {device.name}  ({device.hostapi}, {device.channels} ch, "
              f"{device.default_rate:g} Hz)")
    return 0
