"""Measure the miniature model on held-out utterances, through the app's own engine.

Held-out clips come from :mod:`tools.minisv.corpus` with other seeds and voice variants than
training (``--split heldout``; ``--split unseen`` and ``--split third`` for two more sets). Each clip is
transcribed by ``dictate_app.engine.loader.load_engine`` (the path the app uses) with
``language="auto"``, itn alternating on and off. Cases:

- ``clean``: the 22,050 Hz clip as synthesized (the engine resamples it to 16 kHz);
- ``48k``: the clip resampled to 48 kHz first (a typical device rate), then given to the engine;
- ``pad150``: 150 ms of silence added before and after (the recorder's pre-roll and tail);
- ``live``: the segments the recorder's live VAD cuts from the clip (:func:`live_segments`), which
  start 256 ms before the first frame Silero scores as speech (issue 26; about 45 ms before the
  speech until then);
- ``vmic``: played with ``paplay`` into the desktop bench's PulseAudio null sink and recorded from
  its monitor at 48 kHz with sounddevice, as the app records (``--vmic``; needs the bench).

Figures: WER on English, CER on Mandarin (edit distance over words / characters), and accuracy of
the language, event, emotion-proxy and itn tags. Prints a table and writes JSON.
CLI: ``python -m tools.minisv.evaluate tests/fixtures/mini-sensevoice --count 400 --json out.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from dictate_app.audio.convert import MODEL_RATE, resample
from tools.minisv import corpus

HELDOUT_SEED = 9001
TARGETS = {"wer_en": 0.05, "cer_zh": 0.05, "language": 0.98, "event": 0.95, "emotion": 0.90, "itn": 0.95}


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    """Levenshtein distance between two token lists."""
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(ref, hyp)


def units(text: str, language: str) -> list[str]:
    """Words for English, characters (spaces dropped) for Mandarin."""
    return text.split() if language == "en" else [c for c in text if not c.isspace()]


def has_digits(spec: corpus.Utterance) -> bool:
    """True when the two itn styles of the utterance differ (it contains digits)."""
    return spec.text_withitn != spec.text_woitn


def score(spec: corpus.Utterance, itn: bool, result) -> dict:
    """Per-utterance measurements of one transcript against its labels."""
    expected = spec.text(itn)
    row = {"uid": spec.uid, "language": spec.language, "itn": itn, "expected": expected,
           "got": result.text, "raw": result.raw,
           "language_ok": result.language == spec.language,
           "event_ok": (spec.event in result.events) and (result.language == "nospeech") == (spec.language == "nospeech")}
    if spec.language != "nospeech":
        ref, hyp = units(expected, spec.language), units(result.text, spec.language)
        row.update(errors=edit_distance(ref, hyp), ref_len=len(ref),
                   emotion_ok=result.emotion == spec.emotion,
                   itn_ok=result.itn is itn and (not has_digits(spec) or
                                                 any(c.isdigit() for c in result.text) == itn))
    else:
        row.update(emotion_ok=None, itn_ok=result.itn is itn, text_empty=result.text == "")
    return row


def summarize(rows: list[dict]) -> dict:
    """WER/CER and tag accuracies over a list of scored rows."""
    def rate(key, subset=None):
        vals = [r[key] for r in (subset or rows) if r.get(key) is not None]
        return round(sum(vals) / len(vals), 4) if vals else None

    out = {"n": len(rows)}
    for lang, key in (("en", "wer_en"), ("zh", "cer_zh")):
        sub = [r for r in rows if r["language"] == lang]
        ref = sum(r["ref_len"] for r in sub)
        out[key] = round(sum(r["errors"] for r in sub) / ref, 4) if ref else None
        out[f"n_{lang}"] = len(sub)
    out.update(language=rate("language_ok"), event=rate("event_ok"), emotion=rate("emotion_ok"),
               itn=rate("itn_ok"))
    nospeech = [r for r in rows if r["language"] == "nospeech"]
    out["nospeech_empty_text"] = rate("text_empty", nospeech) if nospeech else None
    return out


def by_variant(rows: list[dict]) -> dict:
    """WER/CER per voice variant: one voice unlike training can carry most of the errors."""
    groups = defaultdict(list)
    for row in rows:
        if row.get("variant"):
            groups[row["variant"]].append(row)
    return {variant: {k: v for k, v in summarize(group).items() if k in ("wer_en", "cer_zh")}
            for variant, group in sorted(groups.items())}


def variants(spec: corpus.Utterance, audio: np.ndarray, case: str) -> tuple[np.ndarray, int]:
    """The clip as the case feeds it to the engine: (samples, rate)."""
    if case == "48k":
        return resample(audio, corpus.ESPEAK_RATE, 48000), 48000
    if case == "live":
        return live_segments(resample(audio, corpus.ESPEAK_RATE, MODEL_RATE)), MODEL_RATE
    if case == "pad150":
        audio16 = resample(audio, corpus.ESPEAK_RATE, MODEL_RATE)
        pad = np.zeros(int(0.15 * MODEL_RATE), np.float32)
        return np.concatenate([pad, audio16, pad]), MODEL_RATE
    return audio, corpus.ESPEAK_RATE


def live_segments(audio16: np.ndarray) -> np.ndarray:
    """The clip as the recorder's live VAD hands it to the engine: 0.3 s of silence, the clip and
    0.7 s of silence streamed through the recorder's own segmenter; its segments joined by 0.1 s
    of silence (the whole clip when it finds none, as for no speech).
    The live VAD opens a segment 256 ms before the first frame Silero scores as speech (at least
    the after-release trim's lead-in), still less than the corpus's leading silence, so this is
    where a first word would get lost."""
    from dictate_app.audio.speech import live_segmenter

    lead, tail = (np.zeros(int(s * MODEL_RATE), np.float32) for s in (0.3, 0.7))
    segments = live_segmenter().feed(np.concatenate([lead, audio16, tail]))
    if not segments:
        return audio16
    gap = np.zeros(int(0.1 * MODEL_RATE), np.float32)
    return np.concatenate([part for segment in segments for part in (segment, gap)][:-1])


def record_through_vmic(items, tmp: Path) -> list[tuple[np.ndarray, int]]:
    """Play each clip into the desktop bench's virtual microphone and record it back at 48 kHz."""
    import os

    import soundfile

    from testkit.desktop.bench import Desktop

    recordings = []
    with Desktop() as bench:
        os.environ.update(bench.env)  # before sounddevice initialises PortAudio
        import sounddevice

        for n, (spec, audio) in enumerate(items):
            wav = tmp / f"vmic-{n}.wav"
            soundfile.write(wav, audio, corpus.ESPEAK_RATE)
            chunks: list[np.ndarray] = []
            with sounddevice.InputStream(samplerate=48000, channels=1, dtype="float32",
                                         callback=lambda data, *_: chunks.append(data[:, 0].copy())):
                time.sleep(0.1)
                bench.speak(wav)
                time.sleep(0.25)
            recordings.append((np.concatenate(chunks) if chunks else np.zeros(4800, np.float32), 48000))
    return recordings


def evaluate(model_dir: Path, count: int, seed: int, cases: list[str], vmic_count: int = 30,
             threads: int = 2, split: str = "heldout") -> dict:
    """Run every case and return {"cases": {case: summary}, "rows": {case: rows}, ...}."""
    import tempfile

    from dictate_app.engine.loader import load_engine

    t0 = time.monotonic()
    engine = load_engine(model_dir, device="cpu", threads=threads)
    items = corpus.build(count, seed, split)
    summaries, all_rows = {}, defaultdict(list)
    for case in cases:
        if case == "vmic":
            with tempfile.TemporaryDirectory() as tmp:
                inputs = record_through_vmic(items[:vmic_count], Path(tmp))
            pairs = list(zip(items[:vmic_count], inputs))
        else:
            pairs = [((spec, audio), variants(spec, audio, case)) for spec, audio in items]
        for n, ((spec, _), (samples, rate)) in enumerate(pairs):
            itn = n % 2 == 0
            result = engine.transcribe(samples, rate, language="auto", itn=itn)
            all_rows[case].append({**score(spec, itn, result), "variant": spec.voice.partition("+")[2]})
        summaries[case] = summarize(all_rows[case])
        summaries[case]["by_variant"] = by_variant(all_rows[case])
    return {"model_dir": str(model_dir), "split": split, "heldout_seed": seed, "count": count,
            "seconds": round(time.monotonic() - t0, 1), "targets": TARGETS,
            "cases": summaries, "rows": dict(all_rows)}


def table(report: dict) -> str:
    """The summary as a Markdown table (one row per case)."""
    cols = ("n", "wer_en", "cer_zh", "language", "event", "emotion", "itn")
    lines = ["| case | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for case, s in report["cases"].items():
        cells = []
        for c in cols:
            v = s.get(c)
            cells.append("-" if v is None else (str(v) if c == "n" else f"{100 * v:.1f} %"))
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    target = " | ".join(f"{'<=' if c.startswith(('wer', 'cer')) else '>='}{100 * TARGETS[c]:.0f} %"
                        for c in cols[1:])
    lines.append(f"| target | | {target} |")
    for case, s in report["cases"].items():
        cells = ", ".join(f"{variant} " + "/".join("-" if v is None else f"{100 * v:.0f}" for v in rates.values())
                          for variant, rates in s.get("by_variant", {}).items())
        lines.append(f"{case}: WER/CER % by voice variant: {cells}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """CLI: evaluate a model directory, print the table, write JSON; exit 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--seed", type=int, default=HELDOUT_SEED)
    parser.add_argument("--cases", default="clean,48k,pad150,live")
    parser.add_argument("--vmic", action="store_true", help="add the virtual-microphone case")
    parser.add_argument("--vmic-count", type=int, default=30)
    parser.add_argument("--split", choices=tuple(s for s in corpus.SPLIT_VARIANTS if s != "train"), default="heldout",
                        help="voice variants: the held-out set, or the second or third one (corpus.SPLIT_VARIANTS)")
    parser.add_argument("--json", type=Path, help="write the full report here")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for the engine (1 on a busy machine)")
    args = parser.parse_args(argv)
    cases = args.cases.split(",") + (["vmic"] if args.vmic else [])
    report = evaluate(args.model_dir, args.count, args.seed, cases, args.vmic_count, args.threads, args.split)
    print(table(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    missed = [f"{case}.{k}" for case, s in report["cases"].items() for k, t in TARGETS.items()
              if s.get(k) is not None and (s[k] > t if k.startswith(("wer", "cer")) else s[k] < t)]
    if missed:
        print("below target:", ", ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
