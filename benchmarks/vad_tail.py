"""Where the live VAD ends a segment, measured from the acoustic end of its last word (writes JSON).

Model-independent (Silero VAD only, no speech model): for the live segmenter
(:func:`dictate_app.audio.speech.live_segmenter`) with trailing pads of 1, 2 and 3 windows
(32, 64, 96 ms; before issue 26 it kept 96 ms after the last speech window), and for every segment
it closes, these delays after the acoustic end of the segment's last word:

- ``speech_end``: the end of Silero's last speech window (probability >= threshold);
- ``pause_start``: where the segment's speech ends, the start of the first window of its pause
  (below threshold - 0.15; the windows between are Silero unsure);
- ``fire``: when the provisional segment is handed out (the end of the window that completes the
  pad's silence), i.e. when the speculative final pass can start;
- ``kept``: the end of the segment's audio (pause start plus the pad), i.e. how much audio after the
  last word the model hears. Negative would mean the word's end was cut off;
- ``start_160ms`` / ``start_300ms``: when the final pass would start if each pass took 160 / 300 ms
  (2.6 s of audio, quiet / one core busy): a copy handed out earlier whose speech then resumed
  (``stale``, counted per segment) runs a pass that cannot be stopped and holds the final one up.

The whole-recording path (:func:`dictate_app.audio.speech.trim_to_speech`) is measured too
(``trim_kept``: the end of its trimmed audio after the acoustic end).

The acoustic end is defined by energy on the clean speech (:mod:`testkit.audio.acoustic`): the
end of the last 10 ms frame whose RMS is within 40 dB of the clip's loudest 10 ms frame. espeak-ng
renders digital silence between and after words, so the clean signal is exactly 0 there, and the
end is the last audible sound, a weak trailing consonant included: with 30 or 50 dB (in the JSON
too) the minimum, median and maximum delays move by at most 12 ms. The VAD hears the real clip:
the held-out clips with their noise and music beds (the clean copy is the same render without
them), the benchmark utterances as ``benchmarks/latency.py`` builds them (clean).

Speech: the fixture's three held-out sets (``heldout``, ``unseen``, ``third``; en and zh, each clip
between 0.3 s of silence and 0.8 s more so every segment closes) and the latency benchmark's
utterances of 2, 5, 10, 30 and 60 s (every clause is a segment).
``python benchmarks/vad_tail.py [--clips 40] [--json OUT.json]``
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from dictate_app.audio.convert import MODEL_RATE, resample  # noqa: E402
from testkit.audio.acoustic import acoustic_regions  # noqa: E402

PADS_MS = (32, 64, 96)
FLOORS_DB = (30, 40, 50)
PASS_MS = (160, 300)  # the final pass over 2.6 s, quiet and with one core busy (latency.py's final_pass)


def live_segments(audio: np.ndarray, pad_ms: int) -> list[dict]:
    """The live segmenter's segments of ``audio`` (fed window by window): start, speech end, pause
    start, where the provisional copy was handed out, and end (sample positions)."""
    from dictate_app.audio.speech import live_segmenter
    from dictate_app.audio.vad import STREAM_WINDOW

    stream = live_segmenter(trail_ms=pad_ms)
    found, last, fires = [], None, []
    for fed in range(STREAM_WINDOW, audio.size + 1, STREAM_WINDOW):
        closed = stream.feed(audio[fed - STREAM_WINDOW:fed])
        if stream.provisional():
            end = stream.tail_end
            fires.append(fed)
            last = {"start": stream.tail_start, "speech_end": stream.speech_end,
                    "pause_start": end - stream.pad_windows * STREAM_WINDOW, "fire": fed, "end": end}
        for segment in closed:
            assert last is not None and segment.size == last["end"] - last["start"], "closed != provisional"
            found.append({**last, **{f"start_{ms}ms": final_pass_start(fires, ms * MODEL_RATE // 1000)
                                     for ms in PASS_MS}, "stale": len(fires) - 1})
            last, fires = None, []
    return found


def final_pass_start(fires: list[int], pass_len: int) -> int:
    """When the pass over the segment's last provisional copy starts, given when each of its
    provisional copies came out (``fires``) and a pass time: one pass runs at a time and cannot
    be stopped; a queued stale one is dropped when a newer copy arrives (IncrementalTranscriber)."""
    busy_until, start = -1, -1
    queued = None
    for fire in fires:
        if queued is not None and busy_until <= fire:  # the queued copy ran once the engine was free
            busy_until, queued = busy_until + pass_len, None
        if fire >= busy_until:
            start, busy_until = fire, fire + pass_len
        else:
            queued, start = fire, busy_until
    return start


def measure_take(audio: np.ndarray, clean: np.ndarray) -> dict:
    """Delays after the acoustic end of each segment's last word (seconds), per pad and floor."""
    from dictate_app.audio.speech import MIN_SPEECH_MS, PAD_S, SPAN_PAD_MS, shared_vad

    out: dict = {}
    for floor in FLOORS_DB:
        regions = acoustic_regions(clean, floor)
        spans = shared_vad().speech_spans(audio, min_speech_ms=MIN_SPEECH_MS, pad_ms=SPAN_PAD_MS)
        trim_end = min(audio.size, spans[-1].end + int(PAD_S * MODEL_RATE)) if spans else None
        out[floor] = {"trim_kept": [] if trim_end is None else [(trim_end - regions[-1][1]) / MODEL_RATE]}
        for pad in PADS_MS:
            rows = []
            for seg in live_segments(audio, pad):
                ends = [b for a, b in regions if seg["start"] <= a < seg["end"]]
                if ends:
                    delays = ("speech_end", "pause_start", "fire", "end", *(f"start_{ms}ms" for ms in PASS_MS))
                    rows.append({**{k: (seg[k] - max(ends)) / MODEL_RATE for k in delays}, "stale": seg["stale"]})
            out[floor][pad] = rows
    return out


