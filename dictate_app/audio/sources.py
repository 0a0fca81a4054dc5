"""Microphones by the names people know, kept by an id that survives reboots and re-plugging.

On a Linux desktop the sound server (PulseAudio, or PipeWire through pipewire-pulse) owns the
microphones; PortAudio only sees ALSA's view of it: ``pulse`` and ``default`` (both the server's
default source) and raw ``hw:`` devices the server already holds. So "System default", "pulse"
and "default" were three names for one thing, and the USB headset had no name at all. Here the
server's sources are listed with its own descriptions ("Built-in Audio Analog Stereo", "USB
Headset Mono"), from ``pactl -f json list sources`` (pulseaudio-utils 16, which Debian 12 has;
pipewire-pulse answers the same protocol).

A source is kept as ``pulse:<source name>``. The name is the server's stable one, built from the
card's bus path and serial (``alsa_input.usb-Logitech_USB_Headset_0123-00.mono-fallback``): the same
after a reboot or a re-plug, unlike PortAudio's index or the order of the list. Recording from it
opens PortAudio's ``pulse`` device with ``PULSE_SOURCE`` set to that name while the stream is
open (:func:`hold_source`, used by :func:`dictate_app.audio.capture.open_stream`): libpulse reads
the variable whenever the ALSA plugin creates its server stream.

Without a sound server (Windows, macOS, a bare ALSA system) the PortAudio device names are the
names and the ids, as before; ``""`` is the system default everywhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dictate_app.errors import MicrophoneError

SERVER_PREFIX = "pulse:"
SYSTEM_DEFAULT = "System default"
# PortAudio/ALSA names that are only other names for the system default.
DEFAULT_ALIASES = frozenset({"default", "sysdefault", "pulse", "pipewire"})
PACTL_TIMEOUT_S = 2.0
# PortAudio devices that reach the sound server through libpulse (libasound2-plugins), best first.
SERVER_DEVICES = ("pulse", "default")
ENV_SOURCE = "PULSE_SOURCE"
_env_lock = threading.Lock()
_holds: list[tuple[object, str]] = []  # streams open on a named source, oldest first
_outside: list[str | None] = [None]  # PULSE_SOURCE as it was before the first of them

Runner = Callable[..., subprocess.CompletedProcess]
_run: Runner = subprocess.run  # tests replace it


@dataclass(frozen=True)
class Microphone:
    """One microphone: ``id`` is what the settings keep and ``--microphone`` accepts, ``label``
    what people read. ``id`` ``""`` is the system default."""

    id: str
    label: str
    is_default: bool = False

    @property
    def server_source(self) -> str | None:
        """The sound server's source name, for ids of the ``pulse:`` form."""
        return self.id[len(SERVER_PREFIX):] if self.id.startswith(SERVER_PREFIX) else None

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "label": self.label, "is_default": self.is_default}


def _pactl(run: Runner | None, *args: str) -> str | None:
    run = run or _run
    try:
        done = run(["pactl", *args], capture_output=True, text=True, timeout=PACTL_TIMEOUT_S)
    except (OSError, subprocess.SubprocessError):  # no pactl, or a server that hangs
        return None
    return done.stdout if done.returncode == 0 else None


def server_microphones(run: Runner | None = None) -> list[Microphone] | None:
    """The sound server's sources that are microphones, default first; None when no sound server
    answers (or pactl is missing or too old for JSON). A sink's monitor ("Monitor of ...") is left
    out unless the user made it the default source."""
    listing = _pactl(run, "-f", "json", "list", "sources")
    if listing is None:
        return None
    try:
        sources = json.loads(listing)
    except ValueError:
        return None
    default = (_pactl(run, "get-default-source") or "").strip()
    found = []
    for source in sources if isinstance(sources, list) else []:
        name = str(source.get("name") or "")
        properties = source.get("properties") or {}
        monitor = properties.get("device.class") == "monitor" or name.endswith(".monitor")
        if not name or (monitor and name != default):
            continue
        label = str(source.get("description") or name)
        found.append(Microphone(SERVER_PREFIX + name, label, name == default))
    return sorted(found, key=lambda mic: not mic.is_default)


def portaudio_microphones() -> list[Microphone]:
    """PortAudio's input devices by name, the aliases of the default left out (the system
    default entry stands for them)."""
    from dictate_app.audio.portaudio import list_input_devices

    return [Microphone(d.name, d.name, d.is_default) for d in list_input_devices(refresh=True)
            if d.name.lower() not in DEFAULT_ALIASES]


