"""Issue 20's audio bombs against a real ``dictate-app serve``: status, time and peak memory (JSON).

Each case gets a fresh server process (the trained fixture model on the CPU, default limits:
300 s, 25 MB), warmed up with a phrase and 31 s of silence (so the model's first pass and the
voice detector are loaded before anything is measured). Then its idle RSS is read, ``VmHWM`` is
reset through ``/proc/<pid>/clear_refs`` and the case's file(s) are posted to ``/asr`` (several at
once for the "at once" cases). Reported per case: every status, the first error sentence, the
wall time and the peak RSS above idle (``VmHWM`` - idle ``VmRSS``) of the server process.

``python benchmarks/decode_bombs.py --json benchmarks/results/decode-bombs-DATE.json
[--only SUBSTRING,...]``. Run it under the heavy lock (``flock /tmp/dictate-heavy.lock``): the
bombs decode for seconds on both cores, and on a tree without bounded decoding they take GBs.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from testkit.server.bombs import cases, message, post_asr, run_case, vm_kb  # noqa: E402
from testkit.server.harness import PHRASES, ServerProcess, speak  # noqa: E402


def silence_wav(seconds: float) -> bytes:
    import soundfile

    buffer = io.BytesIO()
    soundfile.write(buffer, np.zeros(int(16000 * seconds), np.int16), 16000, format="WAV")
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, required=True, help="where to write the results")
    parser.add_argument("--model", type=Path, default=REPO / "tests" / "fixtures" / "mini-sensevoice")
    parser.add_argument("--only", default="", help="comma list of substrings of case names to run")
    args = parser.parse_args(argv)

    text, language, expected, variant = PHRASES[0]
    speech = speak(text, language, variant)
    wanted = [w for w in args.only.split(",") if w]
    selected = [case for case in cases(speech, expected) if not wanted or any(w in case.name for w in wanted)]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                            text=True).stdout.strip()
    rows = []
    for case in selected:
        files = case.build()
        server = ServerProcess("--model", str(args.model), "--device", "cpu")
        try:
            pid = server.proc.pid
            for warm in (speech, silence_wav(31)):
                status, body = post_asr(server.url, warm)
                assert status == 200, body
            time.sleep(0.5)
            idle_kb = vm_kb(pid, "VmRSS")
            result = run_case(server.url, pid, files, idle_kb)
            health = post_asr(server.url, speech)[0]
        finally:
            server.stop()
        row = {
            "case": case.name,
            "expected_status": case.status,
            "statuses": result["statuses"],
            "first_answer": message(result["bodies"][0])[:300],
            "seconds": result["seconds"],
            "peak_mb_above_idle": result["peak_mb_above_idle"],
            "idle_rss_mb": round(idle_kb / 1024, 1),
            "file_kb": result["file_kb"],
            "next_request_status": health,
        }
        rows.append(row)
        print(f"{case.name}: {row['statuses']} in {row['seconds']} s, peak +{row['peak_mb_above_idle']} MB "
              f"(idle {row['idle_rss_mb']} MB): {row['first_answer'][:120]}", file=sys.stderr, flush=True)
    report = {
        "benchmark": "decode_bombs",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "commit": commit,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "load_avg_at_start": os.getloadavg()},
        "method": "a fresh `dictate-app serve --model tests/fixtures/mini-sensevoice --device cpu` per case "
                  "(default limits), warmed with a phrase and 31 s of silence; VmHWM reset through "
                  "/proc/<pid>/clear_refs, the case's files posted to /asr at once; peak = VmHWM - idle VmRSS",
        "cases": rows,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
