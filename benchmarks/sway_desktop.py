"""The sway backend's figures on the headless sway bench (writes JSON).

- **wtype keymap wait**: wtype's first key races its new keymap. For each wait (``-s`` ms; 0 = no
  wait) ``--trials`` insertions of "hello" into a Qt Wayland QLineEdit, round-robin over the waits,
  while ``--busy`` busy loops (default 1: one core at 100 %) load the machine; counted exact or
  not (and what arrived instead). This is what ``KEYMAP_WAIT_MS`` in dictate_app/desktop/wayland/wtype.py rests on.
- **focused window**: milliseconds per ``SwayWindows.focused()`` (one GET_TREE on a kept
  connection, parsed) with ``--windows`` Qt windows open; median and p90 of 300 calls.
- **repeat**: the binding events of a 1.5 s hold of F9 (``wtype -P F9 -s 1500 -p F9``) bound with
  and without ``--no-repeat``: how many press events, the delay before the first repeat, the
  repeat interval.

``python benchmarks/sway_desktop.py --json benchmarks/results/sway-desktop-DATE.json``; run it
under the shared lock (``flock /tmp/dictate-heavy.lock ...``), as root or a user who may run sway.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from dictate_app.desktop.wayland.sway import SwayWindows  # noqa: E402
from dictate_app.desktop.wayland.sway_ipc import SwayIPC  # noqa: E402
from testkit.desktop.app_harness import wait_for  # noqa: E402
from testkit.desktop.sway_bench import SwayDesktop  # noqa: E402
from testkit.desktop.wayland.clients import Target  # noqa: E402

WAITS_MS = (0, 1, 3, 10, 25, 50, 100, 150)
WORD = "hello"


def _settled(target: Target, expected: str, timeout: float = 3.0) -> str:
    """The target's text once it equals ``expected`` or stopped changing for 300 ms."""
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        text = target.text()
        if text == expected:
            return text
        if text != last:
            last, since = text, time.monotonic()
        elif text and time.monotonic() - since > 0.3:
            return text
        time.sleep(0.01)
    return target.text()


def keymap_wait(bench: SwayDesktop, target: Target, trials: int, waits: tuple[int, ...] = WAITS_MS) -> dict:
    results = {wait: {"exact": 0, "trials": 0, "wrong": {}} for wait in waits}
    for _ in range(trials):
        for wait in waits:
            target.reset()
            args = ["wtype", *(["-s", str(wait)] if wait else []), "--", WORD]
            subprocess.run(args, env=bench.env, check=True, timeout=10)
            got = _settled(target, WORD)
            row = results[wait]
            row["trials"] += 1
            if got == WORD:
                row["exact"] += 1
            else:
                row["wrong"][got] = row["wrong"].get(got, 0) + 1
    return {str(wait): row for wait, row in results.items()}


def get_tree_ms(bench: SwayDesktop, tmp: Path, windows: int) -> dict:
    extra = [Target(bench, tmp / f"extra{i}.txt") for i in range(windows - 1)]
    try:
        source = SwayWindows()
        assert source.focused() is not None
        times = []
        for _ in range(300):
            t0 = time.perf_counter()
            source.focused()
            times.append((time.perf_counter() - t0) * 1000)
        source.close()
        times.sort()
        return {"windows": windows, "calls": len(times), "median_ms": round(statistics.median(times), 3),
                "p90_ms": round(times[int(0.9 * len(times))], 3), "max_ms": round(times[-1], 3)}
    finally:
        for client in extra:
            client.close()


def repeat(bench: SwayDesktop, no_repeat: bool) -> dict:
    flag = "--no-repeat " if no_repeat else ""
    bench.swaymsg(f"bindsym {flag}F9 nop bench-press")
    bench.swaymsg("bindsym --release F9 nop bench-release")
    events: list[tuple[float, str]] = []
    conn = SwayIPC()
    conn.subscribe(["binding"])

    def read() -> None:
        while True:
            try:
                _name, payload = conn.read_event()
            except ConnectionError:
                return
            events.append((time.monotonic(), payload["binding"]["command"].split()[-1]))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        bench.wtype("-P", "F9", "-s", "1500", "-p", "F9")
        time.sleep(0.3)
    finally:
        conn.close()
        reader.join(2)
        bench.swaymsg("unbindsym F9")
        bench.swaymsg("unbindsym --release F9")
    presses = [t for t, what in events if what == "bench-press"]
    gaps = [round((b - a) * 1000, 1) for a, b in zip(presses, presses[1:])]
    return {"no_repeat": no_repeat, "press_events": len(presses),
            "release_events": sum(what == "bench-release" for _, what in events),
            "first_repeat_after_ms": gaps[0] if gaps else None,
            "repeat_interval_median_ms": statistics.median(gaps[1:]) if len(gaps) > 1 else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--windows", type=int, default=6)
    parser.add_argument("--busy", type=int, default=1, help="busy-loop processes during the run")
    parser.add_argument("--waits", default=",".join(map(str, WAITS_MS)), help="keymap waits to try, ms")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    bench = SwayDesktop().start()
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)]
    out: dict = {"machine": platform.machine(), "cpus": len(os.sched_getaffinity(0)),
                 "sway": bench.swaymsg("-t", "get_version")["human_readable"],  # type: ignore[index]
                 "load": f"{args.busy} busy-loop process(es) during the whole run"}
    try:
        os.environ.update({k: bench.env[k] for k in ("WAYLAND_DISPLAY", "SWAYSOCK", "XDG_RUNTIME_DIR")})
        with tempfile.TemporaryDirectory() as tmp:
            target = Target(bench, Path(tmp) / "target.txt")
            try:
                wait_for(lambda: target.node().get("focused"), 5, "target focus")
                waits = tuple(int(w) for w in args.waits.split(","))
                out["keymap_wait"] = keymap_wait(bench, target, args.trials, waits)
                out["focused_window"] = get_tree_ms(bench, Path(tmp), args.windows)
                out["repeat"] = [repeat(bench, no_repeat=False), repeat(bench, no_repeat=True)]
            finally:
                target.close()
    finally:
        for proc in busy:
            proc.kill()
        bench.stop()
    text = json.dumps(out, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
