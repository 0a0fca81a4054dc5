"""Load benchmark of ``dictate-app serve``: throughput and latency at 1, 4 and 16 clients (JSON).

For each model (the trained fixture, and the full-size random SenseVoiceSmall from
``tools.minisv.modeldir.bench_model_dir``: an encoder + CTC model costs the same whatever its
weights) and each ``--max-batch`` setting, a real server process is started on a free loopback
port, warmed up, then driven closed-loop: C client threads, each with its own keep-alive session,
send ``POST /asr`` back to back until ``C x --per-client`` requests are answered. Clips are the
tests' 50 espeak-ng phrases (English and Mandarin, 1-3 s). Reported per level: requests, errors,
wall time, throughput (requests/s and audio seconds per second), latency p50/p90/p99/max (ms) and
the mean batch size from the server's own ``/metrics``.

``python benchmarks/server_load.py --json OUT.json [--models fixture,bench] [--clients 1,4,16]``.
It measures wall time: run it under ``nice`` on a quiet machine, once.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from testkit.server.harness import ServerProcess, speak, spoken_phrases  # noqa: E402

from report import header, write  # noqa: E402  (benchmarks/report.py, beside this script)

WARM_UP_REQUESTS = 4


def model_dirs(names: list[str]) -> dict[str, Path]:
    """``fixture`` -> tests/fixtures/mini-sensevoice; ``bench`` -> the cached full-size random
    model (built on first use, about 1 GB); anything else is taken as NAME=DIR."""
    dirs = {}
    for name in names:
        if name == "fixture":
            dirs[name] = REPO / "tests" / "fixtures" / "mini-sensevoice"
        elif name == "bench":
            from tools.minisv.modeldir import bench_model_dir

            dirs[name] = bench_model_dir()
        else:
            label, _, path = name.partition("=")
            dirs[label] = Path(path)
    return dirs


def clip_pool() -> list[tuple[bytes, float]]:
    """(WAV bytes, seconds) of each phrase, synthesized once."""
    pool = []
    for text, language, _, variant in spoken_phrases():
        wav = speak(text, language, variant)
        pool.append((wav, (len(wav) - 44) / 2 / 22050))
    return pool


def scrape(url: str) -> str:
    import requests

    return requests.get(f"{url}/metrics", timeout=30).text


def metric(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def run_level(url: str, pool: list[tuple[bytes, float]], clients: int, total: int) -> dict:
    """Closed loop: ``clients`` threads send requests back to back until ``total`` are answered."""
    import requests

    bodies = [json.dumps({"wav": base64.b64encode(wav).decode()}) for wav, _ in pool]
    lock = threading.Lock()
    next_index = [0]
    latencies: list[float] = []
    audio_s = [0.0]
    errors: dict[str, int] = {}

    def client() -> None:
        session = requests.Session()
        while True:
            with lock:
                if next_index[0] >= total:
                    return
                i = next_index[0]
                next_index[0] += 1
            body = bodies[i % len(bodies)]
            started = time.perf_counter()
            try:
                response = session.post(f"{url}/asr", data=body, timeout=600,
                                        headers={"Content-Type": "application/json"})
                status = response.status_code
            except requests.RequestException as exc:
                status = type(exc).__name__
            elapsed = time.perf_counter() - started
            with lock:
                if status == 200:
                    latencies.append(elapsed)
                    audio_s[0] += pool[i % len(pool)][1]
                else:
                    errors[str(status)] = errors.get(str(status), 0) + 1

    before = scrape(url)
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as executor:
        for future in [executor.submit(client) for _ in range(clients)]:
            future.result()
    wall = time.perf_counter() - started
    after = scrape(url)
    passes = metric(after, "dictate_batch_size_count") - metric(before, "dictate_batch_size_count")
    clips = metric(after, "dictate_batch_size_sum") - metric(before, "dictate_batch_size_sum")
    ms = np.array(latencies) * 1000
    return {
        "clients": clients,
        "requests": total,
        "ok": len(latencies),
        "errors": errors,
        "wall_s": round(wall, 3),
        "throughput_rps": round(len(latencies) / wall, 3),
        "audio_s_per_s": round(audio_s[0] / wall, 3),
        "latency_ms": {
            "p50": round(float(np.percentile(ms, 50)), 1),
            "p90": round(float(np.percentile(ms, 90)), 1),
            "p99": round(float(np.percentile(ms, 99)), 1),
            "max": round(float(ms.max()), 1),
            "mean": round(float(ms.mean()), 1),
        } if len(ms) else None,
        "mean_batch_size": round(clips / passes, 2) if passes else None,
    }


def bench_model(name: str, model_dir: Path, max_batch: int, levels: list[int], per_client: int,
                pool, threads: int | None) -> dict:
    args = ["--model", str(model_dir), "--device", "cpu", "--backend", "funasr", "--max-batch", str(max_batch),
            "--queue", str(max(64, 2 * max(levels)))]
    if threads:
        args += ["--threads", str(threads)]
    started = time.perf_counter()
    server = ServerProcess(*args)
    ready_s = time.perf_counter() - started
    try:
        run_level(server.url, pool, 1, WARM_UP_REQUESTS)
        results = []
        for clients in levels:
            result = run_level(server.url, pool, clients, max(clients * per_client, 8))
            print(f"{name} max_batch={max_batch} clients={clients}: {result['throughput_rps']} req/s, "
                  f"p50 {result['latency_ms']['p50'] if result['latency_ms'] else '-'} ms, "
                  f"p99 {result['latency_ms']['p99'] if result['latency_ms'] else '-'} ms, "
                  f"batch {result['mean_batch_size']}, errors {result['errors']}", file=sys.stderr, flush=True)
            results.append(result)
    finally:
        server.stop()
    return {"model": name, "model_dir": str(model_dir), "max_batch": max_batch,
            "server_ready_s": round(ready_s, 2), "levels": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, required=True, help="where to write the results")
    parser.add_argument("--models", default="fixture,bench", help="comma list: fixture, bench, NAME=DIR")
    parser.add_argument("--clients", default="1,4,16", help="concurrency levels")
    parser.add_argument("--max-batch", default="4,1", help="server --max-batch settings to compare")
    parser.add_argument("--per-client", type=int, default=8, help="requests per client at each level")
    parser.add_argument("--threads", type=int, default=None, help="server model threads (default: all cores)")
    args = parser.parse_args(argv)

    levels = [int(c) for c in args.clients.split(",")]
    pool = clip_pool()
    runs = []
    for name, model_dir in model_dirs(args.models.split(",")).items():
        for max_batch in (int(b) for b in args.max_batch.split(",")):
            runs.append(bench_model(name, model_dir, max_batch, levels, args.per_client, pool, args.threads))
    report = {
        **header("server_load"),
        "clips": {"count": len(pool), "mean_s": round(float(np.mean([s for _, s in pool])), 3)},
        "method": "closed loop, each client a keep-alive session sending POST /asr back to back; "
                  f"{WARM_UP_REQUESTS} warm-up requests per server; percentiles over the answered requests",
        "runs": runs,
    }
    write(args.json, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
