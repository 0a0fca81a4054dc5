"""How long saving one utterance to the history takes (it sits between recognition and insertion).

Writes N utterances with synchronous=FULL (what the app uses) and NORMAL, and prints/writes JSON
with the median and p90 per commit in milliseconds.
Usage: ``python benchmarks/history_write.py [--count 200] [--out FILE.json]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from dictate_app.engine.result import Transcript
from dictate_app.store.history import History


def measure(sync: str, count: int, folder: Path) -> dict:
    history = History(folder / f"{sync}.sqlite3")
    history._db.execute(f"PRAGMA synchronous={sync}")
    transcript = Transcript(text="the quick brown fox jumps over the lazy dog " * 3, language="en",
                            raw="<|en|><|NEUTRAL|><|Speech|><|withitn|>...")
    times = []
    for _ in range(count):
        t0 = time.perf_counter()
        history.add(transcript, target="bench")
        times.append((time.perf_counter() - t0) * 1000)
    history.close()
    times.sort()
    return {"synchronous": sync, "count": count, "median_ms": round(statistics.median(times), 3),
            "p90_ms": round(times[int(0.9 * len(times))], 3), "max_ms": round(times[-1], 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--dir", type=Path, help="where to put the databases (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        results = {"history_write": [measure(s, args.count, Path(tmp)) for s in ("FULL", "NORMAL")]}
    text = json.dumps(results, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
