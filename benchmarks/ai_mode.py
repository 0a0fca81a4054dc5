"""What an AI mode adds around the model itself: Dictate's own time per take, and how close to
``timeout_s`` a take returns when the model is too slow.

Runs :func:`dictate_app.modes.run.apply_mode` against the fake OpenAI-compatible server on
loopback (testkit/fake_llm.py: it answers at once, so every millisecond measured is ours: thread,
HTTP, JSON, SSE parsing), streamed and not, for a 40-word take; then against a server that waits
10 s, with a 1 s timeout. A real model adds its own generation time on top of the first figure.
Usage: ``flock /tmp/dictate-heavy.lock python benchmarks/ai_mode.py [--count 100] [--out FILE.json]``
(2026-12-05, this 2-core machine: 1.4 ms a take plain, 3.4 ms streamed (first piece 1.8 ms), and
a 1 s timeout returned after 1000.5 ms: benchmarks/results/ai-mode-2026-12-05.json).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # testkit.fake_llm, when run as `python benchmarks/ai_mode.py`
    sys.path.insert(0, str(REPO))

from dictate_app.modes.catalog import load_modes  # noqa: E402
from dictate_app.modes.client import Endpoint  # noqa: E402
from dictate_app.modes.prompt import Heard  # noqa: E402
from dictate_app.modes.run import apply_mode  # noqa: E402
from testkit.fake_llm import DEFAULT_MODEL, FakeLlm  # noqa: E402

TEXT = " ".join(["so the quarterly report is nearly done and I will send it tomorrow morning"] * 3)[:240]


def _stats(times: list[float]) -> dict:
    times = sorted(times)
    return {"count": len(times), "median_ms": round(statistics.median(times), 2),
            "p90_ms": round(times[int(0.9 * len(times))], 2), "max_ms": round(times[-1], 2)}


def measure(count: int) -> dict:
    mode = load_modes("/nonexistent")[0]["clean up"]
    heard = Heard("en", "NEUTRAL", (), "bench")
    results = {}
    with FakeLlm() as fake:
        endpoint = Endpoint(fake.url, DEFAULT_MODEL)
        for name, stream in (("plain", False), ("streamed", True)):
            totals, firsts = [], []
            for _ in range(count):
                first: list[float] = []
                started = time.perf_counter()
                on_delta = (lambda _p: first or first.append(time.perf_counter())) if stream else None
                result = apply_mode(TEXT, mode, heard, endpoint, timeout_s=5, min_words=3, on_delta=on_delta)
                totals.append((time.perf_counter() - started) * 1000)
                assert result.ran, result.error
                if first:
                    firsts.append((first[0] - started) * 1000)
            results[name] = {"total": _stats(totals), **({"first_piece": _stats(firsts)} if firsts else {})}
        fake.set("slow", delay_s=10)
        returns = []
        for _ in range(5):
            started = time.perf_counter()
            result = apply_mode(TEXT, mode, heard, endpoint, timeout_s=1.0, min_words=3)
            returns.append((time.perf_counter() - started) * 1000)
            assert not result.ran and "did not answer within 1 s" in result.error
        results["timeout_1s_vs_10s_server"] = _stats(returns)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    report = {"benchmark": "ai_mode", "words": len(TEXT.split()), "python": platform.python_version(),
              "machine": platform.machine(), "results": measure(args.count)}
    text = json.dumps(report, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
