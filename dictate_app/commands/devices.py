"""``dictate-app devices``: the input devices, marking the system default and the one in use."""

from __future__ import annotations

import json

from dictate_app.errors import DeviceError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "devices", help="list microphones (* system default, > the one in use)",
        description="List the input devices PortAudio sees. '*' marks the system default and "
                    "'>' the one Dictate records from (the --device name, else the default).")
    parser.add_argument("--device", metavar="NAME", default=None,
                        help="the microphone name to mark as in use (as given to `listen --device`)")
    parser.add_argument("--json", action="store_true", help="one JSON object per device")
    parser.set_defaults(run=run)


def run(args) -> int:
    from dictate_app.audio.devices import find_input_device, list_input_devices

    found = list_input_devices(refresh=True)
    if not found:
        from dictate_app.audio.devices import NO_MICROPHONE

        raise DeviceError(NO_MICROPHONE)
    in_use = find_input_device(args.device).index
    for device in found:
        if args.json:
            print(json.dumps(dict(device.to_dict(), in_use=device.index == in_use), ensure_ascii=False))
            continue
        marks = ("*" if device.is_default else " ") + (">" if device.index == in_use else " ")
        print(f"{marks} {device.name}  ({device.hostapi}, {device.channels} ch, "
              f"{device.default_rate:g} Hz)")
    return 0
