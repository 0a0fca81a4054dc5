"""The wheel (`pipx install .`, `pip install dictate-app`): it carries its data files, and installed
into a fresh virtual environment with only the CPU flavour's dependencies it transcribes.

The contents check builds the wheel only (seconds, the fast tier); the install check is
packaging/wheel-check.sh (a fresh venv, pip, the fixture model's ONNX export: the slow tier, so
the README's test command, and with it CI, runs it).
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import pytest
import soundfile

from tests.conftest import REPO

DATA_FILES = ("dictate_app/data/vad/silero_vad.onnx", "dictate_app/data/vad/LICENSE",
              "dictate_app/data/sounds/start.wav", "dictate_app/data/sounds/stop.wav")


def test_the_wheel_carries_the_vad_model_and_the_sounds(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(tmp_path), str(REPO)], check=True, capture_output=True, timeout=300)
    (wheel,) = tmp_path.glob("dictate_app-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for name in DATA_FILES:
            assert name in names, f"{name} is not in {wheel.name}"
            assert archive.getinfo(name).file_size == (REPO / name).stat().st_size
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        assert "dictate-app = dictate_app.cli:main" in archive.read(entry_points).decode()
    assert not any(name.startswith(("tests/", "testkit/", "tools/", "resources/")) for name in names)


@pytest.mark.slow
def test_installed_from_the_wheel_with_the_cpu_dependencies_it_transcribes(fixture_onnx_dir, tmp_path):
    from tests.fixtures.test_mini_sensevoice import RATE, speak

    clip = tmp_path / "call.wav"
    soundfile.write(clip, speak("call my mother", "en-us+f2"), RATE)
    done = subprocess.run(["bash", "packaging/wheel-check.sh", str(fixture_onnx_dir), str(clip)], cwd=REPO,
                          capture_output=True, text=True, timeout=1200,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHON": sys.executable,
                               "PIP_CACHE_DIR": _pip_cache()})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ok  the VAD model:" in done.stderr and "ok  the start cue:" in done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["text"] == "call my mother" and result["file"] == str(clip)


def _pip_cache() -> str:
    """The user's pip cache, so the CPU dependencies come from it when the test venv was just made."""
    found = subprocess.run([sys.executable, "-m", "pip", "cache", "dir"], capture_output=True, text=True)
    return found.stdout.strip() or str(REPO / ".pip-cache")