def takes(clips: int):
    """(name, audio heard by the VAD, clean audio) for the held-out clips and the benchmark utterances."""
    from benchmarks.join_accuracy import HELDOUT_SPLITS
    from benchmarks.latency import LENGTHS, utterance
    from tools.minisv import corpus, evaluate

    before, after = np.zeros(int(0.3 * MODEL_RATE), np.float32), np.zeros(int(0.8 * MODEL_RATE), np.float32)
    for split in HELDOUT_SPLITS:
        for spec in corpus.make_specs(clips, evaluate.HELDOUT_SEED, split):
            if spec.language not in ("en", "zh"):
                continue
            heard = resample(corpus.render(spec), corpus.ESPEAK_RATE, MODEL_RATE)
            clean = resample(corpus.render(dataclasses.replace(spec, noise_db=float("-inf"), music_db=float("-inf"))),
                             corpus.ESPEAK_RATE, MODEL_RATE)
            yield split, *(np.concatenate([before, a.astype(np.float32), after]) for a in (heard, clean))
    for length in LENGTHS:
        audio, _ = utterance(length, seed=length)
        audio = np.concatenate([audio, after])
        yield "benchmark", audio, audio


def summary(values: list[float]) -> dict:
    a = np.array(values)
    return {"n": int(a.size), "mean": float(a.mean()), "min": float(a.min()), "p10": float(np.percentile(a, 10)),
            "median": float(np.median(a)), "p90": float(np.percentile(a, 90)), "max": float(a.max())} if a.size else {"n": 0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=40, help="clips per held-out set (default 40)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    pooled: dict = {}
    for source, heard, clean in takes(args.clips):
        for floor, per in measure_take(heard, clean).items():
            group = pooled.setdefault(source, {}).setdefault(f"floor_{floor}db", {})
            group.setdefault("trim_kept", []).extend(per.pop("trim_kept"))
            for pad, rows in per.items():
                for row in rows:
                    for key, value in row.items():
                        group.setdefault(f"pad_{pad}ms", {}).setdefault(key, []).append(value)
    report = {"definition": "seconds after the acoustic end of each segment's last word (see the module notes)",
              "pads_ms": PADS_MS, "clips_per_set": args.clips, "sources": {}}
    for source, floors in pooled.items():
        report["sources"][source] = {floor: {name: summary(v) if isinstance(v, list) else {k: summary(x) for k, x in v.items()}
                                             for name, v in groups.items()} for floor, groups in floors.items()}
    for source, floors in report["sources"].items():
        f = floors["floor_40db"]
        print(f"{source}: whole-recording trim keeps {f['trim_kept']['median']:+.3f} s (min {f['trim_kept']['min']:+.3f})")
        for pad in PADS_MS:
            p = f[f"pad_{pad}ms"]
            print(f"  pad {pad} ms, {p['end']['n']} segments: speech end {p['speech_end']['median']:+.3f} "
                  f"(min {p['speech_end']['min']:+.3f}), pause start {p['pause_start']['median']:+.3f} "
                  f"(min {p['pause_start']['min']:+.3f}), provisional {p['fire']['median']:+.3f} "
                  f"(p90 {p['fire']['p90']:+.3f}), kept {p['end']['median']:+.3f} (min {p['end']['min']:+.3f})")
            print("    final pass starts " + ", ".join(f"{p[f'start_{ms}ms']['median']:+.3f} (p90 {p[f'start_{ms}ms']['p90']:+.3f})"
                                                       f" with {ms} ms passes" for ms in PASS_MS)
                  + f"; stale copies per segment {p['stale']['mean']:.2f}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
