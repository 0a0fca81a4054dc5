"""The pieces of :mod:`dictate_app.audio.recorder` that run on its worker thread
(:mod:`dictate_app.audio.recorder_worker`).

:func:`open_stream` opens a microphone (by name, with the user-facing errors and a re-enumeration
retry) and :class:`Take` is one recording in progress: its blocks, timing, level, live segments,
tail and length limit, turned into a :class:`Recording` at the end (re-exported by :mod:`dictate_app.audio.recorder`).
"""

from __future__ import annotations

import concurrent.futures
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import numpy as np

from dictate_app.audio import portaudio, sources
from dictate_app.audio.blocks import block_age
from dictate_app.audio.convert import MODEL_RATE, resample
from dictate_app.audio.level import LevelMeter
from dictate_app.audio.spoken import SpokenAudio
from dictate_app.errors import MicrophoneError

if TYPE_CHECKING:
    from dictate_app.audio.vad import SpeechStream

# Blocks of 20 ms: a smooth level meter and VAD feed, little per-block overhead.
BLOCK_S = 0.02
# Opening on demand: a gap longer than this is worth a line in the recording's warnings.
LOST_WARN_MS = 150.0
# The length-limit warning comes this long before the limit (at most a fifth of the limit).
MAX_WARNING_S = 15.0


@dataclass(frozen=True)
class Recording:
    """One push-to-talk recording, ready for the model."""

    samples: np.ndarray  # 16 kHz mono float32 in [-1, 1], pre-roll + speech + tail
    sample_rate: int  # always 16000
    duration_s: float
    microphone_name: str
    start_latency_ms: float  # start() -> first block captured (0 when the stream was already open)
    lost_ms: float  # audio known to be missing (stream not live yet when opening on demand)
    microphone_lost: bool  # the device vanished mid-recording; samples hold what was captured
    hit_max_length: bool
    warnings: tuple[str, ...]
    preroll_ms: float = 0.0  # audio from before start() at the head of ``samples``
    tail_ms: float = 0.0  # audio from after stop() at the end of ``samples``
    # Live VAD segments (``on_segment``) were emitted from ``samples[:tail_start]``; the rest is
    # the unemitted tail (from the open segment's start), which holds speech only if ``tail_has_speech``.
    tail_start: int = 0
    tail_has_speech: bool = True
    # Where the open segment's speech (plus pad) ended if its pause had begun, else None (to the end).
    tail_end: int | None = None
    # True when the live VAD analysed all of ``samples`` (it was loaded before the last block), so
    # its segments and ``tail_*`` describe the whole recording; False: no live VAD ran on it.
    segmented: bool = False
    # 16 kHz samples dropped from the head while recording (already handed out as live segments:
    # ``Recorder.start(drop_spoken=True)``); ``samples`` and the ``tail_*`` positions start after them.
    head_dropped: int = 0


class StreamHandle:
    """An open, started input stream with what the recorder needs to know about it."""

    def __init__(self, stream, name: str, rate: int, notes: list[str],
                 release: Callable[[], None] = lambda: None, channels: int = 1) -> None:
        self.stream = stream
        self.name = name
        self.rate = rate
        self.channels = channels  # the callback hands over raw bytes: frames x channels float32
        self.notes = notes  # things the user should hear about (a fallback device)
        self._release = release  # un-names the sound server's source (audio.sources.hold_source)

    def close(self) -> None:
        """Stop at once (abort: nothing after this point is wanted) and release the device."""
        try:
            getattr(self.stream, "abort", self.stream.stop)()
        except Exception:  # a vanished device fails to stop; closing still frees it
            pass
        try:
            self.stream.close()
        except Exception:
            pass
        self._release()
        portaudio.track_stream(False)


def _open_error(name: str, exc: BaseException) -> MicrophoneError:
    return MicrophoneError(f'the microphone "{name}" could not be opened ({exc}); check that it is '
                           "connected and not in use by another program")


