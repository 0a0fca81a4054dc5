"""``dictate-app listen``: record from the microphone, transcribe, print the text and the tags.

The whole pipeline without Qt (capture, Silero trim, SenseVoice), and the first thing to run to
check a microphone. Recording stops on Enter, after ``--seconds``, or with ``--vad`` at the
first pause after speech; the model loads while you speak. A recording without speech prints
"no speech" and never reaches the model.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dictate_app.commands.options import add_microphone_option, add_model_options
from dictate_app.engine.base import LANGUAGE_CHOICES


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "listen", help="record from the microphone and print what was said (no tray, no Qt)",
        description="Record until Enter (or a pause with --vad), then transcribe and print the "
                    "text and SenseVoice's tags.")
    add_model_options(parser)
    add_microphone_option(parser)
    parser.add_argument("--vad", action="store_true", help="stop at the first pause after speech")
    parser.add_argument("--pause", type=float, default=0.8, metavar="S",
                        help="with --vad: the silence that ends the recording (default 0.8 s)")
    parser.add_argument("--seconds", type=float, default=None, metavar="S",
                        help="stop after this long (for scripts; Enter still stops earlier)")
    parser.add_argument("--max-seconds", type=float, default=300.0, metavar="S",
                        help="the longest recording (default 300 s; a warning comes before)")
    parser.add_argument("--language", choices=LANGUAGE_CHOICES, default="auto",
                        help="the spoken language; auto (default): the model detects it")
    parser.add_argument("--no-itn", dest="itn", action="store_false",
                        help="no punctuation or inverse text normalisation")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(run=run)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class _Meter:
    """A one-line level meter on a terminal's stderr (nothing when stderr is not a terminal)."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.started = time.monotonic()

    def __call__(self, rms: float, peak: float) -> None:
        if self.enabled:
            bar = "#" * min(30, int(peak * 30 + 0.5))
            sys.stderr.write(f"\r  {time.monotonic() - self.started:5.1f} s  [{bar:<30}]")
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 50 + "\r")
            self.enabled = False


def record(args, stop: threading.Event, *, stream_factory=None, stdin=None, on_live=None):
    """Record one utterance with :class:`~dictate_app.audio.recorder.Recorder` until ``stop`` is set.

    Enter on ``stdin`` sets ``stop`` (end of input does not: ``--vad`` and ``--seconds`` work with
    stdin closed), as do ``--seconds``, a pause with ``--vad``, a lost device and the length limit.
    ``on_live()`` is called once audio flows.
    """
    from dictate_app.audio.recorder import Recorder

    meter = _Meter()

    def warned(message: str) -> None:
        meter.done()
        _say(f"warning: {message}")
        if not recorder.is_recording:
            stop.set()  # the device went away or the limit was hit: the recording has ended

    how = "pause" if args.vad else "press Enter"

    def live(latency_ms: float) -> None:
        # Said once audio really flows, not at key-down: what is said after this line is kept.
        _say(f"listening ({recorder_name()}, live after {latency_ms:.0f} ms): speak, then {how} to stop")
        if on_live is not None:
            on_live()

    # The sound server's id ("pulse:alsa_input..."), found by label or id; tests' fake streams take the name.
    mic = chosen_microphone(args) if stream_factory is None else None
    device = (mic.id or None) if mic is not None else microphone(args)
    recorder = Recorder(device=device, max_s=args.max_seconds, stream_factory=stream_factory,
                        on_level=meter, on_warning=warned, on_live=live,
                        on_segment=(lambda _segment: stop.set()) if args.vad else None,
                        segment_silence_s=args.pause)

    def recorder_name() -> str:
        return mic.label if mic is not None else microphone(args) or "default microphone"
    stdin = sys.stdin if stdin is None else stdin

    def wait_for_enter() -> None:
        if stdin.readline():
            stop.set()

    threading.Thread(target=wait_for_enter, name="listen-stdin", daemon=True).start()
    if args.seconds is not None:
        timer = threading.Timer(args.seconds, stop.set)
        timer.daemon = True
        timer.start()
    try:
        recorder.start()
        stop.wait()
        future = recorder.stop()
        return future.result(timeout=10)
    except KeyboardInterrupt:
        recorder.cancel()
        raise
    finally:
        meter.done()
        recorder.close()


