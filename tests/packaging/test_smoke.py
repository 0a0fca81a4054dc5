"""packaging/smoke.py, the installers' smoke test (the GitHub workflow runs it on Windows, macOS
and Linux): against the real frozen bundle here, and its verdicts checked against stand-in
executables that get one thing wrong each (fast tier)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dictate_app import __version__

REPO = Path(__file__).resolve().parents[2]
SMOKE = REPO / "packaging" / "smoke.py"
sys.path.insert(0, str(REPO / "packaging"))
import smoke  # noqa: E402  (packaging/ is not a package)


@pytest.mark.slow
def test_the_frozen_bundle_passes_the_smoke_test(frozen_exe, fixture_onnx_dir):
    done = subprocess.run([sys.executable, str(SMOKE), str(frozen_exe), str(fixture_onnx_dir)],
                          capture_output=True, text=True, timeout=600)
    print(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "smoke transcribe: please-open-the-door.wav: please open the door; " \
           "da-kai-dian-hua-371.wav: 打开电话371" in done.stdout


def _stand_in(tmp_path, version=__version__, doctor_rc=1, problems=1, text="please open the door",
              crash="") -> Path:
    """An executable that answers like dictate-app, with one thing changed by the arguments."""
    expected = json.loads((smoke.CLIPS / "expected.json").read_text(encoding="utf-8"))
    expected["please-open-the-door.wav"]["text"] = text
    row = {"capability": "hotkey", "status": "unsupported", "detail": "no session.", "fix": "bind it"}
    doctor = {"backend": "none", "reason": "none", "checks": [row], "problems": [row] * problems, "summary": ""}
    exe = tmp_path / "dictate-app"
    exe.write_text(textwrap.dedent(f"""\
        #!{sys.executable}
        import json, sys
        from pathlib import Path
        args = sys.argv[1:]
        if {crash!r} and args[0] == {crash!r}:
            sys.exit("Traceback (most recent call last):\\n  boom")
        if args == ["--version"]:
            print("dictate-app {version}")
        elif args[0] == "doctor":
            print(json.dumps({doctor!r}))
            sys.exit({doctor_rc})
        elif args[0] == "transcribe":
            expected = {expected!r}
            for f in args[6:]:
                print(json.dumps(dict(expected[Path(f).name], file=f), ensure_ascii=False))
        """), encoding="utf-8")
    exe.chmod(0o755)
    return exe


@pytest.mark.parametrize("change, message", [
    ({}, None),
    ({"doctor_rc": 0, "problems": 0}, None),
    ({"version": "0.0.0"}, "--version printed 'dictate-app 0.0.0'"),
    ({"text": "please open the"}, "transcribe gave"),
    ({"crash": "transcribe"}, "transcribe exited 1"),
    ({"crash": "doctor"}, "doctor --json exited 1"),
    ({"doctor_rc": 0}, "doctor exited 0 with 1 problems"),
])
def test_the_smoke_test_fails_on_each_wrong_answer(tmp_path, change, message):
    exe = _stand_in(tmp_path, **change)
    model = tmp_path / "model"
    model.mkdir()
    done = subprocess.run([sys.executable, str(SMOKE), str(exe), str(model)], capture_output=True, text=True)
    if message is None:
        assert done.returncode == 0 and "smoke passed" in done.stdout, done.stdout + done.stderr
    else:
        assert done.returncode == 1 and message in done.stderr, done.stdout + done.stderr


def test_the_smoke_test_rejects_a_missing_executable_in_one_line(tmp_path):
    done = subprocess.run([sys.executable, str(SMOKE), str(tmp_path / "nothing"), str(tmp_path)],
                          capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.startswith("error: ") and done.stderr.count("\n") == 1
