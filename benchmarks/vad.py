"""What Silero VAD costs: load time and time per 32 ms frame, the app's runtime vs the others.

Each runtime is measured in a fresh interpreter, so the load time includes its imports:
``onnx`` is ``dictate_app.audio.vad`` as the app runs it (one thread; on sherpa-onnx's onnxruntime
through its C API where that library is found, ``backend`` says which); ``onnxruntime_python`` is
the same with that library hidden, so on onnxruntime's Python package (the fallback, and what the
app used before issue 26); ``torch`` is the path the app used
before, the ``silero-vad`` package's torch model with the process's thread count (as the live
segmenter ran it), ``torch_1_thread`` the same on one thread (as the worker's trim ran it); both
are skipped when the package is not installed.
Per-frame cost: the median over ``--rounds`` of scoring 10 s of synthesized speech-like audio
frame by frame (what the live segmenter does), plus the whole-clip ``speech_spans`` time. Also
the resident memory after loading and scoring.
Usage: ``python benchmarks/vad.py [--rounds 5] [--json OUT.json]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Runs inside the fresh interpreter; prints one JSON line.
_PROBE = r"""
import json, resource, statistics, sys, time
t0 = time.perf_counter()
runtime, rounds = sys.argv[1], int(sys.argv[2])
import numpy as np
rng = np.random.default_rng(0)
t = np.arange(10 * 16000) / 16000
# 10 s of voiced bursts (harmonics under a 3 Hz envelope) with noise: the VAD says "speech" often.
audio = (0.3 * np.sin(2 * np.pi * 3 * t).clip(0) * sum(np.sin(2 * np.pi * f * t) / k
         for k, f in enumerate((140, 280, 420, 700, 1100), 1)) + 0.01 * rng.standard_normal(t.size)).astype(np.float32)
frames = audio[: audio.size // 512 * 512].reshape(-1, 512)
if runtime in ("onnx", "onnxruntime_python"):
    from dictate_app.audio import silero_runtime
    from dictate_app.audio.vad import FrameScorer, SileroVad, load_session, session_backend
    if runtime == "onnxruntime_python":
        silero_runtime.library_candidates = lambda: []
    backend = session_backend(load_session())
    load_s = time.perf_counter() - t0
    scorer = FrameScorer()
    score = scorer
    reset = scorer.reset
    spans = lambda: SileroVad().speech_spans(audio)
else:
    import torch
    backend = f"torch {torch.__version__}"
    threads = torch.get_num_threads()
    from silero_vad import get_speech_timestamps, load_silero_vad
    if runtime == "torch":  # as the app's capture path did: silero_vad's import sets 1 thread
        torch.set_num_threads(threads)  # for the process, and the app put the count back
    model = load_silero_vad()
    load_s = time.perf_counter() - t0
    def score(frame):
        with torch.no_grad():
            return model(torch.from_numpy(frame.copy()), 16000).item()
    reset = model.reset_states
    spans = lambda: get_speech_timestamps(torch.from_numpy(audio), model, sampling_rate=16000)
per_frame, whole = [], []
for _ in range(rounds + 1):  # the first round warms up
    reset()
    t1 = time.perf_counter()
    probs = [score(f) for f in frames]
    per_frame.append((time.perf_counter() - t1) / len(frames))
    t1 = time.perf_counter()
    found = spans()
    whole.append(time.perf_counter() - t1)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"backend": backend, "load_s": round(load_s, 3), "frame_ms_p50": round(statistics.median(per_frame[1:]) * 1000, 4),
                  "speech_spans_10s_s": round(statistics.median(whole[1:]), 4), "peak_rss_mb": round(rss, 1),
                  "speech_fraction": round(float(np.mean(np.array(probs) >= 0.5)), 3), "spans": len(found),
                  "torch_imported": "torch" in sys.modules, "onnxruntime_imported": "onnxruntime" in sys.modules}))
"""


def probe(runtime: str, rounds: int) -> dict:
    """Measure one runtime in a fresh interpreter."""
    proc = subprocess.run([sys.executable, "-c", _PROBE, runtime, str(rounds)], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    from importlib.util import find_spec

    results = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                           "load_average_1min": round(os.getloadavg()[0], 2)},
               "frame_ms_budget": 32.0,
               "onnx": probe("onnx", args.rounds)}
    if find_spec("onnxruntime") is not None:
        results["onnxruntime_python"] = probe("onnxruntime_python", args.rounds)
    if find_spec("silero_vad") is not None:
        results["torch"] = probe("torch", args.rounds)
        # What the tray app's worker did around its trim (worker.one_torch_thread): one thread.
        results["torch_1_thread"] = probe("torch_1_thread", args.rounds)
    text = json.dumps(results, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
