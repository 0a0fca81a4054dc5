"""Accuracy of the live segments' join: their joined text against the whole take (writes JSON).

The incremental path transcribes the segments the recorder's live VAD cuts
(:func:`dictate_app.audio.speech.live_segmenter`) one pass each and joins them
(:func:`dictate_app.engine.incremental.join_transcripts`); the whole-recording path trims the take
(:func:`dictate_app.audio.speech.trim_to_speech`) and makes one pass. Any change to the
segmentation (the live segments' lead-in, issue 26) must keep the two equal. Measured with the
miniature fixture model (``tests/fixtures/mini-sensevoice``) on its three held-out sets
(``heldout``, ``unseen``, ``third``: other seeds and voices than training, see
:mod:`tools.minisv.evaluate`), two kinds of take:

- ``one_clip``: each clip alone (its own leading and trailing silence): what the lead-in decides;
- ``three_clips``: three clips of one language with 0.7 s pauses, so the take has several segments
  and the join itself counts. The fixture learned from single clips, so its whole-take pass over
  three of them is weaker than its passes over the pieces: compare runs, not the two paths.

Figures per set and kind: takes, segments, takes with identical text, WER (English words) / CER
(Mandarin characters) of joined against whole, and of both against the labels. ``benchmarks/latency.py``
includes it; alone: ``python benchmarks/join_accuracy.py [--clips 60] [--json OUT.json]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from dictate_app.audio.convert import MODEL_RATE, resample  # noqa: E402

FIXTURE = REPO / "tests" / "fixtures" / "mini-sensevoice"
HELDOUT_SPLITS = ("heldout", "unseen", "third")
TAKES = {"one_clip": 1, "three_clips": 3}
PAUSE_S = 0.7  # between the clips of a take: longer than the live VAD's 0.5 s, so each closes a segment


def live_pieces(take: np.ndarray) -> list[np.ndarray]:
    """What the incremental path transcribes: the live segments, then the open one if any."""
    from dictate_app.audio.recorder import live_segmenter

    stream = live_segmenter()
    pieces = stream.feed(take)
    if stream.speech_pending:
        pieces.append(take[stream.tail_start:stream.tail_end])
    return pieces


def join_accuracy(model_dir: Path = FIXTURE, clips: int = 60, seed: int | None = None) -> dict:
    """The figures of the module notes for ``clips`` clips per held-out set (nospeech ones left out)."""
    from dictate_app.audio.speech import trim_to_speech
    from dictate_app.engine.incremental import join_transcripts
    from dictate_app.engine.loader import load_engine
    from tools.minisv import corpus, evaluate

    engine = load_engine(model_dir, device="cpu", threads=2)
    pause = np.zeros(int(PAUSE_S * MODEL_RATE), np.float32)
    report: dict = {"model_dir": str(model_dir), "clips_per_set": clips, "pause_s": PAUSE_S, "sets": {}}
    for split in HELDOUT_SPLITS:
        items = [(spec, resample(audio, corpus.ESPEAK_RATE, MODEL_RATE))
                 for spec, audio in corpus.build(clips, seed or evaluate.HELDOUT_SEED, split)
                 if spec.language in ("en", "zh")]
        report["sets"][split] = {}
        for kind, size in TAKES.items():
            errors = {"joined_vs_whole": 0, "whole_vs_ref": 0, "joined_vs_ref": 0}
            whole_units = ref_units = same = takes = segments = 0
            for language in ("en", "zh"):
                group = [item for item in items if item[0].language == language]
                for n in range(0, len(group) - size + 1, size):
                    specs, parts = zip(*group[n:n + size])
                    take = np.concatenate([p for part in parts for p in (part, pause)][:-1])
                    itn = takes % 2 == 0
                    speech = trim_to_speech(take)
                    whole = engine.transcribe(speech, MODEL_RATE, itn=itn).text if speech is not None else ""
                    pieces = live_pieces(take)
                    joined = join_transcripts([engine.transcribe(p, MODEL_RATE, itn=itn) for p in pieces]).text
                    ref = " ".join(spec.text(itn) for spec in specs)
                    w, j, r = (evaluate.units(text, language) for text in (whole, joined, ref))
                    errors["joined_vs_whole"] += evaluate.edit_distance(w, j)
                    errors["whole_vs_ref"] += evaluate.edit_distance(r, w)
                    errors["joined_vs_ref"] += evaluate.edit_distance(r, j)
                    whole_units += max(1, len(w))
                    ref_units += len(r)
                    same += whole == joined
                    takes += 1
                    segments += len(pieces)
            report["sets"][split][kind] = {
                "takes": takes, "segments": segments, "identical_text": same,
                "wer_joined_vs_whole": errors["joined_vs_whole"] / max(1, whole_units),
                "wer_whole_vs_ref": errors["whole_vs_ref"] / max(1, ref_units),
                "wer_joined_vs_ref": errors["joined_vs_ref"] / max(1, ref_units)}
    return report


def describe(report: dict) -> str:
    """One line per set and kind of take (for the README and the latency table)."""
    lines = []
    for split, kinds in report["sets"].items():
        for kind, f in kinds.items():
            lines.append(f"join check, {split}, {kind.replace('_', ' ')}: {f['identical_text']}/{f['takes']} takes "
                         f"identical, joined vs whole {f['wer_joined_vs_whole']:.3f}; against the labels: "
                         f"whole {f['wer_whole_vs_ref']:.3f}, joined {f['wer_joined_vs_ref']:.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=60, help="clips per held-out set (default 60)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    report = join_accuracy(FIXTURE, args.clips)
    print(describe(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
