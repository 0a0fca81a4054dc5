"""Hostile-client benchmark of ``dictate-app serve``: for each bad input, the status the client got,
the time to that answer, and the server's peak memory above idle (JSON).

Three real server processes (the trained fixture model, CPU, free loopback ports):

- defaults: a good request and the largest accepted clip for reference, then 30 MB of ``[]``,
  JSON nested 200,000 deep, ``/asr`` as ``text/plain``, a urlencoded form post to the OpenAI
  route, a foreign ``Host`` (DNS rebinding) and a foreign ``Origin`` (a cross-site page). Before
  each case the peak resident size is reset (``/proc/PID/clear_refs``); the figure is VmHWM after
  the case minus VmRSS before it.
- open files limited to 200 (the issue measured 128): 200 idle and 20 slow-header connections
  while /health is probed every 0.2 s; reported: when the server closed the slow ones, the worst
  /health latency and any failed probe.
- ``--max-batch 1``: 24 clients send 60 s of audio and give up once 16 wait for the model; then a
  1.8 s phrase: its wait, and how many clips the model ran after the clients left.

Only options that exist on the issue's main are used, so the same script measures both: run it in
a checkout of main for the "before" figures.
``python benchmarks/server_hostile.py --json benchmarks/results/server_hostile.json``
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from testkit.server.bombs import reset_peak, vm_kb  # noqa: E402
from testkit.server.harness import (  # noqa: E402
    HealthProbe, ServerProcess, abandon_requests, idle_and_slow_sockets, metric, speak, spoken_phrases, wav_bytes,
)

from report import header, write  # noqa: E402  (benchmarks/report.py, beside this script)

FIXTURE = REPO / "tests" / "fixtures" / "mini-sensevoice"
JSON = {"Content-Type": "application/json"}


def start(*args: str, open_files: int | None = None) -> ServerProcess:
    return ServerProcess("--model", str(FIXTURE), "--device", "cpu", *args, open_files=open_files)


def measure(server: ServerProcess, name: str, send, idle: float | None = None) -> dict:
    """Run ``send()`` (-> a requests Response) with the server's peak memory reset before it (or,
    given ``idle``, the peak and idle figures of a reset the caller made earlier)."""
    import requests

    if idle is None:
        idle = reset_peak(server.proc.pid) / 1024
    started = time.monotonic()
    try:
        response = send()
        status: int | str = response.status_code
        try:
            body = response.json()
            message = (body.get("error") or {}).get("message") or body.get("res") or body.get("text") or ""
        except ValueError:
            message = f"not JSON: {response.text[:80]!r}"
    except requests.RequestException as exc:
        status, message = type(exc).__name__, str(exc)[:120]
    seconds = time.monotonic() - started
    peak = vm_kb(server.proc.pid, "VmHWM") / 1024
    row = {"case": name, "status": status, "seconds": round(seconds, 3),
           "peak_mb_above_idle": round(peak - idle, 1), "idle_mb": round(idle, 1), "answer": message[:160]}
    print(f"{name}: {status} in {seconds:.2f} s, {peak - idle:+.0f} MB", file=sys.stderr, flush=True)
    return row


def bad_inputs(phrase: bytes) -> list[dict]:
    import requests

    server = start()
    url, port = server.url, server.port
    good = json.dumps({"wav": base64.b64encode(phrase).decode()})
    longest = json.dumps({"wav": base64.b64encode(wav_bytes(299.0, 16000)).decode()})
    try:
        requests.post(f"{url}/asr", data=good, headers=JSON, timeout=60)  # warm-up
        cases = [
            ("good request (1.8 s phrase, reference)",
             lambda: requests.post(f"{url}/asr", data=good, headers=JSON, timeout=120)),
            ("299 s WAV, 16 kHz (12.8 MB of base64; reference)",
             lambda: requests.post(f"{url}/asr", data=longest, headers=JSON, timeout=300)),
            ("30 MB of [] to /asr",
             lambda: requests.post(f"{url}/asr", data=b"[" + b"[]," * 10_000_000 + b"[]]", headers=JSON,
                                   timeout=300)),
            ("JSON nested 200,000 deep to /asr",
             lambda: requests.post(f"{url}/asr", data=b"[" * 200_000 + b"]" * 200_000, headers=JSON, timeout=120)),
            ("/asr with Content-Type: text/plain (a good body)",
             lambda: requests.post(f"{url}/asr", data=good, headers={"Content-Type": "text/plain"}, timeout=120)),
            ("urlencoded form post to /v1/audio/transcriptions",
             lambda: requests.post(f"{url}/v1/audio/transcriptions",
                                   data={"file": base64.b64encode(phrase).decode(), "model": "whisper-1"},
                                   timeout=120)),
            ("foreign Host (DNS rebinding: evil.example)",
             lambda: requests.post(f"{url}/asr", data=good, timeout=120,
                                   headers={**JSON, "Host": f"evil.example:{port}"})),
            ("foreign Origin (a cross-site page: https://evil.example)",
             lambda: requests.post(f"{url}/asr", data=good, timeout=120,
                                   headers={**JSON, "Origin": "https://evil.example"})),
        ]
        return [measure(server, name, send) for name, send in cases]
    finally:
        server.stop()


def siege() -> list[dict]:
    server = start(open_files=200)
    probe = HealthProbe(server.url)
    try:
        idle = reset_peak(server.proc.pid) / 1024
        probe.start()
        seen = idle_and_slow_sockets(server.port, idle=200, slow=20, watch_s=15)  # default header timeout: 10 s
        probe.stopped.set()
        probe.join(5)
        peak = vm_kb(server.proc.pid, "VmHWM") / 1024
        slow = sorted(seen.slow_closed.values())
        rows = [{
            "case": "20 connections sending header lines every 0.5 s (open files: 200)",
            "status": f"{len(slow)} of 20 closed by the server" if slow else "none closed in 15 s",
            "seconds": round(slow[-1] - seen.opened_s, 1) if len(slow) == 20 else None,
            "peak_mb_above_idle": round(peak - idle, 1), "idle_mb": round(idle, 1),
            "answer": f"closed {slow[0]:.1f}-{slow[-1]:.1f} s after the start" if slow else "",
        }, {
            "case": "200 idle sockets + /health every 0.2 s (open files: 200)",
            "status": f"{len(probe.latencies) - len(probe.failures)} of {len(probe.latencies)} probes answered 200",
            "seconds": round(max(probe.latencies), 3),
            "peak_mb_above_idle": round(peak - idle, 1), "idle_mb": round(idle, 1),
            "answer": (f"worst /health latency; failures: {sorted(set(probe.failures))}; "
                       f"{len(seen.idle_closed)} idle sockets closed by the server"),
        }]
        for row in rows:
            print(f"{row['case']}: {row['status']}, {row['seconds']} s", file=sys.stderr, flush=True)
        return rows
    finally:
        probe.stopped.set()
        server.stop()


def abandoned(phrase: bytes) -> list[dict]:
    import requests

    server = start("--max-batch", "1", "--queue", "64")
    try:
        good = json.dumps({"wav": base64.b64encode(phrase).decode()})
        requests.post(f"{server.url}/asr", data=good, headers=JSON, timeout=60)  # warm-up
        idle = reset_peak(server.proc.pid) / 1024
        body = json.dumps({"wav": base64.b64encode(wav_bytes(60.0, 16000)).decode()}).encode()
        abandon_requests(server.port, body, count=24, queued=16)
        at_close = requests.get(f"{server.url}/metrics", timeout=30).text
        row = measure(server, "a 1.8 s request after 24 clients gave up on 60 s requests (--max-batch 1)",
                      lambda: requests.post(f"{server.url}/asr", data=good, headers=JSON, timeout=300), idle)
        after = requests.get(f"{server.url}/metrics", timeout=30).text
        ran = metric(after, "dictate_batch_size_sum") - metric(at_close, "dictate_batch_size_sum")
        row["answer"] = f"{ran:.0f} clips ran after the clients left (the fresh one included); {row['answer']}"
        return [row]
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, required=True, help="where to write the results")
    parser.add_argument("--label", default="", help="what code was measured (e.g. main)")
    args = parser.parse_args(argv)

    text, language, _, variant = spoken_phrases()[0]
    phrase = speak(text, language, variant)
    load = os.getloadavg()
    rows = bad_inputs(phrase) + siege() + abandoned(phrase)
    report = {
        **header("server_hostile", load),
        "label": args.label,
        "method": "real server processes with the fixture model on loopback; peak = VmHWM after the case "
                  "minus VmRSS before it, with the peak reset first (clear_refs)",
        "cases": rows,
    }
    write(args.json, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