def microphone(args) -> str | None:
    """``--microphone``, else the tray app's saved microphone, else None (the system default)."""
    from dictate_app.commands.options import saved_setting

    given = getattr(args, "microphone", None)
    return given if given is not None else (saved_setting("microphone") or None)


def chosen_microphone(args):
    """The :class:`~dictate_app.audio.sources.Microphone` to record from (DeviceError if none)."""
    from dictate_app.audio.sources import find_microphone

    return find_microphone(microphone(args))


def _recording_info(recording, speech) -> dict:
    return {
        "duration_s": round(recording.duration_s, 3),
        "speech_s": round(speech.size / recording.sample_rate, 3) if speech is not None else 0.0,
        "device": recording.device_name,
        "start_latency_ms": round(recording.start_latency_ms, 1),
        "lost_ms": round(recording.lost_ms, 1),
        "device_lost": recording.device_lost,
        "hit_max_length": recording.hit_max_length,
        "warnings": list(recording.warnings),
    }


def run(args, *, stream_factory=None, load=None, stdin=None) -> int:
    """Record, trim, transcribe, print. ``stream_factory``/``load``/``stdin``: seams for tests."""
    from dictate_app.audio.speech import trim_to_speech

    if load is None:
        from dictate_app.audio.devices import find_input_device
        from dictate_app.engine.loader import choose_backend, load_engine
        from dictate_app.commands.options import model_folder
        from dictate_app.engine.forms import forms_in, no_model_message
        from dictate_app.engine.modeldir import validate_model_dir

        model_dir = model_folder(args).path
        # A missing model is said before the user speaks, not after (an int8 ONNX model that the
        # loader will pick is there, and checked as it loads).
        if not forms_in(model_dir):
            from dictate_app.errors import ModelError

            raise ModelError(no_model_message(model_dir, args.device))
        if choose_backend(model_dir, args.device) == "funasr":
            from dictate_app.engine.loader import require_funasr

            require_funasr(model_dir)
            validate_model_dir(model_dir)
        if stream_factory is None:
            # No microphone, or a name that is not there, is one error now, before "listening".
            find_input_device(None)
            chosen_microphone(args)

        def load():
            return load_engine(model_dir, device=args.device)

    # The model loads while the user speaks, so it is (nearly) ready when they stop; it starts
    # once audio flows, because importing torch at the same time slowed the open to 0.7 s.
    pool = ThreadPoolExecutor(1, thread_name_prefix="listen-load")
    loading: list[Future] = []

    def begin_loading() -> None:
        if not loading:
            loading.append(pool.submit(load))

    try:
        recording = record(args, threading.Event(), stream_factory=stream_factory, stdin=stdin,
                           on_live=begin_loading)
        begin_loading()  # the stream never went live (a lost device): load anyway
        speech = trim_to_speech(recording.samples)
        info = _recording_info(recording, speech)
        if speech is None:
            if args.json:
                print(json.dumps({"no_speech": True, "text": "", "recording": info}, ensure_ascii=False))
            else:
                _say(f"no speech in {recording.duration_s:.1f} s of audio: nothing to transcribe")
            return 0
        engine = loading[0].result()
        started = time.perf_counter()
        result = engine.transcribe(speech, recording.sample_rate, language=args.language, itn=args.itn)
        model_ms = (time.perf_counter() - started) * 1000
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    _print_result(args, result, info, model_ms)
    return 0


def _print_result(args, result, info: dict, model_ms: float) -> None:
    from dictate_app.text.labels import display_line

    if args.json:
        print(json.dumps({
            "no_speech": False, "text": result.text, "language": result.language,
            "emotion": result.emotion, "events": list(result.events), "itn": result.itn,
            "display": display_line(result), "raw": result.raw,
            "model_ms": round(model_ms, 1), "recording": info,
        }, ensure_ascii=False), flush=True)
        return
    print(result.text, flush=True)
    events = ", ".join(result.events) or "none"
    print(f"[language {result.language or '?'} | emotion {result.emotion or '?'} | events {events}] "
          f"{display_line(result)}", flush=True)
    _say(f"{info['duration_s']:.1f} s recorded ({info['speech_s']:.1f} s of speech), "
         f"model {model_ms / 1000:.2f} s")
