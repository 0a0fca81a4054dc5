"""Smoke test of an installed or built Dictate: the same three checks on Linux, Windows and macOS.

    python packaging/smoke.py EXECUTABLE MODEL_DIR

EXECUTABLE is the frozen CLI (``/usr/bin/dictate-app``, ``dist/cpu/dictate/dictate-app``,
``...\\Dictate\\dictate-app.exe``, ``Dictate.app/Contents/MacOS/dictate-app``); MODEL_DIR the fixture
model's ONNX export (``python -m dictate_app model export-onnx tests/fixtures/mini-sensevoice --out
DIR``). Checks, each failing with one line that says what was wrong:

1. ``--version`` prints ``dictate-app <the version in dictate_app/__init__.py>``;
2. ``doctor --json`` prints the report (backend, reason, one row per capability with status,
   detail and fix) and exits 0 or 1 (1: something does not work here, e.g. no graphical session
   on a CI runner), never with a traceback;
3. ``transcribe --json`` of the committed clips (tests/packaging/clips) gives the words, language
   and emotion of ``expected.json``; the Mandarin clip also proves the CLI can print non-ASCII
   text through a pipe.

Standard library only: it runs with whatever Python the CI runner has, not the app's venv, and
runs the executable outside the repository so nothing can be imported from the checkout.
Used by packaging/ci.sh (through tests/packaging/test_smoke.py) and .github/workflows/installers.yml.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLIPS = REPO / "tests" / "packaging" / "clips"
DOCTOR_KEYS = {"backend", "reason", "checks", "problems", "summary"}
ROW_KEYS = {"capability", "status", "detail", "fix"}


class SmokeError(Exception):
    """One check failed; the message says which and what came out."""


def expected_version() -> str:
    text = (REPO / "dictate_app" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__ = "(.*)"', text, re.MULTILINE).group(1)


def run(exe: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the executable as a user would: from a scratch directory, without the caller's Python
    environment variables. Output is read as UTF-8 (what the frozen app writes, in UTF-8 mode)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    with tempfile.TemporaryDirectory(prefix="dictate-smoke-") as scratch:
        env["DICTATE_DATA_DIR"] = os.path.join(scratch, "data")  # leave the runner's user data alone
        env["DICTATE_CONFIG_DIR"] = os.path.join(scratch, "config")
        return subprocess.run([str(exe), *args], capture_output=True, timeout=timeout, env=env, cwd=scratch,
                              encoding="utf-8", errors="replace")


def _clean(done: subprocess.CompletedProcess, what: str, codes=(0,)) -> None:
    if "Traceback" in done.stderr or done.returncode not in codes:
        raise SmokeError(f"{what} exited {done.returncode}: {done.stderr.strip()[-2000:]}")


def check_version(exe: Path) -> str:
    done = run(exe, "--version")
    _clean(done, "--version")
    want = f"dictate-app {expected_version()}"
    if done.stdout.strip() != want:
        raise SmokeError(f"--version printed {done.stdout.strip()!r}, not {want!r}")
    return want


def check_doctor(exe: Path) -> str:
    done = run(exe, "doctor", "--json")
    _clean(done, "doctor --json", codes=(0, 1))
    try:
        data = json.loads(done.stdout)
    except ValueError:
        raise SmokeError(f"doctor --json printed no JSON: {done.stdout[:500]!r}") from None
    missing = DOCTOR_KEYS - set(data)
    if missing or not data["checks"]:
        raise SmokeError(f"doctor --json lacks {sorted(missing) or 'checks'}: {done.stdout[:500]}")
    for row in data["checks"]:
        if set(row) != ROW_KEYS or not row["detail"]:
            raise SmokeError(f"doctor --json has a malformed row: {row}")
    if (done.returncode == 0) != (not data["problems"]):
        raise SmokeError(f"doctor exited {done.returncode} with {len(data['problems'])} problems")
    return f"backend {data['backend']} ({data['reason']}), {len(data['checks'])} checks, {len(data['problems'])} problems"


def check_transcribe(exe: Path, model: Path, clips: Path = CLIPS) -> str:
    expected = json.loads((clips / "expected.json").read_text(encoding="utf-8"))
    files = [clips / name for name in expected]
    done = run(exe, "transcribe", "--model", str(model), "--device", "cpu", "--json", *map(str, files))
    _clean(done, "transcribe")
    records = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    got = {Path(r["file"]).name: {k: r[k] for k in ("text", "language", "emotion")} for r in records}
    if got != expected:
        raise SmokeError(f"transcribe gave {json.dumps(got, ensure_ascii=False)}, expected "
                         f"{json.dumps(expected, ensure_ascii=False)}")
    return "; ".join(f"{name}: {value['text']}" for name, value in got.items())


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1].strip(), file=sys.stderr)
        return 2
    exe, model = Path(argv[0]).absolute(), Path(argv[1]).absolute()
    if not exe.is_file():
        print(f"error: {exe} is not a file: give the frozen dictate-app executable", file=sys.stderr)
        return 2
    if not model.is_dir():
        print(f"error: {model} is not a directory: give the fixture model's ONNX export", file=sys.stderr)
        return 2
    try:
        for name, check in (("version", lambda: check_version(exe)), ("doctor", lambda: check_doctor(exe)),
                            ("transcribe", lambda: check_transcribe(exe, model))):
            print(f"smoke {name}: {check()}", flush=True)
    except SmokeError as exc:
        print(f"smoke FAILED: {exc}", file=sys.stderr)
        return 1
    except subprocess.TimeoutExpired as exc:
        print(f"smoke FAILED: {' '.join(exc.cmd)} did not finish in {exc.timeout:.0f} s", file=sys.stderr)
        return 1
    print(f"smoke passed: {exe}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