def list_microphones(run: Runner | None = None) -> list[Microphone]:
    """"System default" first, then the sound server's microphones (else PortAudio's devices)."""
    found = server_microphones(run)
    if found is None:
        found = portaudio_microphones()
    default = next((mic.label for mic in found if mic.is_default), None)
    label = f"{SYSTEM_DEFAULT} ({default})" if default else SYSTEM_DEFAULT
    return [Microphone("", label, False), *found]


def find_microphone(given: str | None, run: Runner | None = None) -> Microphone:
    """The microphone ``given`` names: an id (``pulse:...``, a PortAudio name) or a label, exact,
    then case-insensitive, then a unique part of one ("USB"). None, ``""`` and the default's
    aliases are the system default. Raises :class:`MicrophoneError` naming the choices."""
    if not given or given.lower() in DEFAULT_ALIASES or given.lower() == SYSTEM_DEFAULT.lower():
        return Microphone("", SYSTEM_DEFAULT)
    mics = list_microphones(run)[1:]
    text = given.lower()
    for same in (lambda m: given in (m.id, m.label), lambda m: text in (m.id.lower(), m.label.lower())):
        hits = [mic for mic in mics if same(mic)]
        if hits:
            return hits[0]
    hits = [mic for mic in mics if text in mic.label.lower()]
    if len(hits) == 1:
        return hits[0]
    if given.startswith(SERVER_PREFIX):  # unplugged now: recording falls back to the default, with a note
        return Microphone(given, given[len(SERVER_PREFIX):])
    if not hits:  # a PortAudio name (saved by an older version, or a raw ALSA device): still valid
        from dictate_app.audio.portaudio import find_input_device

        try:
            device = find_input_device(given)
            return Microphone(device.name, device.name, device.is_default)
        except MicrophoneError:
            pass
    names = ", ".join(f'"{mic.label}"' for mic in mics) or "none"
    why = "matches more than one" if hits else "is not one of them"
    raise MicrophoneError(f'"{given}" {why}: the microphones are {names} (`dictate-app devices` lists them '
                          "with their ids)")


def microphone_choices(listing: Callable[[], Sequence[Microphone]], current: str | None
                       ) -> tuple[list[Microphone], str]:
    """What a microphone menu or box offers: ``listing()`` (System default first, as
    :func:`list_microphones` gives), plus ``current`` when it is not plugged in now (so the saved
    choice is shown and kept, not silently replaced); and why listing failed, else ``""``."""
    try:
        mics, why = list(listing()), ""
    except Exception as exc:  # no PortAudio, no sound server: the system default still records
        mics, why = [], str(exc)
    if not mics or mics[0].id != "":
        mics.insert(0, Microphone("", SYSTEM_DEFAULT))
    if current and all(mic.id != current for mic in mics):
        mics.append(Microphone(current, f"{server_source(current) or current} (not connected)"))
    return mics, why


def server_source(microphone: str | None) -> str | None:
    """The sound server's source name in a ``pulse:`` id, else None."""
    if microphone and microphone.startswith(SERVER_PREFIX):
        return microphone[len(SERVER_PREFIX):]
    return None


def hold_source(source: str | None) -> Callable[[], None]:
    """Name ``source`` to libpulse (``PULSE_SOURCE``) until the returned function is called.

    ALSA's pulse plugin creates the server stream at prepare, which PortAudio runs when it opens
    the device (measured on a private PulseAudio 16.1: the variable restored right after the open
    still records from the named source). It stays named until the stream closes because
    PortAudio prepares the device again to recover from an overrun, and that new server stream
    must not land on the default source. Only record streams read it, so the cue sounds are
    unaffected; one recording is open at a time.
    """
    if source is None:
        return lambda: None
    token = object()
    with _env_lock:
        if not _holds:
            _outside[:] = [os.environ.get(ENV_SOURCE)]  # the user's own value, put back at the end
        _holds.append((token, source))
        os.environ[ENV_SOURCE] = source

    def release() -> None:
        with _env_lock:
            _holds[:] = [hold for hold in _holds if hold[0] is not token]
            value = _holds[-1][1] if _holds else _outside[0]
            if value is None:
                os.environ.pop(ENV_SOURCE, None)
            else:
                os.environ[ENV_SOURCE] = value

    return release