def open_stream(microphone: str | None, factory, callback: Callable, finished: Callable,
                start: bool = True, block_s: float = BLOCK_S) -> StreamHandle:
    """Open and start an input stream on ``microphone`` (a name, or None for the system default).

    With the default factory the device is looked up by name (falling back to the system default,
    with a note, when the named one is gone); a failure to open re-enumerates the devices once
    and retries, since PortAudio's list may be stale. Raises :class:`MicrophoneError`.
    ``start=False`` opens without starting (no audio is captured): see :func:`warm_up`.
    ``block_s``: the block length (an injected factory gets it as the keyword ``block_s``).
    """
    if factory is not None:  # an injected stream (tests): it knows its own name and rate
        try:
            stream = factory(device=microphone, samplerate=None, channels=1, dtype="float32",
                             blocksize=0, block_s=block_s, callback=callback, finished_callback=finished)
            stream.start()
        except Exception as exc:
            raise _open_error(microphone or "default", exc) from exc
        portaudio.track_stream(True)
        return StreamHandle(stream, str(getattr(stream, "device_name", microphone or "default")),
                            int(stream.samplerate), [], channels=int(getattr(stream, "channels", 1)))

    sd = portaudio.sounddevice()
    source = sources.server_source(microphone)  # "pulse:<name>": the sound server's source, by its stable name
    last_error: BaseException | None = None
    for attempt in range(3 if source else 2):
        if attempt:
            portaudio.refresh_devices()  # a no-op while another stream is open
        notes: list[str] = []
        if source and attempt == 2:  # that source is gone (unplugged): the default, and say so
            notes.append(f'the microphone "{source}" was not found; using the system default instead')
            source, microphone = None, None
        try:
            info = (_server_device() if source else None) or portaudio.find_input_device(microphone)
        except MicrophoneError:
            if not microphone:
                raise
            info = portaudio.find_input_device(None)
            notes.append(f'the microphone "{microphone}" was not found; using "{info.name}" instead')
        rate = int(info.default_rate)
        try:
            sd.check_input_settings(device=info.index, samplerate=rate, channels=1, dtype="float32")
            channels = 1
        except Exception:  # some hardware devices only open in stereo; we down-mix
            channels = min(2, info.channels)
        try:
            release = sources.hold_source(source)  # named to the sound server while the stream is open
            # Raw: the callback gets PortAudio's buffer, not a numpy array made for it at every
            # block; measured on the bench with a callback that does nothing, 20 ms blocks: 1.13 %
            # of a core with InputStream, 0.67 % with RawInputStream (issue 26, idle CPU).
            stream = sd.RawInputStream(device=info.index, samplerate=rate, channels=channels,
                                    dtype="float32", blocksize=int(rate * block_s),
                                    callback=callback, finished_callback=finished)
            if start:
                stream.start()
        except Exception as exc:  # sd.PortAudioError and its kin: a device that went away
            release()
            last_error = _open_error(microphone if source else info.name, exc)
            continue
        portaudio.track_stream(True)
        return StreamHandle(stream, microphone if source else info.name, rate, notes, release, channels)
    assert last_error is not None
    raise last_error


def _server_device():
    """PortAudio's device that reaches the sound server (``pulse``, else ``default``), or None."""
    listed = {d.name: d for d in portaudio.list_input_devices()}
    return next((listed[name] for name in sources.SERVER_DEVICES if name in listed), None)


def warm_up(microphone: str | None) -> None:
    """Open and close the device without starting it, so the first real open is fast.

    Measured on the bench: the first ``InputStream`` of a process takes 140-220 ms to open (ALSA
    reads its configuration, loads the pulse plugin and connects), later ones 1-8 ms. Nothing is
    captured: the stream is never started. Failures are left for the real open to report.
    """
    try:
        open_stream(microphone, None, lambda *args: None, lambda: None, start=False).close()
    except Exception:  # no device now: start() will say so in one sentence
        pass


