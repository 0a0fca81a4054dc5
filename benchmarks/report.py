"""What every server benchmark writes around its rows: when, on what machine, at which commit, and
the JSON file itself (run as scripts, the benchmarks import this from their own folder)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def header(name: str, load_avg_at_start: tuple[float, float, float] | None = None) -> dict:
    """The fields a report starts with: benchmark name, date, commit, machine."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    return {
        "benchmark": name,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "commit": commit.stdout.strip() or None,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "load_avg_at_start": load_avg_at_start or os.getloadavg()},
    }


def write(path: Path, report: dict) -> None:
    """``report`` as indented UTF-8 JSON at ``path`` (folders made), and a line saying so."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)
