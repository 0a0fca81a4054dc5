"""Long dictations on the real bench: memory stays flat, every word arrives, and the CPU the app
uses while the user speaks (writes JSON).

Starts the desktop test bench (``testkit/desktop/bench.py``) and the real ``dictate-app`` tray app
in toggle mode with auto-stop off, then dictates takes of ``--takes`` seconds (default 10, 60 and
600): espeak-ng phrases with a one-second pause after each, played into the virtual microphone
(:mod:`testkit.desktop.long_take`). For each take:

- **CPU while speaking**: the app's CPU time (all threads and children) from the first word to
  the last, over that wall time, as a percentage of **one core** (the incremental passes on the
  ASR worker thread, the recorder and its live VAD, the popup); per-thread seconds say which;
- **memory**: RSS sampled every 10 s; the take passes when it never goes more than 50 MB above
  its value at minute 1 (only takes longer than a minute have one);
- **words**: the target must hold every phrase's words in order, none lost and no piece twice (a
  single stray word is the tiny fixture model's slip: reported, not failed; ``--no-word-check`` for a model
  that does not know them, such as the full-size random model ``tools.minisv.modeldir bench``
  with its int8 export, whose CPU figures are the representative ones);
- stop (second F9) to text in the target.

Exit code 1 when a take misses its words or its memory bound. Run it alone (it measures CPU):
``flock /tmp/dictate-heavy.lock python benchmarks/long_take.py --json benchmarks/results/long-take-DATE.json``
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

RSS_BOUND_MB = 50.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--model", type=Path, default=REPO / "tests" / "fixtures" / "mini-sensevoice",
                        help="model directory (default: the committed fixture model, whose words are known)")
    parser.add_argument("--takes", default="10,60,600", help="take lengths in seconds, comma-separated")
    parser.add_argument("--no-word-check", action="store_true",
                        help="a model that does not know the phrases (the full-size random bench model, "
                             "for representative CPU figures): report its text, do not check it")
    args = parser.parse_args(argv)

    from testkit.desktop.app_harness import App, Target
    from testkit.desktop.bench import Desktop, ensure_system_packages
    from testkit.desktop.long_take import PAUSE_S, dictate_long

    ensure_system_packages()
    data = Path(tempfile.mkdtemp(prefix="dictate-long-take-"))
    out: dict = {"settings": {"model": str(args.model), "takes_s": args.takes, "pause_after_phrase_s": PAUSE_S,
                              "cpus": os.cpu_count(), "mode": "toggle, auto-stop off, microphone on demand"},
                 "load_average_at_start": os.getloadavg(), "takes": []}
    failed = False
    with Desktop() as desktop:
        target = Target(desktop, data / "target.txt")
        app = App(desktop, args.model, data, "--mode", "toggle", "--auto-stop", "0")
        out["ready_s"] = round(app.ready_s, 2)
        try:
            for seconds in (float(s) for s in args.takes.split(",")):
                started = time.monotonic()
                result = dictate_long(desktop, app, target, data, seconds)
                ok, where = result.words_in_order()
                growth = result.rss_growth_mb()
                take = {"spoken_s": round(result.spoken_s, 1), "phrases": len(result.phrases),
                        "cpu_s_while_speaking": round(result.cpu_s, 2),
                        "cpu_percent_of_one_core": round(result.cpu_percent_of_one_core, 1),
                        "busy_threads_cpu_s": result.busy_threads_cpu_s,
                        "stop_to_text_s": result.stop_to_text_s,
                        "words_in_order": ok, "word_check": where or "every phrase's words, in order",
                        "rss_mb_every_10s": result.rss_mb, "text": result.text,
                        "rss_growth_after_minute_1_mb": round(growth, 1),
                        "rss_bound_met": growth <= RSS_BOUND_MB, "wall_s": round(time.monotonic() - started, 1)}
                out["takes"].append(take)
                if args.no_word_check:
                    take["words_in_order"], take["word_check"] = None, "not checked (--no-word-check)"
                failed |= (not ok and not args.no_word_check) or growth > RSS_BOUND_MB
                print(json.dumps({k: v for k, v in take.items() if k not in ("rss_mb_every_10s", "text")}), flush=True)
        finally:
            rc = app.close()
            target.close()
        out["app_exit_code"] = rc
        out["app_warned_about_a_limit"] = "limit" in app.stderr()
    out["rss_bound_mb"] = RSS_BOUND_MB
    out["load_average_at_end"] = os.getloadavg()
    text = json.dumps(out, indent=2, ensure_ascii=False)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 1 if failed or rc != 0 else 0


if __name__ == "__main__":
    raise SystemExit(main())