def _seconds(value: float) -> str:
    if value < 10:
        return f"{value:.1f} s"
    minutes, seconds = divmod(int(round(value)), 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


class Take:
    """One recording in progress, fed with mono float32 blocks at the device rate."""

    def __init__(self, rate: int, microphone_name: str, t_start: float, opened_on_demand: bool,
                 notes: list[str], *, tail_s: float, max_s: float, metered: bool,
                 segmenter: "SpeechStream | None" = None, drop_spoken: bool = False) -> None:
        """``tail_s``/``max_s``: the recorder's release tail and length limit; ``metered``: someone
        listens to the level (the recorder's ``on_level``), so the take measures it."""
        self.rate = rate
        self.microphone_name = microphone_name
        self.t_start = t_start
        self.opened_on_demand = opened_on_demand
        self.tail_samples = int(round(tail_s * rate))
        self.max_samples = int(round(max_s * rate))
        self.warn_at = int(round(max(max_s - MAX_WARNING_S, max_s * 0.8) * rate))
        self.max_s = max_s
        self.chunks: list[np.ndarray] = []
        self.samples = 0
        self.preroll_samples = 0
        self.first_arrival: float | None = None
        self.start_latency_ms = 0.0
        self.lost_ms = 0.0
        self.future: concurrent.futures.Future | None = None
        self.stop_at: int | None = None
        self.tail_start: int | None = None
        self.microphone_lost = False
        self.hit_max_length = False
        self.overflows = 0
        self.warnings: list[str] = list(notes)
        self._fresh: list[str] = list(notes)
        self._warned_max = False
        self._meter = LevelMeter(rate) if metered else None
        self._levels: list[tuple[float, float]] = []
        self._segmenter = segmenter
        # This take's segment consumers (the recorder sets them; None: nobody listens).
        self.on_segment: Callable[[np.ndarray], None] | None = None
        self.on_provisional: Callable[[np.ndarray], None] | None = None
        self.on_pause: Callable[[float, bool], None] | None = None
        self._fed16 = 0  # 16 kHz samples handed to the segmenter
        self._analysed = False  # the segmenter was loaded at the last feed: it analysed everything
        self._segments: list[np.ndarray] = []
        self._provisional: list[np.ndarray] = []
        self._resampler = None
        # No time limit (audio.spoken): the 16 kHz audio the segmenter is fed, minus what it handed out.
        self.drop_spoken = drop_spoken and segmenter is not None
        self._spoken = SpokenAudio()
        if segmenter is not None:
            segmenter.reset()
            if rate != MODEL_RATE:
                import soxr

                # Streaming soxr at the same quality as convert.resample: the same samples, but
                # produced block by block while the speaker is still talking.
                self._resampler = soxr.ResampleStream(rate, MODEL_RATE, 1, dtype="float32", quality="HQ")

    # ---- feeding -------------------------------------------------------------------------------

    def add_preroll(self, ring: list[np.ndarray], keep: int) -> None:
        """Put the last ``keep`` samples captured before key-down at the head of the take."""
        if not ring or keep <= 0:
            return
        audio = np.concatenate(ring)[-keep:]
        self.add_head(audio, audio.size)

    def add_head(self, audio: np.ndarray, preroll: int) -> None:
        """Put ``audio`` at the head of the take: its first ``preroll`` samples were captured before
        key-down, the rest after it by a stream kept ready (:class:`audio.handover.HandOver`)."""
        if audio.size == 0:
            return
        self._keep(audio)
        self.samples += audio.size
        self.preroll_samples = preroll
        self._feed_segmenter(audio)

    def add_block(self, mono: np.ndarray, arrival: float, age: float, overflow: bool,
                  metered: bool = False) -> None:
        """Append one block captured by the device (``age``: how long ago its first sample was);
        ``metered``: :meth:`meter` has measured its level already."""
        if self.first_arrival is None:
            self.first_arrival = arrival
            if self.opened_on_demand:
                self.start_latency_ms = (arrival - self.t_start) * 1000.0
                age = block_age(age, mono.size, self.rate)
                self.lost_ms = max(0.0, (arrival - age - self.t_start) * 1000.0)
                if self.lost_ms > LOST_WARN_MS:  # in the recording's warnings, not a live nag
                    self.warnings.append(f"the microphone took {self.lost_ms:.0f} ms to open, so the first "
                               f"{self.lost_ms:.0f} ms were not recorded; turn on \"keep microphone "
                               "ready\" to avoid this")
        if overflow:
            self.overflows += 1
        room = self.max_samples - self.kept_samples()
        if mono.size >= room:
            mono = mono[:room]
            self.hit_max_length = True
            self._warn(f"the recording reached its {_seconds(self.max_s)} limit and stopped; "
                       "what was said until then is kept")
        self._keep(mono)
        self.samples += mono.size
        if not metered:
            self.meter(mono)
        self._feed_segmenter(mono)
        if not self._warned_max and self.future is None and self.kept_samples() >= self.warn_at \
                and not self.hit_max_length:
            self._warned_max = True
            left = (self.max_samples - self.kept_samples()) / self.rate
            self._warn(f"the recording stops in {_seconds(left)} (limit {_seconds(self.max_s)}); "
                       "release the key to keep what you said")

    def meter(self, mono: np.ndarray) -> None:
        """Measure a block's level (for :meth:`levels`), if anyone listens to it."""
        if self._meter is not None:
            self._levels.extend(self._meter.feed(mono))

    def _keep(self, audio: np.ndarray) -> None:
        """Device-rate audio for the result, unless the take keeps its 16 kHz audio instead."""
        if not self.drop_spoken:
            self.chunks.append(audio)

    def kept_samples(self) -> int:
        """Device-rate samples held in memory: what the length limit bounds. A take that drops
        its spoken audio holds only what its live segments have not handed out yet."""
        if not self.drop_spoken:
            return self.samples
        return self.samples - int(self._spoken.head * self.rate / MODEL_RATE)

    def _feed_segmenter(self, audio: np.ndarray) -> None:
        if self._segmenter is None or audio.size == 0:
            return
        audio16 = self._resampler.resample_chunk(audio) if self._resampler is not None else audio
        if self.drop_spoken:
            self._spoken.add(audio16)
        self._fed16 += audio16.size
        # Loaded before this feed means feed() analyses everything queued so far (loading only
        # ever goes one way), so the segments then describe all the audio up to here.
        self._analysed = self._segmenter.loaded
        self._segments.extend(self._segmenter.feed(audio16, defer_until_loaded=True))
        self._provisional.extend(self._segmenter.provisional())
        if self.drop_spoken and self._analysed:
            self._spoken.drop_until(self._segmenter.settled_until)

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        self._fresh.append(message)

    # ---- what the worker collects after each block ---------------------------------------------

    def levels(self) -> list[tuple[float, float]]:
        out, self._levels = self._levels, []
        return out

    def segments(self) -> list[np.ndarray]:
        out, self._segments = self._segments, []
        return out

    def provisional(self) -> list[np.ndarray]:
        out, self._provisional = self._provisional, []
        return out

    def new_warnings(self) -> list[str]:
        out, self._fresh = self._fresh, []
        return out

    # ---- stopping ------------------------------------------------------------------------------

    def request_stop(self, future: concurrent.futures.Future) -> None:
        """Key up: the take ends once ``tail_s`` of silence follows the last word.

        The tail exists only to catch a word cut by an early release. When the live VAD has
        already heard silence at the end, that much of the tail is no longer needed: a user who
        lets go 0.3 s after the last word gets the recording at once instead of 0.25 s later.
        """
        self.future = future
        self.tail_start = self.samples
        heard = int(self.silence_heard_s() * self.rate)
        self.stop_at = self.samples + max(0, self.tail_samples - heard)

    def silence_heard_s(self) -> float:
        """Seconds of silence the live VAD has heard at the end of the take (0 without a VAD,
        while speech may still be going on, or while audio waits for the VAD to load)."""
        seg = self._segmenter
        if seg is None or not self._analysed:
            return 0.0
        from dictate_app.audio.vad import STREAM_WINDOW

        analysed = self._fed16 - self._fed16 % STREAM_WINDOW  # the rest waits for a whole window
        pad = seg.pad_windows * STREAM_WINDOW
        if seg.in_speech:
            if seg.tail_end is None:
                return 0.0  # no pause yet: the speaker may be mid-word
            speech_end = seg.tail_end - pad
        else:  # no open segment: silence since the last emitted one (or since the start)
            speech_end = max(0, seg.emitted_until - pad) if seg.emitted_until else 0
        return max(0, analysed - speech_end) / MODEL_RATE

    def speech_heard(self) -> bool:
        """True once the live VAD has heard speech in this take (a segment emitted or open)."""
        seg = self._segmenter
        return seg is not None and (seg.emitted_until > 0 or seg.in_speech)

    def tail_complete(self) -> bool:
        """After key up: ``tail_s`` of silence follows the last word, or (for a take whose live
        segments are consumed) the open segment is complete (:meth:`segment_complete`)."""
        return self.stop_at is not None and (self.samples >= self.stop_at or self.segment_complete())

    def segment_complete(self) -> bool:
        """True when the live VAD has heard the open segment's pause begin, so its audio (to
        ``tail_end``) is all in, and this take's segments have a consumer. That consumer transcribes
        the tail only up to ``tail_end`` (:meth:`IncrementalTranscriber.finish_recording`), so
        capturing more only delays the text: with the app's 250 ms tail and a release 150 ms
        after the last word, by about 0.1 s (issue 26). Speech that would resume after a pause of
        ``pad_ms`` once the key is up is not waited for; a release mid-word still is."""
        seg = self._segmenter
        return (self.on_segment is not None and seg is not None and self._analysed
                and seg.in_speech and seg.tail_end is not None)

    def captured_s(self) -> float:
        return self.samples / self.rate

    def result(self) -> "Recording":
        """The finished recording: resampled to 16 kHz with soxr, clipped to [-1, 1]."""
        if self.drop_spoken:
            flushed = self._resampler.resample_chunk(np.zeros(0, np.float32), last=True) \
                if self._resampler is not None else None
            samples = self._spoken.samples(flushed)
        else:
            audio = np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.float32)
            samples = np.clip(resample(audio, self.rate, MODEL_RATE), -1.0, 1.0).astype(np.float32)
        head = self._spoken.head
        warnings = list(self.warnings)
        if self.overflows:
            warnings.append(f"the computer was too busy {self.overflows} time(s) and some audio "
                            "was dropped")
        tail = (self.samples - self.tail_start) if self.tail_start is not None else 0
        return Recording(
            samples=samples, sample_rate=MODEL_RATE, duration_s=(head + samples.size) / MODEL_RATE,
            microphone_name=self.microphone_name, start_latency_ms=self.start_latency_ms,
            lost_ms=self.lost_ms, microphone_lost=self.microphone_lost,
            hit_max_length=self.hit_max_length, warnings=tuple(warnings),
            preroll_ms=max(0.0, self.preroll_samples * 1000.0 / self.rate - head * 1000.0 / MODEL_RATE),
            tail_ms=tail * 1000.0 / self.rate,
            # The live segmenter's positions are positions in ``samples``: the streaming resampler
            # yields the same samples as the batch one above.
            # After a drop, a closed segment's end may lie before the head: the tail is then silence.
            tail_start=max(0, self._segmenter.tail_start - head) if self._segmenter is not None else 0,
            tail_end=self._segmenter.tail_end - head
            if self._segmenter is not None and self._segmenter.tail_end is not None else None,
            tail_has_speech=self._segmenter.speech_pending if self._segmenter is not None else True,
            segmented=self._segmenter is not None and self._analysed, head_dropped=head,
        )
