"""PortAudio's input devices: list them, pick one by name or the system default, re-enumerate
after changes (the microphones as users know them are in :mod:`dictate_app.audio.sources`).

PortAudio reads the device list once, when it initialises (at ``import sounddevice``), so a
microphone plugged in later, or an audio server started later, is invisible until PortAudio is
re-initialised; that is only allowed with no stream open (python-sounddevice #125, #382).
:func:`refresh_devices` does it (about 40 ms with ALSA) and :func:`track_stream` counts open streams.

Devices are selected by **name**, not index: indices change when devices come and go, names are
stable across restarts. Every failure is a :class:`MicrophoneError` with one sentence for the user.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from types import ModuleType

from dictate_app.errors import MicrophoneError

NO_PORTAUDIO = (
    "the PortAudio audio library is not installed; install it (Debian/Ubuntu: "
    "`sudo apt install libportaudio2`) and try again"
)
NO_MICROPHONE = "no microphone was found; connect one (or start the audio server) and try again"

_lock = threading.Lock()
_open_streams = 0


@dataclass(frozen=True)
class InputDevice:
    """One capture device as PortAudio lists it."""

    index: int
    name: str
    hostapi: str
    channels: int
    default_rate: float
    is_default: bool

    def to_dict(self) -> dict[str, object]:
        return {"index": self.index, "name": self.name, "hostapi": self.hostapi,
                "channels": self.channels, "default_rate": self.default_rate,
                "is_default": self.is_default}


def sounddevice() -> ModuleType:
    """Import sounddevice, turning a missing PortAudio library into a :class:`MicrophoneError`."""
    try:
        import sounddevice as sd
    except OSError as exc:  # "PortAudio library not found": the Linux wheel does not bundle it
        raise MicrophoneError(NO_PORTAUDIO) from exc
    except ImportError as exc:
        raise MicrophoneError("the Python package sounddevice is missing; reinstall Dictate") from exc
    return sd


def track_stream(opened: bool) -> None:
    """Count a stream as opened (True) or closed (False), so a refresh never pulls one's rug."""
    global _open_streams
    with _lock:
        _open_streams = max(0, _open_streams + (1 if opened else -1))


def open_stream_count() -> int:
    """How many streams opened through :func:`track_stream` are still open."""
    with _lock:
        return _open_streams


def refresh_devices() -> bool:
    """Re-initialise PortAudio so it sees devices added or removed since it started.

    Returns False, and changes nothing, while a stream is open (re-initialising would close it
    under its owner's feet).
    """
    sd = sounddevice()
    with _lock:
        if _open_streams:
            return False
        sd._terminate()
        sd._initialize()
    return True


def _default_input_index(sd: ModuleType) -> int | None:
    try:
        info = sd.query_devices(kind="input")
    except (sd.PortAudioError, ValueError):  # "Error querying device -1": no default input
        return None
    return int(info["index"])


def list_input_devices(refresh: bool = False) -> list[InputDevice]:
    """All devices with at least one input channel; ``refresh`` re-enumerates first when it can."""
    sd = sounddevice()
    if refresh:
        refresh_devices()
    default = _default_input_index(sd)
    hostapis = [api["name"] for api in sd.query_hostapis()]
    found = []
    for info in sd.query_devices():
        if info["max_input_channels"] <= 0:
            continue
        found.append(InputDevice(
            index=int(info["index"]), name=str(info["name"]), hostapi=hostapis[info["hostapi"]],
            channels=int(info["max_input_channels"]), default_rate=float(info["default_samplerate"]),
            is_default=int(info["index"]) == default,
        ))
    return found


def _match(devices: list[InputDevice], name: str) -> InputDevice | None:
    """Exact name, then case-insensitive, then a unique case-insensitive substring."""
    for same in (lambda d: d.name == name, lambda d: d.name.lower() == name.lower()):
        hits = [d for d in devices if same(d)]
        if hits:
            return hits[0]
    hits = [d for d in devices if name.lower() in d.name.lower()]
    return hits[0] if len(hits) == 1 else None


def find_input_device(name: str | None = None) -> InputDevice:
    """The device called ``name`` (or the system default when ``name`` is None or empty).

    Re-enumerates once when the device is not in PortAudio's list (it may have been plugged in
    since start-up). Raises :class:`MicrophoneError` when there is no such device or no input at all.
    """
    for attempt in range(2):
        devices = list_input_devices(refresh=attempt > 0)
        if name:
            hit = _match(devices, name)
        else:
            # No default but some inputs (PortAudio sometimes reports none): take the first.
            hit = next((d for d in devices if d.is_default), devices[0] if devices else None)
        if hit is not None:
            return hit
    if not devices:
        raise MicrophoneError(NO_MICROPHONE)
    names = ", ".join(f'"{d.name}"' for d in devices)
    raise MicrophoneError(f'no microphone is called "{name}"; the available ones are {names} '
                          "(`dictate-app devices` lists them)")
